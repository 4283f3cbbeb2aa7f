"""The safetensors format, written and read with NumPy (no pickle, no code: only numbers).

A file is

    8 bytes      N, the header's length, an unsigned 64-bit little-endian integer
    N bytes      the header: JSON text (padded with spaces to a multiple of 8 bytes)
                 {"name": {"dtype": "F32", "shape": [3, 2], "data_offsets": [begin, end]}, ...,
                  "__metadata__": {"key": "text", ...}}        (__metadata__ is optional)
    the rest     the arrays' bytes, C order, little-endian; array `name` is bytes [begin, end)
                 counted from the end of the header

The arrays tile the data without gaps or overlaps. This is the Hugging Face ecosystem's standard
for exchanging weights: ``safetensors.torch.load_file`` reads what save_file writes here, and
load_file here reads what PyTorch's ``safetensors.torch.save_file`` writes.
"""

from __future__ import annotations

import json
import math
import os
import struct

import numpy as np

from minigan import backend
from minigan.files import write_atomically
from minigan.tensor import Tensor

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64,
          "I32": np.int32, "I16": np.int16, "I8": np.int8, "U64": np.uint64, "U32": np.uint32,
          "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_}
CODES = {np.dtype(v): k for k, v in DTYPES.items()}
MAX_HEADER = 100_000_000  # bytes; a larger "header length" means the file is not safetensors


def _as_numpy(value, name: str) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value.array
    if hasattr(value, "__array_function__") and not isinstance(value, np.ndarray):
        value = backend.to_backend(value, "numpy")  # a CuPy array
    if not isinstance(value, np.ndarray):
        raise TypeError(f"safetensors stores tensors and arrays only; {name!r} is a "
                        f"{type(value).__name__}")
    if np.dtype(value.dtype) not in CODES:
        raise TypeError(f"safetensors cannot store {name!r} of dtype {value.dtype}")
    return np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<"))


def save_file(tensors: dict, path, metadata: dict | None = None) -> None:
    """Write a flat dict {name: Tensor or array} (a state dict) to `path` in safetensors format.

    metadata: optional {str: str}. Raises TypeError for nested dicts or values that are not
    tensors (an optimizer's state dict, for example: save that with mg.save to an .npz file).
    """
    if not isinstance(tensors, dict):
        raise TypeError(f"safetensors stores a dict of name -> tensor, got "
                        f"{type(tensors).__name__}")
    header, arrays, offset = {}, [], 0
    for name, value in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"safetensors: tensor names must be strings, got {name!r}")
        if name == "__metadata__":
            raise ValueError("safetensors: '__metadata__' is reserved for the metadata")
        array = _as_numpy(value, name)
        header[name] = {"dtype": CODES[np.dtype(array.dtype)], "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        arrays.append(array)
        offset += array.nbytes
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("safetensors metadata must map str to str")
        header = {"__metadata__": dict(metadata), **header}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)

    def write(file):
        file.write(struct.pack("<Q", len(text)))
        file.write(text)
        for array in arrays:
            file.write(array.tobytes())

    write_atomically(os.fspath(path), write)  # as mg.save: a crash never leaves half a file


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")  # Python's json accepts NaN and Infinity; JSON does not


def read_header(data: bytes, where: str) -> tuple[dict, int]:
    """The parsed JSON header and the offset where the arrays start; ValueError when malformed."""
    if len(data) < 8:
        raise ValueError(f"{where} is not a safetensors file: only {len(data)} bytes")
    (length,) = struct.unpack("<Q", data[:8])
    if length > min(MAX_HEADER, len(data) - 8):
        raise ValueError(f"{where} is not a safetensors file (or is truncated): header length "
                         f"{length} for a file of {len(data)} bytes")
    try:
        header = json.loads(data[8:8 + length].decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        message = f"{where}: the safetensors header is not valid JSON ({err})"
        raise ValueError(message[:300]) from err
    if not isinstance(header, dict):
        raise ValueError(f"{where}: the safetensors header is not a JSON object")
    return header, 8 + length


def _is_size(value) -> bool:
    """A JSON integer that fits the format's unsigned 64-bit sizes (no string, float or bool)."""
    return type(value) is int and 0 <= value < 2**64


def _checked_entry(name: str, info, where: str) -> tuple[np.dtype, tuple, int, int]:
    """(dtype, shape, begin, end) of one header entry, each field checked as the reference
    `safetensors` library checks it: a known dtype code, a list of sizes, two offsets."""
    def bad(what: str) -> ValueError:
        return ValueError(f"{where}: the header entry of {name!r} {what}, got {info!r}"[:300])

    if not isinstance(info, dict):
        raise bad("should be an object with 'dtype', 'shape' and 'data_offsets'")
    code, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(code, str) or code not in DTYPES:
        raise bad(f"should have a dtype among {', '.join(DTYPES)} (NumPy has no bfloat16 or "
                  "float8)")
    if not (isinstance(shape, list) and all(_is_size(n) for n in shape)):
        raise bad("should have a shape: a list of non-negative integers")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_size(v) for v in offsets)):
        raise bad("should have data_offsets: two non-negative integers [begin, end]")
    dtype = np.dtype(DTYPES[code]).newbyteorder("<")
    if math.prod(shape) * dtype.itemsize >= 2**64:
        raise bad("has a shape whose size overflows 64 bits")
    return dtype, tuple(shape), offsets[0], offsets[1]


def load_file(path) -> dict:
    """Read a safetensors file: {name: NumPy array} in the file's order (arrays are copies).

    Raises ValueError when the file is not a regular file, is truncated, or its header is one the
    reference library refuses (a field of the wrong type, sizes that overflow, a __metadata__
    that is not a map of strings to strings, arrays that overlap, leave gaps or miss bytes).
    """
    from minigan.paths import open_regular_file

    where = repr(os.fspath(path))
    with open_regular_file(path, where) as file:  # a FIFO or /dev/zero: refused, never read
        data = file.read()
    header, start = read_header(data, where)
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and all(
            isinstance(v, str) for v in metadata.values())):
        raise ValueError(f"{where}: __metadata__ should map strings to strings, got "
                         f"{metadata!r}"[:300])
    body = len(data) - start
    entries = {name: _checked_entry(name, info, where) for name, info in header.items()}
    position = 0
    for name, (dtype, shape, begin, end) in sorted(entries.items(), key=lambda e: e[1][2:]):
        if end > body:
            raise ValueError(f"{where}: {name!r} lies at bytes [{begin}, {end}) outside the "
                             f"{body} bytes of data (the file is truncated or damaged)")
        if begin != position or end < begin:
            raise ValueError(f"{where}: {name!r} lies at bytes [{begin}, {end}): the arrays "
                             f"overlap or leave a gap at byte {position}")
        if end - begin != math.prod(shape) * dtype.itemsize:
            raise ValueError(f"{where}: {name!r} has {end - begin} bytes, but shape {shape} of "
                             f"{header[name]['dtype']} needs {math.prod(shape) * dtype.itemsize}")
        position = end
    if position != body:
        raise ValueError(f"{where}: the arrays cover {position} bytes of data, the file holds "
                         f"{body} (it is truncated or has bytes that belong to no array)")
    out = {}
    for name, (dtype, shape, begin, _) in entries.items():
        raw = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=start + begin)
        out[name] = raw.reshape(shape).astype(dtype.newbyteorder("="))
    return out
