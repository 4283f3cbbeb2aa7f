"""A training run's folder: claimed atomically, locked for as long as a run writes into it.

    out, lock = claim_new_folder(Path("runs/dcgan-sample"))   # runs/dcgan-sample, or -2, -3 ...
    lock = lock_run_folder(Path("runs/dcgan-sample"))         # --resume: refused if in use
    ...                                                       # train, write the outputs
    lock.close()                                              # (or the process ends)

Two rules keep a run folder from ever being overwritten or shared:

* A new run claims its folder in one atomic step: it creates the lock file ``run.lock`` with
  O_CREAT | O_EXCL in a folder that holds nothing else. Of two processes started at once with the
  same --out, exactly one creates the file; the other moves on to ``<out>-2``. (Checking "is it
  empty?" and then writing would let both pass the check.)
* While a run (new or resumed) works in a folder it holds an exclusive ``fcntl.flock`` on
  ``run.lock``, whose text is its process id. A second ``train --resume`` of the folder cannot
  take the lock and stops with exit status 2, naming that process. The kernel releases a flock
  when its process ends, however it ends (a crash, Ctrl-C, ``kill -9``, a power cut), so a lock
  is never stale: the file stays behind, but the next run takes its lock at once.

Where fcntl does not exist (Windows) the claim is still atomic but nothing stops two resumes of
one folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from minigan.paths import check_folder_path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

LOCK_NAME = "run.lock"


class RunFolderBusy(ValueError):
    """Another live process is training in the folder (bad input: exit status 2)."""


class RunLock:
    """The open lock file of a run folder; the lock lasts until close() or the end of the
    process."""

    def __init__(self, folder: Path, fd: int):
        self.folder, self.fd = folder, fd

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the file releases the flock
            self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def claim_new_folder(base: Path, flag: str = "--out") -> tuple[Path, RunLock]:
    """(folder, its lock) for a new run: `base` if it is new or empty, else base-2, base-3 ...:
    the first that this process claims by creating its lock file there."""
    check_folder_path(base, flag)
    base.parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        candidate = base if n == 1 else base.with_name(f"{base.name}-{n}")
        n += 1
        try:
            candidate.mkdir()
        except FileExistsError:
            if not candidate.is_dir():
                continue  # base-2 is a file: try base-3
        try:
            fd = os.open(candidate / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue  # another run holds (or held) this folder
        if set(os.listdir(candidate)) != {LOCK_NAME}:  # a run written before lock files existed
            os.close(fd)
            os.remove(candidate / LOCK_NAME)
            continue
        return candidate, _locked(candidate, fd)


def lock_run_folder(folder: Path) -> RunLock:
    """The lock of an existing run folder (for --resume); RunFolderBusy naming the process that
    holds it."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0),
                     0o644)
    except OSError as err:
        raise ValueError(f"cannot lock the run folder {folder}: {err.strerror} "
                         f"({folder / LOCK_NAME})") from None
    return _locked(folder, fd)


def _locked(folder: Path, fd: int) -> RunLock:
    """Take the exclusive lock on fd without waiting, and write this process's id into the file."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise RunFolderBusy(f"the run folder {folder} is in use by process {holder} (a train "
                                "or --resume still running there); wait for it to finish. "
                                "A crashed or killed run never holds its folder: the lock dies "
                                "with its process.") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return RunLock(folder, fd)


def is_locked(folder: Path) -> str | None:
    """The id of the process training in `folder` now, or None when none is (read-only: the lock
    file is neither created nor changed)."""
    if fcntl is None:
        return None
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
        return None
    finally:
        os.close(fd)
