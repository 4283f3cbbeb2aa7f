"""Write PyTorch's checkpoint format: ``mg.save(model.state_dict(), "g.pth")`` makes a file that
``torch.load("g.pth", weights_only=True)`` reads (and minigan's own reader, formats/pytorch.py).

The file is the zip archive torch.save writes (PyTorch >= 1.6), entries stored uncompressed, each
tensor's bytes starting at a multiple of 64 bytes as PyTorch aligns them::

    archive/data.pkl                 the structure, a pickle (protocol 2)
    archive/.format_version          "1"
    archive/.storage_alignment       "64"
    archive/byteorder                "little"
    archive/data/0, archive/data/1   each tensor's elements, little-endian, C order
    archive/version                  "3"

The pickle is written opcode by opcode below (no pickle.Pickler: nothing of minigan's own can slip
in), and it names only globals that ``weights_only=True`` allows: ``collections.OrderedDict``,
``torch._utils._rebuild_tensor_v2`` and ``_rebuild_parameter``, and the storage types
(``torch.FloatStorage`` ...). A tensor becomes::

    _rebuild_tensor_v2(<storage: persistent id ('storage', torch.FloatStorage, '0', 'cpu', numel)>,
                       0, size, stride, requires_grad, OrderedDict())

What can be saved: dicts (OrderedDict stays OrderedDict) with str, int, float, bool or None keys,
lists, tuples, str, int, float, bool, None, and Tensors / NumPy or CuPy arrays / NumPy scalars of
the dtypes PyTorch has (arrays load as tensors in PyTorch). Anything else is a TypeError that names
where it is, raised before a byte is written.
"""

from __future__ import annotations

import collections
import io
import struct
import zipfile

import numpy as np

from minigan import backend

# NumPy dtype -> PyTorch's storage type for it
STORAGE_TYPES = {np.dtype(np.float32): "FloatStorage", np.dtype(np.float64): "DoubleStorage",
                 np.dtype(np.float16): "HalfStorage", np.dtype(np.int64): "LongStorage",
                 np.dtype(np.int32): "IntStorage", np.dtype(np.int16): "ShortStorage",
                 np.dtype(np.int8): "CharStorage", np.dtype(np.uint8): "ByteStorage",
                 np.dtype(np.bool_): "BoolStorage", np.dtype(np.complex64): "ComplexFloatStorage",
                 np.dtype(np.complex128): "ComplexDoubleStorage"}
ALIGNMENT = 64
MAX_DEPTH = 100
ARCHIVE = "archive"


def _where(path: tuple) -> str:
    return "".join(f"[{key!r}]" for key in path) if path else "the top-level object"


class _PickleWriter:
    """Pickle opcodes (protocol 2) for the few kinds of object a checkpoint holds; tensors' data
    are collected in `storages` (entry name -> little-endian bytes)."""

    def __init__(self):
        self.out = io.BytesIO()
        self.storages: list = []

    def op(self, code: bytes, payload: bytes = b"") -> None:
        self.out.write(code + payload)

    def global_(self, module: str, name: str) -> None:
        self.op(b"c", f"{module}\n{name}\n".encode("ascii"))

    def dump(self, obj) -> bytes:
        self.op(b"\x80\x02")  # PROTO 2
        self.write(obj, ())
        self.op(b".")  # STOP
        return self.out.getvalue()

    def write(self, obj, path: tuple) -> None:
        from minigan.autograd import Tensor
        from minigan.nn.parameter import Parameter

        if obj is None:
            self.op(b"N")
        elif obj is True or obj is False or isinstance(obj, np.bool_):
            self.op(b"\x88" if obj else b"\x89")
        elif isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
            self.integer(int(obj))
        elif isinstance(obj, (float, np.floating)):
            self.op(b"G", struct.pack(">d", float(obj)))  # BINFLOAT
        elif isinstance(obj, str):
            data = obj.encode("utf-8", "surrogatepass")
            self.op(b"X", struct.pack("<I", len(data)) + data)  # BINUNICODE
        elif isinstance(obj, Parameter):
            self.global_("torch._utils", "_rebuild_parameter")
            self.op(b"(")
            self.tensor(obj.array, False, path)
            self.op(b"\x88" if obj.requires_grad else b"\x89")
            self.ordered_dict_call()
            self.op(b"tR")  # TUPLE, REDUCE
        elif isinstance(obj, Tensor):
            if obj.requires_grad and obj.grad_fn is not None:
                raise RuntimeError(f"torch.save: cowardly refusing to save the non-leaf tensor at "
                                   f"{_where(path)}, which requires grad (save .detach())")
            self.tensor(obj.array, obj.requires_grad, path)
        elif hasattr(obj, "__array_function__") and hasattr(obj, "dtype"):
            self.tensor(obj, False, path)
        elif isinstance(obj, (dict, list, tuple)):
            if len(path) >= MAX_DEPTH:
                raise ValueError(f"torch.save: {_where(path[:3])}... is nested more than "
                                 f"{MAX_DEPTH} deep")
            self.container(obj, path)
        else:
            raise TypeError(f"torch.save (minigan): cannot store a {type(obj).__name__} at "
                            f"{_where(path)} (supported: dict, list, tuple, Tensors and arrays, "
                            "int, float, bool, None, str)")

    def integer(self, value: int) -> None:
        if 0 <= value < 256:
            self.op(b"K", struct.pack("<B", value))  # BININT1
        elif -(1 << 31) <= value < (1 << 31):
            self.op(b"J", struct.pack("<i", value))  # BININT
        else:
            data = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
            self.op(b"\x8a", struct.pack("<B", len(data)) + data)  # LONG1

    def ordered_dict_call(self) -> None:
        """OrderedDict(): what PyTorch writes for a tensor's (absent) backward hooks."""
        self.global_("collections", "OrderedDict")
        self.op(b")R")  # EMPTY_TUPLE, REDUCE

    def container(self, obj, path: tuple) -> None:
        if isinstance(obj, dict):
            if isinstance(obj, collections.OrderedDict):
                self.ordered_dict_call()
            else:
                self.op(b"}")  # EMPTY_DICT
            if obj:
                self.op(b"(")
                for key, value in obj.items():
                    if not (key is None or isinstance(key, (str, int, float, bool, np.integer))):
                        raise TypeError(f"torch.save (minigan): dict keys must be str, int, float, "
                                        f"bool or None, got {type(key).__name__} in {_where(path)}")
                    self.write(key, path)
                    self.write(value, path + (key,))
                self.op(b"u")  # SETITEMS
        elif isinstance(obj, list):
            self.op(b"]")  # EMPTY_LIST
            if obj:
                self.op(b"(")
                for i, value in enumerate(obj):
                    self.write(value, path + (i,))
                self.op(b"e")  # APPENDS
        else:
            self.op(b"(")
            for i, value in enumerate(obj):
                self.write(value, path + (i,))
            self.op(b"t")  # TUPLE

    def tensor(self, array, requires_grad: bool, path: tuple) -> None:
        """_rebuild_tensor_v2(storage, 0, size, stride, requires_grad, OrderedDict())."""
        array = np.asarray(backend.to_backend(array, "numpy"))
        if not array.flags.c_contiguous:  # (np.ascontiguousarray would turn 0-d into 1-d)
            array = array.copy(order="C")
        kind = STORAGE_TYPES.get(array.dtype.newbyteorder("="))
        if kind is None:
            raise TypeError(f"torch.save (minigan): PyTorch has no storage for the {array.dtype} "
                            f"array at {_where(path)}")
        key = str(len(self.storages))
        self.storages.append(array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes())
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.op(b"(")
        self.op(b"(")  # the persistent id: ('storage', torch.<Type>Storage, key, 'cpu', numel)
        self.write("storage", path)
        self.global_("torch", kind)
        self.write(key, path)
        self.write("cpu", path)
        self.integer(int(array.size))
        self.op(b"tQ")  # TUPLE, BINPERSID
        self.integer(0)  # storage_offset
        strides = [s // array.itemsize if array.itemsize else 0 for s in array.strides] \
            if array.size else _contiguous_strides(array.shape)
        self.container(tuple(int(n) for n in array.shape), path)
        self.container(tuple(int(s) for s in strides), path)
        self.op(b"\x88" if requires_grad else b"\x89")
        self.ordered_dict_call()
        self.op(b"tR")  # TUPLE, REDUCE


def _contiguous_strides(shape) -> list:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(int(n), 1)
    return strides[::-1]


def encode(obj) -> tuple:
    """(the pickle bytes, the storages' bytes in order) of obj; TypeError/ValueError for what
    cannot be stored, before anything is written."""
    writer = _PickleWriter()
    pickled = writer.dump(obj)
    return pickled, writer.storages


def write_archive(file, pickled: bytes, storages: list) -> None:
    """Write the zip archive of torch.save into an open binary file (see the module docstring)."""
    entries = [("data.pkl", pickled), (".format_version", b"1"), (".storage_alignment", b"64"),
               ("byteorder", b"little")]
    entries += [(f"data/{i}", data) for i, data in enumerate(storages)]
    entries += [("version", b"3\n")]
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(f"{ARCHIVE}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            if name.startswith("data/"):
                info.extra = _padding(file.tell(), len(info.filename), len(data))
            archive.writestr(info, data)


def _padding(offset: int, name_length: int, size: int) -> bytes:
    """An extra field ('FB' and filler, as PyTorch writes) that moves the data of an entry whose
    local header starts at `offset` onto a multiple of ALIGNMENT."""
    header = 30 + name_length + (20 if size >= 0xFFFFFFFF else 0)  # zip64 adds an extra field
    fill = (-(offset + header + 4)) % ALIGNMENT
    return struct.pack("<HH", 0x4246, fill) + b"Z" * fill


def is_pytorch_path(path) -> bool:
    """Whether mg.save should write PyTorch's format: the path ends in .pt, .pth or .pth.tar."""
    name = str(path).lower()
    return name.endswith((".pt", ".pth", ".pth.tar"))


