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
import os
import secrets
import zipfile

import numpy as np

from minigan import backend, formats
from minigan.autograd import Tensor
import minigan.formats.pytorch  # noqa: E402,F401  (formats.pytorch, formats.safetensors)
import minigan.formats.safetensors  # noqa: E402,F401

MANIFEST = "__minigan_manifest__"
FORMAT = "minigan-checkpoint"
VERSION = 1
_ARRAY_KINDS = "biufc"  # bool, signed and unsigned integers, floats, complex


def _where(path: tuple) -> str:
    """A key path as Python subscripts, e.g. ['model']['layer.0/weight'] (unambiguous)."""
    return "".join(f"[{key!r}]" for key in path) if path else "the top-level object"


def _checksum(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


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
            return self._array(obj.numpy(), path)
        if isinstance(obj, np.ndarray) or backend.backend_of(obj) == "cupy":
            return self._array(backend.to_backend(obj, "numpy"), path)
        if isinstance(obj, (dict, list, tuple)):
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
    """Write the named arrays into an open binary file as an .npz archive."""
    np.savez(file, **arrays)


def save(obj, path) -> None:
    """Save a nested structure of arrays, Tensors, numbers and strings to one .npz file.

    The file appears at `path` only once completely written (temporary file + rename), so a crash
    during save never leaves a partial checkpoint and never destroys the previous one.
    """
    path = os.fspath(path)
    if formats.is_safetensors_path(path):  # .safetensors: a flat dict of tensors (minigan/formats/)
        return formats.safetensors.save_file(obj, path)
    encoder = _Encoder()
    root = encoder.encode(obj)
    manifest = {"format": FORMAT, "version": VERSION, "root": root, "arrays": encoder.array_info}
    text = json.dumps(manifest, ensure_ascii=True, allow_nan=True)
    entries = {MANIFEST: np.frombuffer(text.encode("ascii"), dtype=np.uint8), **encoder.arrays}

    folder, filename = os.path.split(os.path.abspath(path))
    temp = os.path.join(folder, f".{filename}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as file:
            _write_archive(file, entries)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise
    _fsync_folder(folder)


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


# ----------------------------------------------------------------------------- load


class _Decoder:
    """Rebuilds the saved object from the manifest, reading and checking each array."""

    def __init__(self, archive, info: dict, damaged):
        self.archive, self.info, self.damaged = archive, info, damaged
        self.used: set = set()

    def decode(self, node, path: tuple = ()):
        if not isinstance(node, dict) or "type" not in node:
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
            array = self._array(node.get("entry"), path)
            return array[()] if node.get("scalar") else array
        if kind == "dict":
            result = {}
            for pair in self._items(node, path):
                if not (isinstance(pair, list) and len(pair) == 2
                        and type(pair[0]) in (str, int)):
                    raise self.damaged(f"the manifest has an invalid dict item in {_where(path)}")
                key, value = pair
                result[key] = self.decode(value, path + (key,))
            return result
        if kind in ("list", "tuple"):
            items = [self.decode(v, path + (i,)) for i, v in enumerate(self._items(node, path))]
            return items if kind == "list" else tuple(items)
        raise self.damaged(f"the manifest has an unknown node type {kind!r} at {_where(path)}")

    def _items(self, node, path):
        items = node.get("items")
        if not isinstance(items, list):
            raise self.damaged(f"the manifest has an invalid {node['type']} at {_where(path)}")
        return items

    def _array(self, entry, path: tuple) -> np.ndarray:
        where = _where(path)
        info = self.info.get(entry) if isinstance(entry, str) else None
        if info is None or entry in self.used:
            raise self.damaged(f"the manifest points {where} to an invalid entry {entry!r}")
        self.used.add(entry)
        if entry not in self.archive.files:
            raise self.damaged(f"entry {where} is missing")
        array = _read_entry(self.archive, entry, where, self.damaged)
        if array.dtype.str != info.get("dtype") or list(array.shape) != info.get("shape"):
            raise self.damaged(f"entry {where} has dtype {array.dtype.str} and shape "
                               f"{list(array.shape)}, the manifest says {info.get('dtype')} and "
                               f"{info.get('shape')}")
        if _checksum(array) != info.get("sha256"):
            raise self.damaged(f"entry {where} does not match its checksum")
        return array


def _read_entry(archive, entry: str, where: str, damaged) -> np.ndarray:
    """One array from the archive; pickled objects are refused, read errors mean damage."""
    try:
        array = archive[entry]
    except ValueError as err:
        if "pickle" in str(err):
            raise ValueError(f"checkpoint {archive.path!r} is refused: entry {where} holds "
                             "pickled Python objects, which minigan never loads (unpickling can "
                             "run arbitrary code)") from err
        raise damaged(f"entry {where} cannot be read ({err})") from err
    except Exception as err:  # a bad CRC, a short read, a broken header: all mean damage
        raise damaged(f"entry {where} cannot be read ({err})") from err
    if not isinstance(array, np.ndarray):  # NumPy hands back the raw bytes of a non-.npy member
        raise damaged(f"entry {where} is not an .npy array")
    return array


class _Archive:
    """An opened .npz with the file name kept for error messages."""

    def __init__(self, npz, path: str):
        self.npz, self.path, self.files = npz, path, set(npz.files)

    def __getitem__(self, name):
        return self.npz[name]


def load(path, map_location=None, weights_only=None):
    """Load what save() wrote; arrays and Tensors come back as NumPy arrays.

    Also reads .safetensors files and PyTorch's torch.save files (minigan/formats/: tensors and
    plain containers only, never code). map_location and weights_only are accepted for PyTorch
    programs and ignored: arrays load on the CPU, and nothing but weights is ever loaded.

    Raises ValueError when the file is not a minigan checkpoint, is damaged (truncated, changed,
    entries missing or extra) or holds pickled objects.
    """
    path = os.fspath(path)
    if formats.is_safetensors_path(path):
        return formats.safetensors.load_file(path)
    if formats.is_pytorch_file(path):
        return formats.pytorch.load(path)

    def damaged(reason: str) -> ValueError:
        return ValueError(f"checkpoint {path!r} is damaged: {reason}")

    with _open_archive(path, damaged) as npz:
        archive = _Archive(npz, path)
        manifest = _read_manifest(archive, damaged)
        decoder = _Decoder(archive, manifest["arrays"], damaged)
        obj = decoder.decode(manifest["root"])
        extra = archive.files - decoder.used - {MANIFEST}
        if extra:
            raise damaged(f"it has entries the manifest does not list: {sorted(extra)}")
    return obj


def _open_archive(path: str, damaged):
    """Open the .npz after a look at its first bytes (a pickle or an .npy is named as such)."""
    with open(path, "rb") as file:
        head = file.read(6)
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
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as err:
        raise damaged(f"it is not a complete .npz archive ({err})") from err


def _read_manifest(archive: _Archive, damaged) -> dict:
    if MANIFEST not in archive.files:
        for name in sorted(archive.files):  # say so if it is a pickle-bearing foreign file
            _read_entry(archive, name, repr(name), damaged)
        raise ValueError(f"{archive.path!r} is not a minigan checkpoint: it has no "
                         f"{MANIFEST!r} entry (it was not written by mg.save)")
    raw = _read_entry(archive, MANIFEST, "the manifest", damaged)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise damaged(f"the manifest should be a 1-D uint8 array, got {raw.dtype} {raw.shape}")
    try:
        manifest = json.loads(raw.tobytes().decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise damaged(f"the manifest is not valid JSON ({err})") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{archive.path!r} is not a minigan checkpoint: its manifest has no "
                         f"'format': {FORMAT!r}")
    if manifest.get("version") != VERSION:
        raise ValueError(f"checkpoint {archive.path!r} has format version "
                         f"{manifest.get('version')!r}; this minigan reads version {VERSION}")
    if not isinstance(manifest.get("arrays"), dict) or "root" not in manifest:
        raise damaged("the manifest lacks its 'root' or 'arrays' entry")
    return manifest
