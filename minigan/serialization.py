"""Checkpoints: ``mg.save(obj, path)`` and ``mg.load(path)`` in one .npz file, never pickle.

What can be saved: dicts (with str or int keys), lists and tuples, nested as deep as needed, of
NumPy/CuPy arrays and Tensors (numeric or bool dtypes), NumPy scalars, Python int, float, bool,
None and str. That covers model and optimizer state dicts, training history and the RNG state.

The file is an ordinary .npz (a zip of .npy files) that NumPy can open:

* every array is stored as its own entry, named "a0", "a1", ... ;
* the entry "__minigan_manifest__" (the JSON text, as a uint8 array) describes the structure
  explicitly -- each dict as a list of (key, value) pairs, so keys may hold any characters -- and
  records each array's dtype, shape and sha256 checksum.

``load`` rebuilds the structure and checks everything against the manifest, so a truncated file,
a changed byte, a missing entry or a foreign .npz raises a ValueError that says what is wrong
instead of returning wrong numbers. Arrays are read with ``allow_pickle=False``: a file holding
pickled objects is refused, because unpickling can run arbitrary code.

Tensors come back as NumPy arrays (``model.load_state_dict`` accepts them); tuples come back as
tuples and NumPy scalars as NumPy scalars. ``save`` writes to a temporary file in the same folder,
flushes it to disk and renames it over `path`: a crash mid-save leaves the previous checkpoint as
it was.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import zipfile

import numpy as np

from minigan import backend, formats
from minigan.files import read_json, write_atomically, write_json  # noqa: F401  (their old home)
from minigan.formats import pytorch, safetensors
from minigan.paths import open_regular_file
from minigan.formats import pytorch_write
from minigan.tensor import Tensor

MANIFEST = "__minigan_manifest__"
FORMAT = "minigan-checkpoint"
VERSION = 1
_ARRAY_KINDS = "biufc"  # bool, signed and unsigned integers, floats, complex
MAX_DEPTH = 100               # containers nested deeper than this are refused (save and load)
MAX_MANIFEST_BYTES = 64 << 20  # a manifest is ~100 bytes per array: 64 MiB is ~500,000 arrays
_CHUNK = 1 << 20              # arrays are checksummed and read 1 MiB at a time


def _where(path: tuple) -> str:
    """A key path as Python subscripts, e.g. ['model']['layer.0/weight'] (unambiguous)."""
    return "".join(f"[{key!r}]" for key in path) if path else "the top-level object"


def _checksum(array: np.ndarray) -> str:
    """sha256 of the array's bytes in C order, fed in chunks (no full copy of a large array)."""
    digest = hashlib.sha256()
    if array.flags.c_contiguous:
        raw = memoryview(array.reshape(-1)).cast("B") if array.size else b""
        for start in range(0, len(raw), _CHUNK):
            digest.update(raw[start:start + _CHUNK])
    else:  # e.g. a transposed view: copy a few rows at a time
        rows = max(1, _CHUNK // max(1, array[0].nbytes)) if array.ndim else 1
        for start in range(0, len(array) if array.ndim else 1, rows):
            digest.update(np.ascontiguousarray(array[start:start
                                                     + rows] if array.ndim else array).tobytes())
    return digest.hexdigest()


# ----------------------------------------------------------------------------- save


class _Encoder:
    """Turns a nested object into a JSON-able manifest node plus a list of arrays."""

    def __init__(self):
        self.arrays: dict = {}  # entry name -> NumPy array
        self.array_info: dict = {}  # entry name -> {"dtype", "shape", "sha256"}
        self._open: set = set()  # ids of the containers being encoded (to catch cycles)

    def encode(self, obj, path: tuple = ()) -> dict:
        if obj is None:
            return {"type": "none"}
        if isinstance(obj, np.generic):  # first: np.float64 is also a Python float
            return {**self._array(np.asarray(obj), path), "scalar": True}
        if isinstance(obj, bool):
            return {"type": "bool", "value": obj}
        if isinstance(obj, int):
            return {"type": "int", "value": int(obj)}
        if isinstance(obj, float):
            return {"type": "float", "value": float(obj)}
        if isinstance(obj, str):
            return {"type": "str", "value": str(obj)}
        if isinstance(obj, Tensor):
            return self._array(obj.detach().numpy(), path)
        if isinstance(obj, np.ndarray) or backend.backend_of(obj) == "cupy":
            return self._array(backend.to_backend(obj, "numpy"), path)
        if isinstance(obj, (dict, list, tuple)):
            if len(path) >= MAX_DEPTH:
                raise ValueError(f"mg.save: {_where(path[:3])}... is nested more than {MAX_DEPTH} "
                                 "containers deep")
            if id(obj) in self._open:
                raise ValueError(f"mg.save: {_where(path)} contains itself")
            self._open.add(id(obj))
            try:
                return self._container(obj, path)
            finally:
                self._open.discard(id(obj))
        raise TypeError(f"mg.save: cannot store a {type(obj).__name__} at {_where(path)} "
                        "(supported: dict, list, tuple, arrays, Tensors, int, float, bool, None, "
                        "str)")

    def _container(self, obj, path: tuple) -> dict:
        if isinstance(obj, dict):
            items = []
            for key, value in obj.items():
                if isinstance(key, bool) or not isinstance(key, (str, int)):
                    raise TypeError(f"mg.save: dict keys must be str (or int), got the key "
                                    f"{key!r} of type {type(key).__name__} in {_where(path)}")
                items.append([key if isinstance(key, str) else int(key),
                              self.encode(value, path + (key,))])
            return {"type": "dict", "items": items}
        kind = "list" if isinstance(obj, list) else "tuple"
        return {"type": kind, "items": [self.encode(v, path + (i,)) for i, v in enumerate(obj)]}

    def _array(self, array: np.ndarray, path: tuple) -> dict:
        if array.dtype.kind not in _ARRAY_KINDS:
            raise TypeError(f"mg.save: cannot store the {array.dtype} array at {_where(path)}: "
                            "only numeric and bool arrays are supported (object arrays would need "
                            "pickle)")
        name = f"a{len(self.arrays)}"
        self.arrays[name] = array
        self.array_info[name] = {"dtype": array.dtype.str, "shape": list(array.shape),
                                 "sha256": _checksum(array)}
        return {"type": "array", "entry": name}


def _write_archive(file, arrays: dict) -> None:
    """Write the named arrays into an open binary file as an .npz archive (entries uncompressed)."""
    np.savez(file, **arrays)


def save(obj, path, pickle_module=None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True) -> None:
    """Save a nested structure of arrays, Tensors, numbers and strings to one .npz file, or, when
    the path ends in .pt, .pth or .pth.tar, to the zip file torch.save writes, which
    torch.load(path, weights_only=True) reads (torch.save's other arguments are accepted for
    PyTorch programs: minigan always writes protocol 2 and the zip format).

    The file appears at `path` only once completely written (temporary file + rename), so a crash
    during save never leaves a partial checkpoint and never destroys the previous one.
    """
    path = os.fspath(path)
    if formats.is_safetensors_path(path):  # .safetensors: a flat dict of tensors (minigan/formats/)
        return safetensors.save_file(obj, path)
    if pytorch_write.is_pytorch_path(path):  # .pt / .pth: PyTorch's own format
        pickled, storages = pytorch_write.encode(obj)  # bad values raise here
        return write_atomically(path, lambda file: pytorch_write.write_archive(file, pickled,
                                                                               storages))
    entries = _encode_npz(obj)  # bad values raise here, before any file is touched
    write_atomically(path, lambda file: _write_archive(file, entries))


def _encode_npz(obj) -> dict:
    """The .npz entries of `obj`: the manifest (JSON as uint8) and one array per entry."""
    encoder = _Encoder()
    root = encoder.encode(obj)
    manifest = {"format": FORMAT, "version": VERSION, "root": root, "arrays": encoder.array_info}
    text = json.dumps(manifest, ensure_ascii=True, allow_nan=True)
    return {MANIFEST: np.frombuffer(text.encode("ascii"), dtype=np.uint8), **encoder.arrays}


# ----------------------------------------------------------------------------- load


class _Decoder:
    """Rebuilds the saved object from the manifest, reading and checking each array."""

    def __init__(self, archive, info: dict, damaged):
        self.archive, self.info, self.damaged = archive, info, damaged
        self.used: set = set()

    def decode(self, node, path: tuple = ()):
        if not isinstance(node, dict) or not isinstance(node.get("type"), str):
            raise self.damaged(f"the manifest has an invalid node at {_where(path)}")
        kind = node["type"]
        if kind == "none":
            return None
        if kind in ("bool", "int", "float", "str"):
            value = node.get("value")
            expected = {"bool": bool, "int": int, "float": float, "str": str}[kind]
            if type(value) is not expected:
                raise self.damaged(f"the manifest's {kind} at {_where(path)} holds {value!r}")
            return value
        if kind == "array":
            scalar = node.get("scalar", False)
            if type(scalar) is not bool:
                raise self.damaged(f"the manifest's array at {_where(path)} has scalar={scalar!r}")
            array = self._array(node.get("entry"), path)
            if scalar and array.ndim != 0:
                raise self.damaged(f"the manifest's scalar at {_where(path)} has shape "
                                   f"{array.shape}")
            return array[()] if scalar else array
        if kind in ("dict", "list", "tuple"):
            if len(path) >= MAX_DEPTH:
                raise self.damaged(f"the manifest nests containers more than {MAX_DEPTH} deep")
            items = node.get("items")
            if not isinstance(items, list):
                raise self.damaged(f"the manifest has an invalid {kind} at {_where(path)}")
            if kind != "dict":
                values = [self.decode(v, path + (i,)) for i, v in enumerate(items)]
                return values if kind == "list" else tuple(values)
            result = {}
            for pair in items:
                if not (isinstance(pair, list) and len(pair) == 2 and type(pair[0]) in (str, int)):
                    raise self.damaged(f"the manifest has an invalid dict item in {_where(path)}")
                key, value = pair
                if key in result:
                    raise self.damaged(f"the manifest repeats the key {key!r} in {_where(path)}")
                result[key] = self.decode(value, path + (key,))
            return result
        raise self.damaged(f"the manifest has an unknown node type {kind!r} at {_where(path)}")

    def _array(self, entry, path: tuple) -> np.ndarray:
        where = _where(path)
        info = self.info.get(entry) if isinstance(entry, str) else None
        if info is None or entry in self.used:
            raise self.damaged(f"the manifest points {where} to an invalid entry {entry!r}")
        self.used.add(entry)
        dtype, shape = _array_info(info, where, self.damaged)
        if entry not in self.archive.files:
            raise self.damaged(f"entry {where} is missing")
        array = self.archive.read(entry, where, expect=(dtype, shape))
        if _checksum(array) != info["sha256"]:
            raise self.damaged(f"entry {where} does not match its checksum")
        return array


def _array_info(info, where: str, damaged):
    """(dtype, shape) of a manifest's array record, checked to be what save writes."""
    if not (isinstance(info, dict) and set(info) == {"dtype", "shape", "sha256"}
            and isinstance(info["dtype"], str) and isinstance(info["sha256"], str)
            and isinstance(info["shape"], list)
            and all(type(n) is int and n >= 0 for n in info["shape"])):
        raise damaged(f"the manifest's record of {where} is invalid: {str(info)[:200]}")
    try:
        dtype = np.dtype(info["dtype"])
    except (TypeError, ValueError) as err:
        raise damaged(f"the manifest gives {where} an invalid dtype {info['dtype']!r}") from err
    if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or dtype.str != info["dtype"]:
        raise damaged(f"the manifest gives {where} the dtype {info['dtype']!r}; checkpoints hold "
                      "only numeric and bool arrays")
    return dtype, tuple(info["shape"])


class _Archive:
    """The .npz's zip members, read one .npy at a time without trusting any size they claim."""

    def __init__(self, zip_file, path: str, damaged):
        self.zip, self.path, self.damaged = zip_file, path, damaged
        names = zip_file.namelist()
        if len(set(names)) != len(names):
            raise damaged("the zip directory lists an entry twice")
        self.members = {}
        for member in zip_file.infolist():
            if not member.filename.endswith(".npy"):
                raise damaged(f"it has a member {member.filename!r} that is not an .npy file")
            if member.compress_type != zipfile.ZIP_STORED:
                raise damaged(f"entry {member.filename!r} is compressed; mg.save writes "
                              "uncompressed entries")
            self.members[member.filename[:-4]] = member
        self.files = set(self.members)

    def read(self, name: str, where: str, expect=None, max_bytes: int | None = None) -> np.ndarray:
        """One array; its .npy header is checked against `expect` (dtype, shape) or `max_bytes`
        before its data is read, so memory never exceeds what the manifest allows."""
        try:
            return self._read(self.members[name], where, expect, max_bytes)
        except ValueError:
            raise
        except Exception as err:  # a bad CRC, a short read, a broken header: all mean damage
            raise self.damaged(f"entry {where} cannot be read "
                               f"({type(err).__name__}: {err})") from err

    def _read(self, member, where, expect, max_bytes) -> np.ndarray:
        with self.zip.open(member) as stream:
            try:
                shape, fortran, dtype = _read_npy_header(stream)
            except ValueError as err:
                raise self.damaged(f"entry {where} cannot be read ({err})") from err
            if dtype.hasobject:
                raise ValueError(f"checkpoint {self.path!r} is refused: entry {where} holds "
                                 "pickled Python objects, which minigan never loads (unpickling "
                                 "can run arbitrary code)")
            if expect is not None and (dtype.str, shape) != (expect[0].str, expect[1]):
                raise self.damaged(f"entry {where} has dtype {dtype.str} and shape {list(shape)}, "
                                   f"the manifest says {expect[0].str} and {list(expect[1])}")
            nbytes = math.prod(shape) * dtype.itemsize
            if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or \
                    nbytes > member.file_size or (max_bytes is not None and nbytes > max_bytes):
                raise self.damaged(f"entry {where} has a {dtype.str} array of shape {list(shape)} "
                                   f"in a member of {member.file_size} bytes")
            array = np.empty(shape[::-1] if fortran else shape, dtype)
            buffer = memoryview(array.reshape(-1)).cast("B") if array.size else memoryview(b"")
            filled = 0
            while filled < nbytes:
                got = stream.readinto(buffer[filled:filled + _CHUNK])
                if not got:
                    raise self.damaged(f"entry {where} is truncated")
                filled += got
            if stream.read(1):  # also makes zipfile check the CRC
                raise self.damaged(f"entry {where} has data after its array")
        return array.T if fortran else array


def load(path, map_location=None, weights_only=None):
    """Load what save() wrote; arrays and Tensors come back as NumPy arrays.

    Also reads .safetensors files (arrays) and PyTorch's torch.save files (minigan/formats/:
    tensors and plain containers only, never code), whose tensors come back as Tensors, as
    torch.load gives them. map_location and weights_only are accepted for PyTorch programs and
    ignored: everything loads on the CPU, and nothing but weights is ever loaded.

    Raises ValueError when the file is not a minigan checkpoint, is damaged (truncated, changed,
    entries missing or extra) or holds pickled objects; FileNotFoundError/PermissionError when it
    cannot be opened. Memory is bounded by the arrays the manifest describes (entries are checked
    before they are read).
    """
    path = os.fspath(path)
    with open_regular_file(path, repr(path)) as file:  # a FIFO or a folder: refused at once
        if formats.is_safetensors_path(path):
            return safetensors.load_file(path)
        if formats.is_pytorch_file(file):
            return _as_tensors(pytorch.load(file, path))
        return _load_npz(file, path)


def _as_tensors(obj):
    """What torch.load returns: the reader's NumPy arrays as Tensors, containers rebuilt alike."""
    if isinstance(obj, np.ndarray):
        return Tensor(obj)
    if isinstance(obj, dict):
        return type(obj)((key, _as_tensors(value)) for key, value in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_as_tensors(value) for value in obj)
    return obj


def _load_npz(file, path: str):
    def damaged(reason: str) -> ValueError:
        return ValueError(f"checkpoint {path!r} is damaged: {reason}")

    _check_head(file.read(6), path, damaged)
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as zip_file:
            archive = _Archive(zip_file, path, damaged)
            manifest = _read_manifest(archive, damaged)
            decoder = _Decoder(archive, manifest["arrays"], damaged)
            obj = decoder.decode(manifest["root"])
            extra = archive.files - decoder.used - {MANIFEST}
            if extra:
                raise damaged(f"it has entries the manifest does not list: {sorted(extra)}")
            return obj
    except ValueError:
        raise
    except zipfile.BadZipFile as err:
        if "CRC" in str(err):
            raise damaged(f"entry cannot be read ({err})") from err
        raise damaged(f"it is not a complete .npz archive ({err})") from err
    except Exception as err:  # every other failure to parse the bytes means damage, never a crash
        raise damaged(f"it is not a complete .npz archive ({type(err).__name__}: {err})") from err


def _check_head(head: bytes, path: str, damaged) -> None:
    """Name a pickle, an .npy or any other non-zip file as such from its first bytes."""
    if not head:
        raise damaged("the file is empty")
    if head.startswith(b"\x93NUMPY"):
        raise ValueError(f"{path!r} is not a minigan checkpoint: it holds a single .npy array, "
                         "not an .npz archive written by mg.save")
    if head.startswith(b"\x80"):
        raise ValueError(f"checkpoint {path!r} is refused: it is a pickle file, and minigan never "
                         "unpickles files (unpickling can run arbitrary code)")
    if len(head) < 4 and b"PK\x03\x04".startswith(head):
        raise damaged(f"it is not a complete .npz archive (only {len(head)} bytes)")
    if not head.startswith(b"PK\x03\x04"):
        raise ValueError(f"{path!r} is not a minigan checkpoint: it is not an .npz archive "
                         f"(it starts with {head!r})")


def _no_duplicate_keys(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate keys")
    return result


def _read_manifest(archive: _Archive, damaged) -> dict:
    if MANIFEST not in archive.files:
        for name in sorted(archive.files):  # say so if it is a pickle-bearing foreign file
            _peek_pickle(archive, name)
        raise ValueError(f"{archive.path!r} is not a minigan checkpoint: it has no "
                         f"{MANIFEST!r} entry (it was not written by mg.save)")
    raw = archive.read(MANIFEST, "the manifest", max_bytes=MAX_MANIFEST_BYTES)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise damaged(f"the manifest should be a 1-D uint8 array, got {raw.dtype} {raw.shape}")
    try:
        manifest = json.loads(raw.tobytes().decode("ascii"), object_pairs_hook=_no_duplicate_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise damaged(f"the manifest is not valid JSON ({type(err).__name__}: {err})") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{archive.path!r} is not a minigan checkpoint: its manifest has no "
                         f"'format': {FORMAT!r}")
    version = manifest.get("version")
    if type(version) is not int or version != VERSION:
        raise ValueError(f"checkpoint {archive.path!r} has format version "
                         f"{version!r}; this minigan reads version {VERSION}")
    if set(manifest) != {"format", "version", "root", "arrays"} or \
            not isinstance(manifest["arrays"], dict):
        raise damaged("the manifest should have exactly the entries 'format', 'version', 'root' "
                      f"and 'arrays', got {sorted(manifest)}")
    return manifest


def _peek_pickle(archive: _Archive, name: str) -> None:
    """Raise the pickle refusal if a foreign .npz's entry holds Python objects."""
    with archive.zip.open(archive.members[name]) as stream:
        try:
            _, _, dtype = _read_npy_header(stream)
        except ValueError:
            return
    if dtype.hasobject:
        raise ValueError(f"checkpoint {archive.path!r} is refused: entry {name!r} holds pickled "
                         "Python objects, which minigan never loads (unpickling can run "
                         "arbitrary code)")


def _read_npy_header(stream):
    """(shape, fortran_order, dtype) from an .npy stream positioned at its start."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(stream)
    raise ValueError(f".npy format version {version} (mg.save writes 1.0)")
