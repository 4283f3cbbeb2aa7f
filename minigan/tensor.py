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

from minigan import backend
from minigan.compat.device import device
from minigan.grad_mode import is_grad_enabled


def array_from_data(data, dtype=None):
    """Python data or an array -> an array on the current backend, with minigan's dtype rules.

    Integer and boolean data become the default float dtype unless `dtype` says otherwise;
    Python floats become the default float dtype; NumPy float arrays keep their dtype.
    """
    if isinstance(data, Tensor):
        data = data.array
    from_python = not hasattr(data, "dtype")
    xp = backend.backend_module()
    array = backend.to_backend(data, backend.get_backend()) if not from_python else np.asarray(data)
    if dtype is None:
        kind = array.dtype.kind
        if kind in "biu" or (from_python and kind == "f"):
            dtype = backend.get_default_dtype()
        elif kind not in "fc":
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
    if len(args) in (1, 2) and (isinstance(args[0], (Tensor, np.generic)) or hasattr(args[0], "__array_function__")):
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
        return xp.zeros(tuple(int(a) for a in args), dtype=dtype), requires_grad  # torch: uninitialised
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
        if self.requires_grad and self.dtype.kind not in "fc":
            raise TypeError(f"only float tensors can require gradients, got dtype {self.dtype}")

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
    def shape(self) -> tuple:
        return tuple(self.array.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def dim(self) -> int:
        return self.array.ndim

    def size(self, dim: int | None = None):
        """The shape (as PyTorch's .size()), or the length of one dimension."""
        return self.shape if dim is None else self.shape[dim]

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

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by an op that is being recorded)."""
        return self._ctx is None

    @property
    def grad_fn(self):
        """The node that produced this tensor, or None for a leaf."""
        return self._ctx

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(")
        extras = "" if self.dtype == backend.get_default_dtype() else f", dtype={self.dtype}"
        if self.backend == "cupy":
            extras += ", device='cuda'"
        if self._ctx is not None:
            extras += f", grad_fn=<{self._ctx.name}>"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"tensor({body}{extras})"

    # -- getting the numbers out ------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (the array itself on NumPy, a copy from the GPU on CuPy)."""
        return backend.to_backend(self.array, "numpy")

    def item(self):
        """The single number in a one-element tensor, as a Python float/int/bool."""
        if self.array.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.array.reshape(()).item()

    def tolist(self):
        return self.numpy().tolist()

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
        array = self.numpy()
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
        if requires_grad and self.dtype.kind not in "fc":
            raise TypeError(f"only float tensors can require gradients, got dtype {self.dtype}")
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
                f"{name}(): {what} that requires grad (shape {self.shape}) cannot be changed in "
                f"place "
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
    def to(self, target) -> Tensor:
        """A copy with another dtype (``mg.float64``), or on another backend: anything
        ``backend.normalize_backend`` accepts ('numpy'/'cpu', 'cupy'/'cuda', ...). Returns self
        when nothing changes."""
        if isinstance(target, Tensor):
            return self.to(target.backend).to(target.dtype)
        if isinstance(target, (type, np.dtype)):
            return ops.astype(self, target)
        name = backend.normalize_backend(target)
        return self if name == self.backend else ops.to_backend(self, name)

    def cpu(self) -> Tensor:
        return self.to("numpy")

    def cuda(self) -> Tensor:
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

    def sum(self, dim=None, keepdim=False):
        return ops.sum(self, dim, keepdim)

    def mean(self, dim=None, keepdim=False):
        return ops.mean(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return ops.std(self, dim, unbiased, keepdim, correction=correction)

    def amax(self, dim=None, keepdim=False):
        return ops.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return ops.amin(self, dim, keepdim)

    def max(self, dim=None, keepdim=False):
        return ops.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return ops.min(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return ops.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return ops.argmin(self, dim, keepdim)

    def all(self):
        return bool(self.array.all())

    def any(self):
        return bool(self.array.any())

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

    def norm(self, p=2, dim=None, keepdim: bool = False) -> Tensor:
        """The p-norm over `dim` (all elements when None): (sum |x|^p)^(1/p); p may be inf."""
        if p == 2:
            return (self * self).sum(dim, keepdim).sqrt()
        if p == float("inf"):
            return self.abs().amax(dim, keepdim)
        if p == 1:
            return self.abs().sum(dim, keepdim)
        return (self.abs() ** p).sum(dim, keepdim) ** (1.0 / p)


# ----------------------------------------------------------------------------- the late binding
# The methods above call the engine and the ops, which are themselves built on Tensor: these two
# names are bound here, once the class exists (minigan/autograd.py and minigan/ops/ import Tensor).
from minigan import autograd, ops  # noqa: E402
