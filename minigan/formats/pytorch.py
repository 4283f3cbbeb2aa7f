"""Read PyTorch's checkpoint files (torch.save, the zip format of PyTorch >= 1.6) without running
code.

A .pth/.pt file written by ``torch.save(model.state_dict(), "x.pth")`` is a zip archive:

    x/data.pkl      the structure (dicts, lists, numbers, and one reference per tensor), a pickle
    x/data/0, ...   each tensor storage's raw bytes
    x/byteorder     "little" or "big"
    x/version ...   format bookkeeping

Why a pickle reader in a library that never unpickles ("no pickle anywhere"): unpickling can call
any importable function (``os.system``...), so a downloaded checkpoint could run arbitrary code.
The rule is about that danger, and this reader removes it the way PyTorch's own
``torch.load(..., weights_only=True)`` does: pickle.Unpickler resolves every name a pickle refers
to through ``find_class``, and ``RestrictedUnpickler.find_class`` below hands out only an allow
list -- minigan's own stand-ins for the tensor-rebuilding functions and storage types, and
OrderedDict. Anything else (os.system, builtins.eval, numpy's constructors ...) is refused with
an UnpicklingError naming the forbidden global, before it is ever called. Tensors come back as
NumPy arrays built from the raw storage bytes, which ``model.load_state_dict`` accepts.

minigan writes these files too (formats/pytorch_write.py), with a pickle made only of the globals
that PyTorch's torch.load(weights_only=True) allows.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import pickletools
import types
import zipfile
from typing import Callable, NamedTuple

import numpy as np

# torch.<Name>Storage -> the NumPy dtype of its elements
STORAGE_DTYPES = {"DoubleStorage": np.float64, "FloatStorage": np.float32,
                  "HalfStorage": np.float16,
                  "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
                  "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_}
MAX_DEPTH = 100           # containers nested deeper than this are refused (as in mg.load's .npz)
MAX_DEFLATE_RATIO = 1032  # deflate cannot shrink data more than this: a larger claim is a bomb


class RefusedPickle(pickle.UnpicklingError, ValueError):
    """The file's pickle asks for something other than tensors and plain containers. A ValueError
    too: bad input, which the command line reports in one line with exit status 2."""


# -- the objects a pickle may name ------------------------------------------------------------
# A pickle can modify what it gets from find_class (its BUILD opcode sets attributes), so every
# allow-listed object is an immutable NamedTuple, never a plain function or instance: a file can
# change nothing that a later file will see.


class _StorageType(NamedTuple):
    """Stands in for torch.FloatStorage & co inside the pickle: only its dtype matters."""
    name: str
    dtype: np.dtype


class _Reader(NamedTuple):
    """An allow-listed function (torch._utils._rebuild_tensor_v2 ...), callable by the pickle."""
    name: str
    function: Callable

    def __call__(self, *args):
        return self.function(*args)


def _overlaps(size: tuple, stride: tuple) -> bool:
    """Whether two indices of a (size, stride) view reach the same element (an expanded tensor):
    sorted by stride, each dimension's stride must pass the whole extent of the smaller ones."""
    extent = 0  # the largest offset the smaller-stride dimensions reach
    for n, s in sorted(((n, s) for n, s in zip(size, stride) if n > 1), key=lambda d: d[1]):
        if s <= extent:
            return True
        extent += (n - 1) * s
    return False


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None) -> np.ndarray:
    """torch._utils._rebuild_tensor_v2: the tensor viewing `storage` (a 1-D array) from
    storage_offset with `size` and `stride` (in elements), as a NumPy view of the storage (tensors
    that share a storage in the file share memory here too, as in PyTorch: nothing is copied, so
    memory never exceeds the storages the file holds)."""
    if not isinstance(storage, np.ndarray) or storage.ndim != 1:
        raise pickle.UnpicklingError(f"a tensor's storage must come from the archive, got "
                                     f"{type(storage).__name__}")
    if not (isinstance(size, tuple) and isinstance(stride, tuple) and type(storage_offset) is int
            and all(type(n) is int for n in size + stride)):
        raise pickle.UnpicklingError(f"bad tensor geometry: size {size!r}, stride {stride!r}, "
                                     f"offset {storage_offset!r} (integers expected)")
    if len(size) != len(stride) or storage_offset < 0 or any(n < 0 for n in size + stride):
        raise pickle.UnpicklingError(f"bad tensor geometry: size {size}, stride {stride}, "
                                     f"offset {storage_offset}")
    if 0 in size:
        return np.zeros(size, dtype=storage.dtype)
    last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= storage.size:
        raise pickle.UnpicklingError(f"a tensor of size {size} reaches element {last} of a "
                                     f"storage of {storage.size} (the file is damaged)")
    if _overlaps(size, stride):
        raise pickle.UnpicklingError(f"a tensor of size {size} with stride {stride} repeats "
                                     "elements of its storage (an expanded view): minigan reads "
                                     "tensors whose elements are distinct (save t.contiguous())")
    return np.lib.stride_tricks.as_strided(storage[storage_offset:], shape=size,
                                           strides=[s * storage.itemsize for s in stride])


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None) -> np.ndarray:
    """torch._utils._rebuild_parameter(_with_state): an nn.Parameter is just its array here."""
    return data


ALLOWED = types.MappingProxyType({
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _Reader("_rebuild_tensor_v2", _rebuild_tensor_v2),
    ("torch._utils", "_rebuild_parameter"): _Reader("_rebuild_parameter", _rebuild_parameter),
    ("torch._utils", "_rebuild_parameter_with_state"): _Reader("_rebuild_parameter_with_state",
                                                               _rebuild_parameter),
    **{("torch", name): _StorageType(name, np.dtype(dtype))
       for name, dtype in STORAGE_DTYPES.items()},
})
_DATA = (dict, list, tuple, str, bytes, int, float, complex, bool, type(None), np.ndarray)


class RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that resolves only the ALLOWED globals and reads storages from the archive."""

    def __init__(self, file, archive: zipfile.ZipFile, prefix: str, byteorder: str, where: str,
                 archive_size: int):
        super().__init__(file)
        self.archive, self.prefix, self.byteorder, self.where = archive, prefix, byteorder, where
        self.archive_size = archive_size
        self.storages: dict = {}

    def find_class(self, module: str, name: str):
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        if module == "torch" and name.endswith("Storage"):
            raise RefusedPickle(
                f"{self.where}: tensors stored as torch.{name} are not supported (NumPy has no "
                f"such dtype); convert them to float32 in PyTorch before saving")
        raise RefusedPickle(
            f"{self.where} is refused: its pickle asks for the global '{module}.{name}', which is "
            "not on the allow list of tensor-rebuilding functions and plain containers (loading "
            "it could run arbitrary code)")

    def persistent_load(self, pid):
        """('storage', storage_type, key, location, numel) -> the storage's elements (1-D array)."""
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)
                and type(pid[4]) is int and pid[4] >= 0):
            raise pickle.UnpicklingError(f"{self.where}: unexpected persistent id {pid!r}"[:300])
        _, storage_type, key, _location, numel = pid
        if key not in self.storages:
            entry = f"{self.prefix}data/{key}"
            try:
                info = self.archive.getinfo(entry)
            except KeyError as err:
                raise ValueError(f"{self.where} is damaged: storage entry {entry!r} is "
                                 "missing") from err
            dtype = storage_type.dtype.newbyteorder("<" if self.byteorder == "little" else ">")
            if info.file_size != numel * dtype.itemsize:  # checked before anything is inflated
                raise ValueError(f"{self.where} is damaged: storage {key!r} has {info.file_size} "
                                 f"bytes, expected {numel * dtype.itemsize}")
            raw = _read_entry(self.archive, info, self.archive_size, self.where)
            self.storages[key] = np.frombuffer(raw, dtype=dtype).astype(storage_type.dtype)
        return self.storages[key]


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, archive_size: int,
                where: str) -> bytes:
    """An archive member's bytes, once its declared size is one the file can honestly hold: a
    stored member no larger than the file, a deflated one at most MAX_DEFLATE_RATIO times its
    compressed bytes (a small file that claims gigabytes is refused before it is inflated)."""
    honest = {zipfile.ZIP_STORED: info.compress_size,
              zipfile.ZIP_DEFLATED: MAX_DEFLATE_RATIO * info.compress_size}.get(info.compress_type)
    if honest is None:
        raise ValueError(f"{where}: member {info.filename!r} uses compression method "
                         f"{info.compress_type}; torch.save files are stored or deflated")
    if info.compress_size > archive_size or info.file_size > honest:
        raise ValueError(f"{where} is damaged: member {info.filename!r} claims {info.file_size:,} "
                         f"bytes from {info.compress_size:,} stored bytes in a file of "
                         f"{archive_size:,} bytes")
    return archive.read(info)


def _check_opcodes(data: bytes, where: str) -> None:
    """Walk the pickle's opcodes before unpickling: every length it declares must be there
    (pickletools reads only what exists), and memo indices must be smaller than the number of
    opcodes (Python's unpickler grows its memo to the largest index: one opcode could claim GBs)."""
    try:
        ops = list(pickletools.genops(data))
    except Exception as err:
        raise ValueError(f"{where} is damaged: its pickle cannot be read ({err})") from None
    for opcode, arg, _ in ops:
        if opcode.name in ("PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET") and \
                not (isinstance(arg, int) and 0 <= arg < len(ops)):
            raise RefusedPickle(f"{where} is refused: its pickle uses the memo index {arg!r} in a "
                                f"pickle of {len(ops)} opcodes")


def _check_data(obj, where: str):
    """obj, if it is data only (containers, numbers, strings, arrays) nested at most MAX_DEPTH
    deep; RefusedPickle otherwise (a pickle could return one of the reader's own objects)."""
    stack, seen = [(obj, 0)], set()
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, _DATA) or isinstance(value, (_StorageType, _Reader)):
            raise RefusedPickle(f"{where} is refused: it holds a {type(value).__name__} where "
                                "only tensors, numbers, strings and containers may be")
        if isinstance(value, (dict, list, tuple)):
            if depth >= MAX_DEPTH:
                raise RefusedPickle(f"{where} is refused: containers nested more than "
                                    f"{MAX_DEPTH} deep")
            if id(value) in seen:
                continue
            seen.add(id(value))
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            if isinstance(value, dict) and hasattr(value, "__dict__"):  # an OrderedDict's _metadata
                items = [*items, *vars(value).values()]
            stack.extend((item, depth + 1) for item in items)
        elif isinstance(value, np.ndarray) and value.dtype.hasobject:
            raise RefusedPickle(f"{where} is refused: it holds an object array")
    return obj


def load(source, name=None):
    """The object torch.save wrote (a state dict, or a dict holding some), with NumPy arrays in
    place of tensors. source: a path or an open binary file (then `name` names it in errors).
    Raises RefusedPickle (an UnpicklingError and a ValueError) for anything but tensors and plain
    containers, ValueError for a damaged or legacy (pre-1.6, non-zip) file."""
    where = f"PyTorch checkpoint {os.fspath(name if name is not None else source)!r}"
    try:
        return _load(source if hasattr(source, "read") else os.fspath(source), where)
    except (pickle.UnpicklingError, ValueError) as err:
        if isinstance(err, ValueError):
            raise
        raise RefusedPickle(str(err) if where in str(err) else f"{where}: {err}") from None
    except Exception as err:  # any other failure to parse the bytes means damage, never a crash
        raise ValueError(f"{where} is damaged: {type(err).__name__}: {err}") from err


def _load(source, where: str):
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as err:
        raise ValueError(f"{where} is not a zip archive: only the zip format of torch.save "
                         "(PyTorch 1.6 and later) can be read") from err
    with archive:
        archive_size = archive.fp.seek(0, io.SEEK_END)
        pickles = [n for n in archive.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise ValueError(f"{where} is not a torch.save archive: expected one "
                             f"'<name>/data.pkl', "
                             f"found {pickles}")
        prefix = pickles[0][:-len("data.pkl")]
        names = set(archive.namelist())
        byteorder = _read_entry(archive, archive.getinfo(prefix + "byteorder"), archive_size,
                                where)[:16].decode("ascii", "replace").strip() \
            if prefix + "byteorder" in names else "little"
        if byteorder not in ("little", "big"):
            raise ValueError(f"{where}: unknown byte order {byteorder!r}")
        data = _read_entry(archive, archive.getinfo(pickles[0]), archive_size, where)
        _check_opcodes(data, where)
        unpickler = RestrictedUnpickler(io.BytesIO(data), archive, prefix, byteorder, where,
                                        archive_size)
        return _check_data(unpickler.load(), where)
