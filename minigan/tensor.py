"""The Tensor: one NumPy/CuPy array, its gradient, and its place in the graph.

Read minigan/autograd.py first: it holds the engine (grad mode, the graph walk, Function and
Context). This module is what a user touches: the Tensor class with its properties, the in-place
methods (``fill_``, ``add_``, ...) and the method sugar (``x.exp()``, ``x + y``), each a one-line
forward to the op in minigan/ops/.

Layers: backend, grad_mode -> tensor -> autograd -> ops. The methods below call ``autograd``
(backward) and ``ops`` (the method sugar), which are built on this class; the two names are bound
once, at the bottom of this file.
"""

from __future__ import annotations

import numpy as np

from minigan import backend, dtypes
from minigan.compat.device import device
from minigan.grad_mode import is_grad_enabled


class Size(tuple):
    """PyTorch's torch.Size: a tensor's shape, a tuple that prints as ``torch.Size([2, 3])``."""

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        count = 1
        for n in self:
            count *= n
        return count

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__


def array_from_data(data, dtype=None):
    """Python data or an array -> an array on the current backend, with PyTorch's dtype rules.

    Python floats become the default float dtype (float32), Python ints int64 and bools bool; a
    list that mixes them takes the highest kind ([1, 2.5] is float32). NumPy/CuPy arrays keep their
    dtype (float64 stays float64, int32 stays int32).
    """
    if isinstance(data, Tensor):
        data = data.array
    from_python = not hasattr(data, "dtype")
    xp = backend.backend_module()
    array = backend.to_backend(data, backend.get_backend()) if not from_python else np.asarray(data)
    if dtype is None:
        kind = array.dtype.kind
        if from_python and kind == "f":
            dtype = backend.get_default_dtype()
        elif from_python and kind == "c":
            dtype = np.complex128 if backend.get_default_dtype() == np.float64 else np.complex64
        elif kind not in "biufc":
            raise TypeError(f"tensor() expects numbers, got data of dtype {array.dtype}")
    return xp.asarray(array, dtype=dtype)


def ensure_array(value):
    """Reductions in NumPy return scalars (np.float32(3.0)); every Tensor holds a real array."""
    is_scalar = type(value) is not np.ndarray and isinstance(value, (np.generic, int, float, bool))
    return np.asarray(value) if is_scalar else value


def may_share_memory(a, b) -> bool:
    """Whether two arrays may overlap (a view and its base do): a quick bounds check."""
    return backend.get_array_module(a).may_share_memory(a, b)


def check_same_backend(op_name: str, inputs) -> None:
    """Mixing NumPy and CuPy tensors in one op is an error that names both."""
    names = {t.backend for t in inputs if t is not None}
    if len(names) > 1:
        described = ", ".join(f"input {i} on {t.backend}" for i,
                              t in enumerate(inputs) if t is not None)
        raise RuntimeError(
            f"{op_name}: all tensors must be on the same backend, got {described}; "
            "move them with .to('numpy') or .to('cupy')"
        )


def _constructor_array(args: tuple, requires_grad):
    """The array and requires_grad of Tensor(*args): see Tensor's docstring for the forms.

    Tensor(array_or_tensor, requires_grad=False) wraps (a second positional argument is
    requires_grad, the engine's form; a NumPy scalar becomes a 0-d array); Tensor(*sizes) with
    Python ints and Tensor(sequence) are torch.Tensor's.
    """
    if len(args) in (1, 2) and (isinstance(args[0], (Tensor, np.generic))
                                or hasattr(args[0], "__array_function__")):
        data = args[0].array if isinstance(args[0], Tensor) else args[0]
        if len(args) == 2:
            requires_grad = args[1]
        return (np.asarray(data) if isinstance(data, np.generic) else data), requires_grad
    dtype = backend.get_default_dtype()
    xp = backend.backend_module()
    if not args:
        return xp.zeros((0,), dtype=dtype), requires_grad
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        if any(a < 0 for a in args):
            raise RuntimeError(f"Trying to create tensor with negative dimension: {list(args)}")
        # torch leaves the memory uninitialised; minigan fills it with zeros
        return xp.zeros(tuple(int(a) for a in args), dtype=dtype), requires_grad
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        return xp.asarray(np.asarray(args[0], dtype=dtype)), requires_grad
    got = ", ".join(type(a).__name__ for a in args)
    raise TypeError(f"Tensor() takes integer sizes (Tensor(2, 3)), a list or tuple of numbers "
                    f"(Tensor([1, 2])) or an array, got ({got})")


class VersionCounter:
    """How many times a tensor's array was changed in place, and by what (PyTorch's ``_version``).

    A Function's ctx stamps each saved input and output with its counter's value; if the value has
    moved by the time backward needs the tensor, the gradient would be computed from changed
    numbers, so backward raises instead (as PyTorch does).
    """

    __slots__ = ("version", "changed_by")

    def __init__(self):
        self.version, self.changed_by = 0, None

    def stamp(self) -> tuple:
        """(this counter, its value now): what a ctx keeps for a saved tensor."""
        return self, self.version

    def raise_modified(self, what: str, shape: tuple, saved_version: int) -> None:
        hint = ("an optimizer step modified a parameter needed for backward: call backward() "
                "before "
                "the optimizer's step()" if self.changed_by.endswith(".step()") else
                "make the in-place change after backward(), or change a copy (y = x * 1) instead")
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: {what} (a tensor of shape {shape}) was changed by {self.changed_by} "
            f"after forward saved it (it is at version {self.version}; expected version "
            f"{saved_version}); {hint}"
        )


class Tensor:
    """An array with an optional gradient and a link to the Function that produced it.

    Build tensors with ``mg.tensor(data)``, ``mg.randn(...)`` and friends; ``Tensor(array)`` wraps
    an existing NumPy/CuPy array without copying it (the engine's form, dtype kept). As PyTorch's
    ``torch.Tensor`` constructor: ``Tensor(2, 3)`` is a (2, 3) tensor of the default float dtype
    (zeros: PyTorch leaves it uninitialised), ``Tensor([1, 2])`` copies Python data into the default
    float dtype, ``Tensor()`` is empty; ``isinstance(x, Tensor)`` holds for every tensor.

    Attributes:
        array: the raw array (numpy.ndarray or cupy.ndarray) that ops work on.
        data: the same array as a Tensor cut off from the graph (PyTorch's ``.data``).
        grad: the accumulated gradient (a Tensor) after backward(), or None.
        requires_grad: whether operations on this tensor are recorded for differentiation.
        _version: how many times the array was changed in place (PyTorch's version counter).
    """

    __array_ufunc__ = None  # NumPy hands `ndarray op Tensor` back to Tensor's reflected operator
    # speed: fixed slots make the many small tensors an op chain creates cheaper to build (see the
    # engine benchmark); subclasses such as nn.Parameter still get a __dict__
    __slots__ = ("array", "grad", "requires_grad", "_ctx", "_output_index", "_version_counter",
                 "__weakref__")

    def __init__(self, *args, requires_grad: bool = False):
        data, requires_grad = _constructor_array(args, requires_grad)
        self.array = data
        self.grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None  # the autograd.Context that produced this tensor (None for a leaf)
        self._output_index = 0  # which output of that node this tensor is
        self._version_counter = None  # a VersionCounter, made on first need
        if self.requires_grad and self.array.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               f"gradients (got {self.dtype})")

    @classmethod
    def _wrap(cls, array, requires_grad: bool = False) -> Tensor:
        """Wrap an array the engine already checked (the fast path used by every op)."""
        tensor = object.__new__(cls)
        tensor.array, tensor.grad, tensor.requires_grad = array, None, requires_grad
        tensor._ctx, tensor._output_index, tensor._version_counter = None, 0, None
        return tensor

    @property
    def data(self) -> Tensor:
        """PyTorch's ``.data``: a Tensor sharing this array, cut off from the graph.

        Changes made through it are neither recorded nor counted as in-place changes of this
        tensor (``w.data.clamp_(-0.01, 0.01)``), as in PyTorch. ``t.data = other`` replaces the
        array ``t`` wraps.
        """
        return Tensor._wrap(self.array)

    @data.setter
    def data(self, value) -> None:
        self.array = value.array if isinstance(value, Tensor) else value

    # -- what it is -------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self.array.shape)

    @property
    def dtype(self) -> dtypes.dtype:
        """PyTorch's dtype object (``mg.float32``, printed 'torch.float32'); it equals the NumPy
        dtype of the array (``t.dtype == np.float32``) and works wherever NumPy takes a dtype."""
        return dtypes.of_array(self.array)

    def is_floating_point(self) -> bool:
        return self.array.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self.array.dtype.kind == "c"

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def dim(self) -> int:
        return self.array.ndim

    def size(self, dim: int | None = None):
        """The shape (a torch.Size, as PyTorch's .size()), or the length of one dimension."""
        return self.shape if dim is None else self.array.shape[dim]

    def numel(self) -> int:
        return int(self.array.size)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    @property
    def backend(self) -> str:
        """'numpy' or 'cupy'."""
        return backend.backend_of(self.array)

    @property
    def device(self) -> device:
        """mg.device('cpu') or mg.device('cuda') (a str, with PyTorch's .type and .index)."""
        return device("cpu" if self.backend == "numpy" else "cuda")

    @property
    def is_cuda(self) -> bool:
        return self.backend == "cupy"

    # PyTorch's other device kinds (Intel XPU, Apple MPS, meta) and layouts: never in minigan
    is_xpu = is_mps = is_meta = is_sparse = is_quantized = property(lambda self: False)

    def get_device(self) -> int:
        """-1 on the CPU, the GPU's index (0) on CUDA, as in PyTorch."""
        return 0 if self.is_cuda else -1

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by an op that is being recorded)."""
        return self._ctx is None

    @property
    def grad_fn(self):
        """The node that produced this tensor, or None for a leaf."""
        return self._ctx

    def __repr__(self) -> str:
        """PyTorch's print layout (minigan/printing.py: tensor([1.0100, 2.0000]), with dtype=,
        grad_fn= or requires_grad= where PyTorch shows them; imported on the first print)."""
        from minigan import printing

        return printing.tensor_repr(self)

    def __format__(self, spec: str) -> str:
        """f"{loss:.4f}" works on a 0-d tensor (its number is formatted), as in PyTorch."""
        if self.array.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    # -- getting the numbers out ------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data as a NumPy array: the array itself on NumPy, a copy from the GPU on CuPy.

        As in PyTorch, a tensor that requires grad refuses (its gradient would not follow the
        array): call ``.detach().numpy()``, or pass force=True.
        """
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return backend.to_backend(self.array, "numpy")

    def item(self):
        """The single number in a one-element tensor, as a Python float/int/bool."""
        if self.array.size != 1:
            raise ValueError("item() needs a tensor with one element, got shape "
                             f"{tuple(self.shape)}")
        return self.array.reshape(()).item()

    def tolist(self):
        return backend.to_backend(self.array, "numpy").tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.array.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.item())

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()  # refuses a tensor that requires grad, as PyTorch's does
        return array if dtype is None else array.astype(dtype)

    # -- graph bookkeeping ------------------------------------------------------------------
    def detach(self) -> Tensor:
        """The same array, cut off from the graph (never requires grad). In-place changes of either
        count for both (they share the version counter), as in PyTorch."""
        tensor = Tensor._wrap(self.array)
        tensor._version_counter = self._counter()
        return tensor

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place: it becomes a leaf that does not require grad."""
        self._ctx, self._output_index, self.requires_grad = None, 0, False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad in place (on leaves only, as in PyTorch); returns self."""
        if not self.is_leaf and not requires_grad:
            raise RuntimeError(
                "requires_grad_(False) is only allowed on leaf tensors; use .detach() for a "
                "non-leaf tensor"
            )
        if requires_grad and self.array.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               f"gradients (got {self.dtype})")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep .grad on this non-leaf tensor after backward() (leaves always keep theirs)."""
        if self._ctx is not None:
            self._ctx.retain_output_grad(self)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's .grad.

        `gradient` is d(loss)/d(self); it may be left out only when self has one element.
        """
        autograd.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    # -- the version counter: how backward notices in-place changes ---------------------------
    @property
    def _version(self) -> int:
        return 0 if self._version_counter is None else self._version_counter.version

    def _counter(self) -> VersionCounter:
        """This tensor's version counter (made on first need), shared with its detach()es."""
        if self._version_counter is None:
            self._version_counter = VersionCounter()
        return self._version_counter

    def _bump_version(self, changed_by: str) -> None:
        """Count one in-place change: a backward that saved this tensor earlier will refuse to
        run."""
        counter = self._counter()
        counter.version += 1
        counter.changed_by = changed_by

    def _begin_inplace(self, name: str) -> None:
        """The check every in-place method makes first, then the version bump.

        As in PyTorch, a leaf that requires grad may be changed in place only under mg.no_grad()
        (that is how optimizers and nn.init change parameters). minigan does not record in-place
        ops in the graph, so a non-leaf that requires grad is refused too.
        """
        if self.requires_grad and is_grad_enabled():
            what = "a leaf tensor" if self._ctx is None else "a tensor computed by a recorded op"
            raise RuntimeError(
                f"{name}(): {what} that requires grad (shape {tuple(self.shape)}) cannot be "
                "changed in place "
                "while gradients are recorded; do it under mg.no_grad() or on .data"
                + ("" if self._ctx is None else ", or write it out of place (y = y * 2)")
            )
        self._bump_version(f"{name}()")

    # -- in-place changes (PyTorch's trailing underscore); each returns self -------------------
    def __setitem__(self, index, value):
        if self.requires_grad and is_grad_enabled():
            raise RuntimeError(
                "in-place assignment to a tensor that requires grad would corrupt its gradient; "
                "do it under mg.no_grad() or on .data"
            )
        self.array[ops.raw_index(index)] = self._operand_array(value)
        self._bump_version("an assignment x[...] = value")

    def _operand_array(self, value):
        """A Tensor/array/number as something NumPy/CuPy can write into self.array."""
        if isinstance(value, Tensor):
            value = value.array
        if hasattr(value, "shape") and not isinstance(value, np.generic):
            return backend.to_backend(value, self.backend)
        return value

    def fill_(self, value) -> Tensor:
        self._begin_inplace("fill_")
        self.array[...] = self._operand_array(value)
        return self

    def zero_(self) -> Tensor:
        self._begin_inplace("zero_")
        self.array[...] = 0
        return self

    def copy_(self, src) -> Tensor:
        """Copy src's values into this tensor (src broadcasts to self's shape; dtype is self's)."""
        self._begin_inplace("copy_")
        self.array[...] = self._operand_array(src)
        return self

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        self._begin_inplace("normal_")
        draw = backend.generator(self.backend).standard_normal(self.shape, dtype=self.dtype)
        self.array[...] = draw * std + mean
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        self._begin_inplace("uniform_")
        draw = backend.generator(self.backend).random(self.shape, dtype=self.dtype)
        self.array[...] = draw * (b - a) + a
        return self

    def clamp_(self, min=None, max=None) -> Tensor:
        if min is None and max is None:
            raise ValueError("clamp_: at least one of min and max must be given")
        self._begin_inplace("clamp_")
        backend.get_array_module(self.array).clip(self.array, min, max, out=self.array)
        return self

    def add_(self, other, *, alpha=1) -> Tensor:
        """self += alpha * other."""
        self._begin_inplace("add_")
        other = self._operand_array(other)
        self.array += other if alpha == 1 else other * alpha
        return self

    def sub_(self, other, *, alpha=1) -> Tensor:
        """self -= alpha * other."""
        self._begin_inplace("sub_")
        other = self._operand_array(other)
        self.array -= other if alpha == 1 else other * alpha
        return self

    def mul_(self, other) -> Tensor:
        self._begin_inplace("mul_")
        self.array *= self._operand_array(other)
        return self

    def div_(self, other) -> Tensor:
        self._begin_inplace("div_")
        self.array /= self._operand_array(other)
        return self

    # -- moving between backends and dtypes ---------------------------------------------------
    def to(self, *args, **kwargs) -> Tensor:
        """A copy with another dtype and/or on another device, in PyTorch's forms: ``to(dtype)``,
        ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)``, ``to(device=..., dtype=...)``;
        ``non_blocking`` is accepted (moves are synchronous), ``copy=True`` always copies. A device
        is anything ``backend.normalize_backend`` accepts ('cpu', 'cuda', 'cuda:0', mg.device(...),
        'numpy', 'cupy'). Returns self when nothing changes."""
        device, dtype, copy = backend.parse_to(args, kwargs, "Tensor.to")
        out = self
        if dtype is not None:
            out = ops.astype(out, dtype)
        if device is not None and device != out.backend:
            out = ops.to_backend(out, device)
        if copy and out is self:
            out = ops.astype(self, self.dtype, copy=True)
        return out

    def cpu(self, memory_format=None) -> Tensor:
        return self.to("numpy")

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
        return self.to("cupy")

    def astype(self, dtype) -> Tensor:
        return ops.astype(self, dtype)

    def float(self) -> Tensor:
        return ops.astype(self, np.float32)

    def double(self) -> Tensor:
        return ops.astype(self, np.float64)

    def long(self) -> Tensor:
        return ops.astype(self, np.int64)

    def int(self) -> Tensor:
        return ops.astype(self, np.int32)

    def bool(self) -> Tensor:
        return ops.astype(self, np.bool_)

    def type(self, dtype=None, non_blocking: bool = False):
        """Old PyTorch's x.type() and x.type(FloatTensor): see minigan/compat/legacy.py."""
        from minigan.compat.legacy import tensor_type

        return tensor_type(self, dtype, non_blocking)

    # -- operators (the ops themselves live in minigan/ops/) ------------------------------------
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __pow__(self, exponent):
        return ops.pow(self, exponent)

    def __rpow__(self, base):
        return ops.pow(base, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __neg__(self):
        return ops.neg(self)

    def __floordiv__(self, other):
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return ops.floor_divide(other, self)

    def __mod__(self, other):
        return ops.remainder(self, other)

    def __rmod__(self, other):
        return ops.remainder(other, self)

    # bitwise on integers, logical on bools (masks): ~ & | ^
    def __invert__(self):
        return ops.bitwise_not(self)

    def __and__(self, other):
        return ops.bitwise_and(self, other)

    def __rand__(self, other):
        return ops.bitwise_and(other, self)

    def __or__(self, other):
        return ops.bitwise_or(self, other)

    def __ror__(self, other):
        return ops.bitwise_or(other, self)

    def __xor__(self, other):
        return ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return ops.bitwise_xor(other, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __getitem__(self, index):
        return ops.getitem(self, index)

    # Comparisons give boolean tensors that never require grad (masks, accuracy).
    def __eq__(self, other):
        return ops.compare(self, other, "equal")

    def __ne__(self, other):
        return ops.compare(self, other, "not_equal")

    def __lt__(self, other):
        return ops.compare(self, other, "less")

    def __le__(self, other):
        return ops.compare(self, other, "less_equal")

    def __gt__(self, other):
        return ops.compare(self, other, "greater")

    def __ge__(self, other):
        return ops.compare(self, other, "greater_equal")

    __hash__ = object.__hash__

    # -- methods where PyTorch has them -------------------------------------------------------
    def exp(self):
        return ops.exp(self)

    def log(self):
        return ops.log(self)

    def sqrt(self):
        return ops.sqrt(self)

    def abs(self):
        return ops.abs(self)

    def clamp(self, min=None, max=None):
        return ops.clamp(self, min, max)

    clip = clamp

    def sigmoid(self):
        return ops.sigmoid(self)

    def tanh(self):
        return ops.tanh(self)

    def relu(self):
        return ops.relu(self)

    def pow(self, exponent):
        return ops.pow(self, exponent)

    def matmul(self, other):
        return ops.matmul(self, other)

    # reductions: PyTorch's dim= and keepdim=, or NumPy's axis= and keepdims= (PyTorch takes both)
    def sum(self, *args, **kwargs):
        return ops.sum(self, *args, **kwargs)

    def mean(self, *args, **kwargs):
        return ops.mean(self, *args, **kwargs)

    # reductions: PyTorch's dim= and keepdim=, or NumPy's axis= and keepdims= (PyTorch takes both)
    def var(self, *args, **kwargs):
        """var(dim, unbiased, keepdim), var(dim, correction=, keepdim=): see minigan.ops.var."""
        return ops.var(self, *args, **kwargs)

    def std(self, *args, **kwargs):
        return ops.std(self, *args, **kwargs)

    def amax(self, *args, **kwargs):
        return ops.amax(self, *args, **kwargs)

    def amin(self, *args, **kwargs):
        return ops.amin(self, *args, **kwargs)

    def max(self, *args, **kwargs):
        """The largest element; (values, indices) along a dim; or, given a tensor, the
        elementwise max."""
        return ops.max(self, *args, **kwargs)

    def min(self, *args, **kwargs):
        return ops.min(self, *args, **kwargs)

    def argmax(self, *args, **kwargs):
        return ops.argmax(self, *args, **kwargs)

    def argmin(self, *args, **kwargs):
        return ops.argmin(self, *args, **kwargs)

    def all(self, *args, **kwargs):
        """A bool tensor: every element (along dim) is non-zero."""
        return ops.all_(self, *args, **kwargs)

    def any(self, *args, **kwargs):
        return ops.any_(self, *args, **kwargs)

    def reshape(self, *shape):
        return ops.reshape(self, *shape)

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        return ops.flatten(self, start_dim, end_dim)

    def squeeze(self, dim=None):
        return ops.squeeze(self, dim)

    def unsqueeze(self, dim):
        return ops.unsqueeze(self, dim)

    def transpose(self, dim0, dim1):
        return ops.transpose(self, dim0, dim1)

    def permute(self, *dims):
        return ops.permute(self, *dims)

    @property
    def T(self):
        """All dimensions reversed (the matrix transpose for 2-D)."""
        return ops.permute(self, *reversed(range(self.ndim)))

    @property
    def mT(self):
        """The last two dimensions swapped (a batch of matrices transposed)."""
        return ops.transpose(self, -2, -1)

    def broadcast_to(self, *shape):
        return ops.broadcast_to(self, *shape)

    def expand(self, *sizes):
        """Broadcast to `sizes` without copying; -1 keeps a dimension's size (PyTorch's expand)."""
        return ops.expand(self, *sizes)

    def repeat(self, *sizes):
        return ops.repeat(self, *sizes)

    def flip(self, *dims):
        return ops.flip(self, *dims)

    def chunk(self, chunks, dim=0):
        return ops.chunk(self, chunks, dim)

    def split(self, split_size, dim=0):
        return ops.split(self, split_size, dim)

    def clone(self):
        return ops.clone(self)

    def contiguous(self):
        return ops.contiguous(self)

    def lerp(self, end, weight):
        return ops.lerp(self, end, weight)

    def sum_to(self, shape):
        return ops.sum_to(self, shape)

    def norm(self, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
        """The p-norm over `dim` (all elements when None): (sum |x|^p)^(1/p); p may be inf
        ('fro', the default, is 2)."""
        if p in ("fro", 2):
            return (self * self).sum(dim, keepdim).sqrt()
        if p == float("inf"):
            return self.abs().amax(dim, keepdim)
        if p == 1:
            return self.abs().sum(dim, keepdim)
        return (self.abs() ** p).sum(dim, keepdim) ** (1.0 / p)


    # -- the everyday rest of PyTorch's Tensor methods: each one line, the op in minigan/ops/ -----
    def add(self, other, *, alpha=1):
        return ops.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return ops.sub(self, other, alpha=alpha)

    def mul(self, other):
        return ops.mul(self, other)

    def div(self, other, *, rounding_mode=None):
        return ops.div(self, other, rounding_mode=rounding_mode)

    subtract, multiply, divide, true_divide = sub, mul, div, div

    def floor_divide(self, other):
        return ops.floor_divide(self, other)

    def remainder(self, other):
        return ops.remainder(self, other)

    def neg(self):
        return ops.neg(self)

    negative = neg

    def square(self):
        return ops.square(self)

    def sign(self):
        return ops.sign(self)

    def log1p(self):
        return ops.log1p(self)

    def rsqrt(self):
        return ops.rsqrt(self)

    def maximum(self, other):
        return ops.maximum(self, other)

    def minimum(self, other):
        return ops.minimum(self, other)

    def eq(self, other):
        return ops.compare(self, other, "equal")

    def ne(self, other):
        return ops.compare(self, other, "not_equal")

    def lt(self, other):
        return ops.compare(self, other, "less")

    def le(self, other):
        return ops.compare(self, other, "less_equal")

    def gt(self, other):
        return ops.compare(self, other, "greater")

    def ge(self, other):
        return ops.compare(self, other, "greater_equal")

    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def logical_not(self):
        return ops.logical_not(self)

    def half(self):
        return ops.astype(self, np.float16)

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor with other's dtype and device."""
        return self.to(other)

    def mm(self, other):
        return ops.matmul(self, other)

    bmm = mm

    def t(self):
        return ops.t(self)

    def expand_as(self, other: Tensor):
        return ops.broadcast_to(self, other.shape)

    def view_as(self, other: Tensor):
        return ops.reshape(self, other.shape)

    reshape_as = view_as

    def roll(self, shifts, dims=None):
        return ops.roll(self, shifts, dims)

    def narrow(self, dim: int, start: int, length: int):
        return ops.narrow(self, dim, start, length)

    def index_select(self, dim: int, index):
        return ops.index_select(self, dim, index)

    def gather(self, dim: int, index):
        return ops.gather(self, dim, index)

    def scatter(self, dim: int, index, src=None, *, value=None, reduce=None):
        return ops.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim: int, index, src):
        return ops.scatter_add(self, dim, index, src)

    def masked_fill(self, mask, value):
        return ops.masked_fill(self, mask, value)

    def where(self, condition, other):
        return ops.where(condition, self, other)

    def nonzero(self, *, as_tuple: bool = False):
        return ops.nonzero(self, as_tuple=as_tuple)

    # in place, as the rest of the family (_begin_inplace's rules): the result is computed out of
    # place from a detached view, then written into this tensor's array
    def _write_(self, name: str, result: Tensor) -> Tensor:
        self._begin_inplace(name)
        self.array[...] = result.array
        return self

    def scatter_(self, dim: int, index, src=None, *, value=None, reduce=None):
        result = ops.scatter(self.detach(), dim, index, src, value=value, reduce=reduce)
        return self._write_("scatter_", result)

    def scatter_add_(self, dim: int, index, src):
        return self._write_("scatter_add_", ops.scatter_add(self.detach(), dim, index, src))

    def masked_fill_(self, mask, value):
        return self._write_("masked_fill_", ops.masked_fill(self.detach(), mask, value))

    # new tensors with this one's dtype and device unless given (x.new_zeros(3) & co)
    def _new_like(self, dtype, device) -> dict:
        """The dtype= and device= of a new tensor: this one's unless given."""
        return {"dtype": self.dtype if dtype is None else dtype, "device": device or self.backend}

    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False):
        return ops.zeros(*size, **self._new_like(dtype, device), requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False):
        return ops.ones(*size, **self._new_like(dtype, device), requires_grad=requires_grad)

    new_empty = new_zeros

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False):
        return ops.full(size, fill_value, **self._new_like(dtype, device),
                        requires_grad=requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad: bool = False):
        return ops.tensor(data, **self._new_like(dtype, device), requires_grad=requires_grad)


# ----------------------------------------------------------------------------- the late binding
# The methods above call the engine and the ops, which are themselves built on Tensor: these two
# names are bound here, once the class exists (minigan/autograd.py and minigan/ops/ import Tensor).
from minigan import autograd, ops  # noqa: E402
