"""Writing files so that nothing a user saved is lost or half-written.

    write_atomically(path, write)   a temporary file beside `path`, flushed to disk, renamed over it
    write_json(path, obj)           indented JSON, NaN and infinities as null

mg.save (minigan/serialization.py) and the safetensors writer (minigan/formats/safetensors.py)
write through write_atomically; the command line writes its JSON side files with write_json.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import stat
import time

try:
    import fcntl
except ImportError:  # Windows: stale temporary files are recognised by their age instead
    fcntl = None


def write_atomically(path: str, write) -> None:
    """Call write(file) on a temporary file beside `path`, flush it to disk, rename it over `path`.

    Through a symlink the link's target is replaced (not the link); an existing file keeps its
    permission bits. The temporary file is named ".<name>.<12 hex digits>.tmp" and locked while it
    is written; temporary files of the same target left by a process that died mid-save (their
    lock is free) are removed first.
    """
    target = os.path.realpath(path)
    folder, filename = os.path.split(target)
    _remove_stale_temps(folder, filename)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    temp = os.path.join(folder, f".{filename}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as err:
        raise type(err)(err.errno, f"cannot save {path}: cannot create a file in {folder} "
                        f"({err.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as file:
            _lock(file)
            write(file)
            file.flush()
            if mode is not None:
                os.chmod(temp, mode)
            os.fsync(file.fileno())
            os.replace(temp, target)  # while still locked: no cleaner can take it for stale
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise
    _fsync_folder(folder)


def _temp_pattern(filename: str):
    return re.compile(re.escape(f".{filename}.") + r"[0-9a-f]{12}\.tmp")


def _lock(file) -> None:
    """An exclusive advisory lock, held until the file is closed (or the process dies)."""
    if fcntl is not None:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)


def _remove_stale_temps(folder: str, filename: str) -> None:
    """Delete this target's temporary files that no live process is writing.

    Only files named like ours, owned by this user, and (POSIX) whose lock can be taken -- the
    writer died -- or (elsewhere) older than a day are removed.
    """
    pattern = _temp_pattern(filename)
    try:
        names = [n for n in os.listdir(folder) if pattern.fullmatch(n)]
    except OSError:
        return
    for name in names:
        temp = os.path.join(folder, name)
        try:
            info = os.lstat(temp)
            if not stat.S_ISREG(info.st_mode) or (hasattr(os,
                                                          "getuid") and info.st_uid != os.getuid()):
                continue
            if fcntl is None:
                if time.time() - info.st_mtime > 86400:
                    os.remove(temp)
                continue
            fd = os.open(temp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a live save holds it
            else:
                if os.path.exists(temp) and os.path.samestat(os.fstat(fd), os.lstat(temp)):
                    os.remove(temp)
            finally:
                os.close(fd)
        except OSError:
            continue


def _fsync_folder(folder: str) -> None:
    """Flush the rename itself to disk where the OS allows it (POSIX); best effort elsewhere."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_json(path, obj) -> None:
    """Write `obj` as indented JSON, NaN and infinities as null (standard JSON has neither, and
    json.dumps would write the invalid tokens NaN and Infinity)."""
    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {key: clean(v) for key, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value

    with open(path, "w") as file:
        file.write(json.dumps(clean(obj), indent=2, allow_nan=False) + "\n")
