"""Finding a dataset's files on disk, or downloading them from a mirror into the cache.

A file named F of a dataset whose folder is D (e.g. D = "fashion-mnist",
F = "train-images-idx3-ubyte") is looked for as "F.gz" or "F" in, in this order:

1. ``<root>/D/``                      the `root` argument of load_dataset
2. ``$MINIGAN_DATA/D/``               an environment variable
3. ``<checkout>/data/D/``             data bundled with a source checkout (the "sample" dataset)
4. ``$XDG_CACHE_HOME/minigan/D/``     the per-user cache (``~/.cache/minigan/D/`` by default)
5. ``/usr/share/datasets/D/``         Debian's dataset packages (apt install dataset-fashion-mnist)

If it is in none of them, it is downloaded from the dataset's mirrors (each tried in turn) into the
first of `root`, ``$MINIGAN_DATA`` and the cache. A download goes to a temporary file beside its
destination; only a copy whose decompressed bytes have the expected sha256 is moved into place
(os.replace, atomic), anything else is deleted. So the data folders only ever hold verified files.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from minigan.datasets.idx import GZIP_MAGIC, read_idx

SYSTEM_DATA_DIR = Path("/usr/share/datasets")
BUNDLED_DATA_DIR = Path(__file__).resolve().parents[2] / "data"  # <checkout>/data
TIMEOUT_S = 30
MAX_DOWNLOAD_BYTES = 256 << 20  # no dataset file minigan knows is larger than 30 MB compressed
_BLOCK = 1 << 16


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is on no searched folder and could not be downloaded."""


def cache_directory() -> Path:
    """``$XDG_CACHE_HOME/minigan``, or ``~/.cache/minigan`` when XDG_CACHE_HOME is not set."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "minigan"


def _user_directories(root) -> list:
    """`root`, then $MINIGAN_DATA: the folders a user names (downloads go to the first one)."""
    folders = [Path(root).expanduser()] if root is not None else []
    if os.environ.get("MINIGAN_DATA"):
        folders.append(Path(os.environ["MINIGAN_DATA"]).expanduser())
    return folders


def data_directories(root=None) -> list:
    """The data folders searched, in order (each holds one sub-folder per dataset)."""
    return _user_directories(root) + [BUNDLED_DATA_DIR, cache_directory(), SYSTEM_DATA_DIR]


def download_directory(root=None) -> Path:
    """Where downloads go: `root`, else $MINIGAN_DATA, else the per-user cache."""
    return (_user_directories(root) + [cache_directory()])[0]


def find_file(filename: str, folders) -> Path | None:
    """The first "<folder>/<filename>.gz" or "<folder>/<filename>" that exists, or None."""
    for folder in folders:
        for candidate in (folder / (filename + ".gz"), folder / filename):
            if candidate.is_file():
                return candidate
    return None


def fetch_file(dataset: str, source, filename: str, root=None, download: bool = True) -> Path:
    """The path of a dataset file: found in a data folder, or downloaded and verified.

    Args:
        dataset: the dataset's name (for messages).
        source: its ImageSource (folder names, mirrors, checksums).
        filename: e.g. "train-images-idx3-ubyte" (without ".gz").
    Raises:
        DatasetNotFoundError: nowhere on disk, and downloading is off or every mirror failed; the
            message lists the folders searched, the URLs tried and where to put the file by hand.
    """
    import http.client  # here, not at the top: `import minigan` stays fast

    folders = [base / name for base in data_directories(root) for name in source.directories]
    found = find_file(filename, folders)
    if found is not None:
        return found
    target_folder = download_directory(root) / source.directories[0]
    failures = []
    if download:
        for base_url in source.mirrors:
            url = base_url + filename + ".gz"
            try:
                return download_file(url, target_folder, filename, source.sha256[filename],
                                     source.sizes.get(filename))
            except (OSError, ValueError,
                    http.client.HTTPException) as err:  # URLError is an OSError
                failures.append(f"  {url}\n      {type(err).__name__}: {err}")
    lines = [f"{dataset}: cannot find {filename}.gz (or {filename}) in any of:"]
    lines += [f"  {folder}/" for folder in folders]
    if download:
        lines += ["and every download failed:"] + failures
    else:
        lines += ["and download=False."]
    lines += [
        f"To install it by hand, download {filename}.gz from "
        + (" or ".join(m + filename + ".gz" for m in source.mirrors) or "the dataset's home page"),
        f"and put it in {target_folder}/ (or in <folder>/{source.directories[0]}/ and pass "
        f"root=<folder> or set MINIGAN_DATA=<folder>).",
    ]
    raise DatasetNotFoundError("\n".join(lines))


def download_file(url: str, folder: Path, filename: str, expected_sha256: str,
                  expected_size: int | None = None) -> Path:
    """Download `url` into `folder` as "<filename>.gz" (or "<filename>" if not gzip), verified.

    The bytes go to a temporary file in `folder`; the file is checked as IDX (header, sizes) and
    by the sha256 of its decompressed bytes, then moved into place. On any failure (network,
    size, checksum, Ctrl-C) the temporary file is deleted and nothing is left behind.
    """
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{filename}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            _copy_url(url, out, filename)
        read_idx(temporary, name="the downloaded file", expected_sha256=expected_sha256,
                 expected_size=expected_size)
        with open(temporary, "rb") as file:
            compressed = file.read(2) == GZIP_MAGIC
        target = folder / (filename + ".gz" if compressed else filename)
        os.chmod(temporary, 0o644)  # mkstemp made it private; a data file is readable by all
        os.replace(temporary, target)
        return target
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _copy_url(url: str, out, label: str) -> None:
    """Stream `url` into the open file `out`, with a progress bar on stderr."""
    import urllib.request

    opener = urllib.request.build_opener()  # built per call: honours the current *_proxy variables
    with opener.open(url, timeout=TIMEOUT_S) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if total is not None and total > MAX_DOWNLOAD_BYTES:
            raise ValueError(f"the server announces {total} bytes, more than MAX_DOWNLOAD_BYTES="
                             f"{MAX_DOWNLOAD_BYTES}")
        progress = Progress(f"{label}.gz", url, total)
        received = 0
        while block := response.read(_BLOCK):
            received += len(block)
            if received > MAX_DOWNLOAD_BYTES:
                raise ValueError("the server sent more than "
                                 f"MAX_DOWNLOAD_BYTES={MAX_DOWNLOAD_BYTES}")
            out.write(block)
            progress.update(received)
        progress.close(received)
    if total is not None and received != total:
        raise ValueError(f"the connection closed after {received} of {total} bytes")


class Progress:
    """A plain-text progress bar on stderr: redrawn in place on a terminal, two lines otherwise."""

    WIDTH = 30

    def __init__(self, label: str, url: str, total: int | None, stream=None):
        self.label, self.total = label, total
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._shown = -1
        size = f" ({total / 1e6:.1f} MB)" if total else ""
        self.stream.write(f"Downloading {url}{size}\n")
        self.stream.flush()

    def update(self, received: int) -> None:
        if not self.interactive or not self.total:
            return
        percent = min(100, received * 100 // self.total)
        if percent == self._shown:
            return
        self._shown = percent
        filled = self.WIDTH * percent // 100
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r  {self.label} [{bar}] {percent:3d}%  "
                          f"{received / 1e6:.1f}/{self.total / 1e6:.1f} MB")
        self.stream.flush()

    def close(self, received: int) -> None:
        end = "\n" if self.interactive and self.total else ""
        self.stream.write(f"{end}  {self.label}: {received / 1e6:.1f} MB received\n")
        self.stream.flush()
