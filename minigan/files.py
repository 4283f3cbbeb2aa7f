"""Writing files so that nothing a user saved is lost or half-written.

    write_atomically(path, write)   a temporary file beside `path`, flushed to disk, renamed over it
    write_json(path, obj)           indented JSON, NaN and infinities as null
    read_json(path, what)           a JSON side file, every failure a ValueError naming `what`

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

from minigan.paths import open_regular_file

try:
    import fcntl
except ImportError:  # Windows: stale temporary files are recognised by their age instead
    fcntl = None


def write_atomically(path: str, write) -> None:
    """Call write(file) on a temporary file beside `path`, flush it to disk, rename it over `path`.

    Through a symlink the link's target is replaced (not the link); an existing file keeps its
    permission bits. The temporary file is named ".<name>.<pid>.<12 hex digits>.tmp" (unique to
    this writer) and locked while it is written; temporary files of the same target left by a
    process that died mid-save are removed first. Several processes or threads saving to one path
    at once never touch each other's temporary files: each save completes, the last rename wins.
    """
    target = os.path.realpath(path)
    folder, filename = os.path.split(target)
    _remove_stale_temps(folder, filename)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    temp = os.path.join(folder, f".{filename}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
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
        try:
            os.remove(temp)  # only this writer's own temporary file
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(folder)


def _temp_pattern(filename: str):
    """Our temporary files of `filename`; group 1 is the writer's pid (absent in older names)."""
    return re.compile(re.escape(f".{filename}.") + r"(?:(\d+)\.)?[0-9a-f]{12}\.tmp")


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process, writing now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process, or cannot tell: leave its file alone
    return True


def _lock(file) -> None:
    """An exclusive advisory lock, held until the file is closed (or the process dies)."""
    if fcntl is not None:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)


def _remove_stale_temps(folder: str, filename: str) -> None:
    """Delete this target's temporary files that no live process is writing.

    Only files named like ours, owned by this user, whose writer's process is gone, and (POSIX)
    whose lock can be taken, or (elsewhere) older than a day, are removed. A live writer's file is
    never touched, not even in the instant between creating it and locking it.
    """
    pattern = _temp_pattern(filename)
    try:
        matches = [pattern.fullmatch(n) for n in os.listdir(folder)]
    except OSError:
        return
    for match in filter(None, matches):
        if match.group(1) is not None and _process_alive(int(match.group(1))):
            continue
        temp = os.path.join(folder, match.group(0))
        try:
            info = os.lstat(temp)
            foreign = hasattr(os, "getuid") and info.st_uid != os.getuid()
            if not stat.S_ISREG(info.st_mode) or foreign:
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


MAX_JSON_DEPTH = 100  # as deep as mg.save lets containers nest
MAX_JSON_BYTES = 1 << 20  # a config.json is about 1 KB: a megabyte is far more than any needs


def read_json(path, what: str, max_bytes: int = MAX_JSON_BYTES):
    """A JSON side file (a --config file, a run's config.json) read with every failure a
    ValueError that starts with `what`: not a regular file (a pipe, /dev/zero), too large, not
    UTF-8, not valid JSON, or nested more than MAX_JSON_DEPTH deep."""
    with open_regular_file(path, what, max_bytes) as file:
        raw = file.read(max_bytes + 1)
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{what}: not a text file (not UTF-8)") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{what}: not valid JSON ({err})") from None
    except RecursionError:
        raise ValueError(f"{what}: nested more than {MAX_JSON_DEPTH} levels deep") from None
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise ValueError(f"{what}: nested more than {MAX_JSON_DEPTH} levels deep")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((v, depth + 1) for v in children)
    return value
