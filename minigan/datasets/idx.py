"""Reading IDX files, the format MNIST and Fashion-MNIST are distributed in (raw or
gzip-compressed).

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension, then the values in
row-major order, big-endian::

    offset  bytes      meaning
    0       2          0x00 0x00
    2       1          data type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
                       0x0E float64
    3       1          number of dimensions d
    4       4 * d      the dimensions (e.g. 10000, 28, 28)
    4 + 4d  ...        prod(dims) values

A file from the internet is untrusted input, so the header is checked before anything is
allocated: the magic number, the data type, the number of dimensions, and that the dimensions
describe exactly as many bytes as follow the header (too few or too many is an error). A gzip file
is decompressed in bounded chunks, so neither a header that claims 10^12 values nor a "gzip bomb"
(a small file that inflates to gigabytes) can use more memory than the data really holds, capped
at `max_bytes`. Every problem with the bytes is a ValueError naming the file, what was expected
and what was found.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

# data type code -> (NumPy dtype, big-endian as stored in the file; name for messages)
DTYPES = {
    0x08: (np.dtype(">u1"), "ubyte"),
    0x09: (np.dtype(">i1"), "sbyte"),
    0x0B: (np.dtype(">i2"), "int16"),
    0x0C: (np.dtype(">i4"), "int32"),
    0x0D: (np.dtype(">f4"), "float32"),
    0x0E: (np.dtype(">f8"), "float64"),
}
MAX_NDIM = 8                      # the format allows 255; real files use 1 (labels) to 4
DEFAULT_MAX_BYTES = 1 << 31       # 2 GiB of values: far above any dataset minigan reads
GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20                  # gzip data is inflated 1 MiB at a time

_EXPECTED_CODES = ", ".join(f"0x{code:02X} ({name})" for code, (_, name) in DTYPES.items())


def read_idx(source, *, name: str | None = None, expected_sha256: str | None = None,
             max_bytes: int = DEFAULT_MAX_BYTES, expected_size: int | None = None) -> np.ndarray:
    """Read an IDX file (raw or gzip) into a NumPy array of its shape and native-endian dtype.

    Args:
        source: a path (str or Path) or the file's bytes.
        name: what error messages call the file (default: the path, or "<N bytes>").
        expected_sha256: when given, the sha256 hex digest of the DECOMPRESSED file (header and
            values); a different digest is a ValueError. Checksumming the decompressed bytes means
            a file re-compressed with another gzip level still verifies.
        max_bytes: refuse files whose values take more than this many bytes.
        expected_size: when given, the size in bytes of the DECOMPRESSED file; a header that
            describes another size is refused before any value is read (or inflated).

    Returns:
        array of shape `dims` (e.g. (10000, 28, 28) uint8 for MNIST images).

    Raises:
        ValueError: the bytes are not a well-formed IDX file (or the checksum differs).
        FileNotFoundError / PermissionError: the path cannot be opened.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = name or f"<{len(data)} bytes>"
        return _read(io.BytesIO(data), len(data), label, expected_sha256, max_bytes, expected_size)
    path = Path(source)
    label = name or str(path)
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        return _read(file, size, label, expected_sha256, max_bytes, expected_size)


def _read(file, size: int, label: str, expected_sha256, max_bytes: int,
          expected_size: int | None = None) -> np.ndarray:
    """Parse an open binary file of `size` bytes; every error in the bytes becomes a ValueError."""
    compressed = False
    try:
        compressed = file.read(2) == GZIP_MAGIC
        file.seek(0)
        if compressed:
            with gzip.GzipFile(fileobj=file, mode="rb") as stream:
                return _parse(stream, None, label, expected_sha256, max_bytes, expected_size)
        return _parse(file, size, label, expected_sha256, max_bytes, expected_size)
    except (OSError, EOFError, zlib.error, struct.error) as err:  # gzip.BadGzipFile is an OSError
        kind = "gzip data" if compressed else "file"
        raise ValueError(f"{label}: corrupt {kind}: {err}") from err


def _parse(stream, size: int | None, label: str, expected_sha256, max_bytes: int,
           expected_size: int | None = None) -> np.ndarray:
    """Header, checks, values. `size` is the exact byte count of a raw file; None for gzip."""
    magic = _read_exactly(stream, 4)
    if len(magic) < 4:
        raise ValueError(f"{label}: too short for an IDX file: expected a 4-byte magic number, "
                         f"got {len(magic)} bytes")
    if magic[:2] != b"\x00\x00":
        raise ValueError(f"{label}: not an IDX file: expected the magic number to start with two "
                         f"zero bytes, got 0x{magic.hex()}")
    code, ndim = magic[2], magic[3]
    if code not in DTYPES:
        raise ValueError(f"{label}: unknown IDX data type 0x{code:02X}: expected one of "
                         f"{_EXPECTED_CODES}")
    if not 1 <= ndim <= MAX_NDIM:
        raise ValueError(f"{label}: expected 1 to {MAX_NDIM} dimensions, the header says {ndim}")
    dims_bytes = _read_exactly(stream, 4 * ndim)
    if len(dims_bytes) < 4 * ndim:
        raise ValueError(f"{label}: truncated header: expected {4 * ndim} bytes of dimensions "
                         f"after the magic number, got {len(dims_bytes)}")
    dims = struct.unpack(f">{ndim}I", dims_bytes)
    dtype, type_name = DTYPES[code]
    header_size = 4 + 4 * ndim
    nbytes = math.prod(dims) * dtype.itemsize  # a Python int: no overflow however big the claim
    what = f"dimensions {dims} of {type_name} need {nbytes} bytes of values after the header"

    if nbytes > max_bytes:
        raise ValueError(f"{label}: {what}, more than max_bytes={max_bytes}")
    if expected_size is not None and header_size + nbytes != expected_size:
        raise ValueError(f"{label}: {what}: a file of {header_size + nbytes} bytes, expected "
                         f"{expected_size} bytes")
    if size is not None:  # a raw file: its size is known, check it before reading anything
        found = size - header_size
        if found != nbytes:
            problem = "truncated" if found < nbytes else "extra data"
            raise ValueError(f"{label}: {problem}: {what}, the file holds {found}")
        values = _read_exactly(stream, nbytes)
        if len(values) != nbytes:  # the file shrank while we read it
            raise ValueError(f"{label}: truncated: {what}, could read only {len(values)}")
    else:  # gzip: the inflated size is unknown until read, so read at most what was announced
        values = _read_exactly(stream, nbytes)
        if len(values) < nbytes:
            raise ValueError(f"{label}: truncated: {what}, the gzip data holds {len(values)}")
        if stream.read(1):
            raise ValueError(f"{label}: extra data: {what}, the gzip data holds more")

    if expected_sha256 is not None:
        digest = hashlib.sha256(magic)
        digest.update(dims_bytes)
        digest.update(values)
        found_digest = digest.hexdigest()
        if found_digest != expected_sha256.lower():
            raise ValueError(f"{label}: sha256 of the decompressed data is {found_digest}, "
                             f"expected {expected_sha256.lower()}")
    array = np.frombuffer(values, dtype=dtype).reshape(dims)  # a view of the buffer (writable)
    if not dtype.isnative:  # swap the bytes in place: no second copy of the values
        array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return array


def _read_exactly(stream, n: int) -> bytearray:
    """Up to n bytes (fewer only at the end of the data), read 1 MiB at a time.

    The buffer grows with what is actually read, so a header that claims more than the stream
    holds costs no more memory than the stream holds.
    """
    buffer = bytearray()
    while len(buffer) < n:
        chunk = stream.read(min(_CHUNK, n - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    return buffer
