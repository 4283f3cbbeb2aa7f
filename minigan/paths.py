"""Paths a user hands to minigan, checked for what is there before it is read or written.

Reading a named pipe blocks until some other process writes to it, /dev/zero never ends, and
writing to a pipe or a socket blocks or fails with a cryptic error. So an input must be a regular
file, an output file must be a regular file or not exist yet (in an existing folder), and an
output folder must be a folder or not exist yet; anything else is a ValueError that says what
the path is ("a named pipe", "a socket" ...). ``open_regular_file`` does the input check on the
open file itself, so that nothing can be swapped in between the check and the read.
"""

from __future__ import annotations

import os
import stat

_KINDS = ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a folder"),
          (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def kind_of_mode(mode: int) -> str:
    """What a st_mode is, in words: "a regular file", "a named pipe" ..."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def describe(path) -> str:
    """What kind of thing is at `path`, in words."""
    return kind_of_mode(os.stat(path).st_mode)


def open_regular_file(path, what: str, max_bytes: int | None = None):
    """`path` opened for reading in binary mode; ValueError unless it is a regular file (of at
    most `max_bytes`). `what` names it in the message, e.g. "--config x.json"."""
    if os.fspath(path) == "":
        raise ValueError(f"{what}: the path is empty")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO: no wait for a writer
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{what} is not a regular file: it is {kind_of_mode(info.st_mode)}")
        if max_bytes is not None and info.st_size > max_bytes:
            raise ValueError(f"{what} is {info.st_size:,} bytes, more than the {max_bytes:,} such "
                             "a file can sensibly hold")
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def check_output_file(path, what: str) -> None:
    """A file path minigan may write: not empty, not an existing folder, pipe, socket or device."""
    if os.fspath(path) == "":
        raise ValueError(f"{what}: the path is empty")
    if os.path.lexists(path) and os.path.exists(path) and not os.path.isfile(path):
        raise ValueError(f"{what} {os.fspath(path)} is not a regular file: it is {describe(path)}")
    folder = os.path.dirname(os.fspath(path)) or "."
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ValueError(f"{what} {os.fspath(path)}: {folder} is not a folder: it is "
                         f"{describe(folder)}")


def check_folder_path(path, what: str) -> None:
    """A folder path minigan may create or write into: not empty, not an existing file, pipe,
    socket or device."""
    if os.fspath(path) == "":
        raise ValueError(f"{what} must name a folder, got ''")
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"{what} {os.fspath(path)} is not a folder: it is {describe(path)}")
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):  # the folder to be created must go into a folder
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise ValueError(f"{what} {os.fspath(path)}: {parent} is not a folder: it is "
                         f"{describe(parent)}")


def check_folder_contents(folder, what: str) -> None:
    """A folder minigan writes into: nothing in it may be a pipe, socket or device (writing to
    one would block or fail half-way through a run)."""
    for entry in os.scandir(folder):
        try:
            mode = os.stat(entry.path).st_mode  # through a link: what a write would reach
        except FileNotFoundError:
            continue  # a dangling link: writing creates its target
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise ValueError(f"{what} {os.fspath(folder)} holds {entry.name}, which is "
                             f"{kind_of_mode(mode)}: minigan writes only regular files there")


def path_argument(text: str):
    """argparse's `type=` for a path flag: a Path, refusing '' (which would mean "here")."""
    import argparse
    from pathlib import Path

    if text == "":
        raise argparse.ArgumentTypeError("must be a path, got ''")
    return Path(text)
