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

minigan writes no pickles: to move weights to PyTorch, save them as .safetensors.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import zipfile

import numpy as np

# torch.<Name>Storage -> the NumPy dtype of its elements
STORAGE_DTYPES = {"DoubleStorage": np.float64, "FloatStorage": np.float32,
                  "HalfStorage": np.float16,
                  "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
                  "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_}


class _StorageType:
    """Stands in for torch.FloatStorage & co inside the pickle: only its dtype matters."""

    def __init__(self, name: str):
        self.name, self.dtype = name, np.dtype(STORAGE_DTYPES[name])


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None) -> np.ndarray:
    """torch._utils._rebuild_tensor_v2: the tensor viewing `storage` (a 1-D array) from
    storage_offset with `size` and `stride` (in elements), as a NumPy array (a copy)."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride) or storage_offset < 0 or any(s < 0 for s in size + stride):
        raise pickle.UnpicklingError(f"bad tensor geometry: size {size}, stride {stride}, "
                                     f"offset {storage_offset}")
    if 0 in size:
        return np.zeros(size, dtype=storage.dtype)
    last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= storage.size:
        raise pickle.UnpicklingError(f"a tensor of size {size} reaches element {last} of a "
                                     f"storage of {storage.size} (the file is damaged)")
    view = np.lib.stride_tricks.as_strided(storage[storage_offset:], shape=size,
                                           strides=[s * storage.itemsize for s in stride])
    return np.array(view)


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None) -> np.ndarray:
    """torch._utils._rebuild_parameter(_with_state): an nn.Parameter is just its array here."""
    return data


ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    **{("torch", name): _StorageType(name) for name in STORAGE_DTYPES},
}


class RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that resolves only the ALLOWED globals and reads storages from the archive."""

    def __init__(self, file, archive: zipfile.ZipFile, prefix: str, byteorder: str, where: str):
        super().__init__(file)
        self.archive, self.prefix, self.byteorder, self.where = archive, prefix, byteorder, where
        self.storages: dict = {}

    def find_class(self, module: str, name: str):
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        if module == "torch" and name.endswith("Storage"):
            raise pickle.UnpicklingError(
                f"{self.where}: tensors stored as torch.{name} are not supported (NumPy has no "
                f"such dtype); convert them to float32 in PyTorch before saving")
        raise pickle.UnpicklingError(
            f"{self.where} is refused: its pickle asks for the global '{module}.{name}', which is "
            "not on the allow list of tensor-rebuilding functions and plain containers (loading "
            "it could run arbitrary code)")

    def persistent_load(self, pid):
        """('storage', storage_type, key, location, numel) -> the storage's elements (1-D array)."""
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"{self.where}: unexpected persistent id {pid!r}")
        _, storage_type, key, _location, numel = pid
        if key not in self.storages:
            entry = f"{self.prefix}data/{key}"
            try:
                size = self.archive.getinfo(entry).file_size
            except KeyError as err:
                raise ValueError(f"{self.where} is damaged: storage entry {entry!r} is "
                                 "missing") from err
            dtype = storage_type.dtype.newbyteorder("<" if self.byteorder == "little" else ">")
            if size != int(numel) * dtype.itemsize:  # checked before anything is inflated
                raise ValueError(f"{self.where} is damaged: storage {key!r} has {size} bytes, "
                                 f"expected {int(numel) * dtype.itemsize}")
            raw = self.archive.read(entry)
            self.storages[key] = np.frombuffer(raw, dtype=dtype).astype(storage_type.dtype)
        return self.storages[key]


def load(source, name=None):
    """The object torch.save wrote (a state dict, or a dict holding some), with NumPy arrays in
    place of tensors. source: a path or an open binary file (then `name` names it in errors).
    Raises pickle.UnpicklingError for anything but tensors and plain containers, ValueError for a
    damaged or legacy (pre-1.6, non-zip) file."""
    where = f"PyTorch checkpoint {os.fspath(name if name is not None else source)!r}"
    try:
        return _load(source if hasattr(source, "read") else os.fspath(source), where)
    except (pickle.UnpicklingError, ValueError):
        raise
    except Exception as err:  # any other failure to parse the bytes means damage, never a crash
        raise ValueError(f"{where} is damaged: {type(err).__name__}: {err}") from err


def _load(source, where: str):
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as err:
        raise ValueError(f"{where} is not a zip archive: only the zip format of torch.save "
                         "(PyTorch 1.6 and later) can be read") from err
    with archive:
        pickles = [n for n in archive.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise ValueError(f"{where} is not a torch.save archive: expected one "
                             f"'<name>/data.pkl', "
                             f"found {pickles}")
        prefix = pickles[0][:-len("data.pkl")]
        names = set(archive.namelist())
        byteorder = archive.read(prefix + "byteorder").decode().strip() \
            if prefix + "byteorder" in names else "little"
        if byteorder not in ("little", "big"):
            raise ValueError(f"{where}: unknown byte order {byteorder!r}")
        data = archive.read(pickles[0])
        unpickler = RestrictedUnpickler(io.BytesIO(data), archive, prefix, byteorder, where)
        return unpickler.load()
