"""Reverse-mode automatic differentiation: Tensor, Function and the graph walk.

A `Tensor` wraps one array (NumPy or CuPy). Every differentiable operation is a `Function` with two
static methods, written the way torch.autograd.Function is:

* ``forward(ctx, *arrays)`` works on raw arrays and returns the result array(s);
* ``backward(ctx, *grads)`` receives one gradient Tensor per output and returns one gradient per
  input, computed with Tensor operations.

Because backward is written with Tensor operations, it can itself be recorded: with
``create_graph=True`` the backward pass builds a graph of its own, and differentiating that graph
gives second derivatives (what WGAN-GP's gradient penalty needs).

`Function.apply` runs forward and, when any input requires a gradient, records a `Context`: the node
of the graph, which remembers the inputs and what forward saved. `backward()` and `grad()` walk these
nodes from the output back to the leaves, in reverse topological order.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from minigan import backend

# ----------------------------------------------------------------------------- grad mode

_grad_mode = threading.local()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for differentiation."""
    return getattr(_grad_mode, "enabled", True)


class _GradMode(contextlib.ContextDecorator):
    """Context manager (and decorator) that turns graph recording on or off."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __enter__(self):
        self.previous = is_grad_enabled()
        _grad_mode.enabled = self.enabled

    def __exit__(self, *exc):
        _grad_mode.enabled = self.previous
        return False


def no_grad():
    """``with mg.no_grad(): ...`` computes without recording a graph (evaluation, sampling)."""
    return _GradMode(False)


def enable_grad():
    """``with mg.enable_grad(): ...`` records a graph even inside no_grad()."""
    return _GradMode(True)


def set_grad_enabled(enabled: bool):
    """``with mg.set_grad_enabled(flag): ...`` records a graph when flag is True."""
    return _GradMode(bool(enabled))


# ----------------------------------------------------------------------------- Tensor


def _as_array(data, dtype=None):
    """Python data or an array -> an array on the current backend, with minigan's dtype rules.

    Integer and boolean data become the default float dtype unless `dtype` says otherwise;
    Python floats become the default float dtype; NumPy float arrays keep their dtype.
    """
    if isinstance(data, Tensor):
        data = data.data
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


class Tensor:
    """An array with an optional gradient and a link to the Function that produced it.

    Build tensors with ``mg.tensor(data)``, ``mg.randn(...)`` and friends; ``Tensor(array)`` wraps
    an existing NumPy/CuPy array without copying it.

    Attributes:
        data: the array (numpy.ndarray or cupy.ndarray).
        grad: the accumulated gradient (a Tensor) after backward(), or None.
        requires_grad: whether operations on this tensor are recorded for differentiation.
    """

    __array_ufunc__ = None  # NumPy hands `ndarray op Tensor` back to Tensor's reflected operator

    def __init__(self, data, requires_grad: bool = False):
        if isinstance(data, Tensor):
            data = data.data
        if not hasattr(data, "__array_function__") or isinstance(data, np.generic):
            data = np.asarray(data)
        self.data = data
        self.grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self._ctx: Context | None = None  # the node that produced this tensor (None for a leaf)
        self._output_index = 0  # which output of that node this tensor is
        if self.requires_grad and self.dtype.kind not in "fc":
            raise TypeError(f"only float tensors can require gradients, got dtype {self.dtype}")

    @property
    def array(self):
        """The raw NumPy/CuPy array this tensor wraps (what ops work on)."""
        return self.data

    @array.setter
    def array(self, value) -> None:
        self.data = value

    @classmethod
    def _wrap(cls, data, requires_grad: bool = False) -> Tensor:
        """Wrap an array the engine already checked (the fast path used by every op)."""
        tensor = object.__new__(cls)
        tensor.data, tensor.grad, tensor.requires_grad = data, None, requires_grad
        tensor._ctx, tensor._output_index = None, 0
        return tensor

    # -- what it is -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return tuple(self.data.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def dim(self) -> int:
        return self.data.ndim

    def size(self, dim: int | None = None):
        """The shape (as PyTorch's .size()), or the length of one dimension."""
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    @property
    def backend(self) -> str:
        """'numpy' or 'cupy'."""
        return backend.backend_of(self.data)

    @property
    def device(self) -> str:
        """'cpu' or 'cuda', PyTorch's names for the two backends."""
        return "cpu" if self.backend == "numpy" else "cuda"

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
        return backend.to_backend(self.data, "numpy")

    def item(self):
        """The single number in a one-element tensor, as a Python float/int/bool."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.reshape(()).item()

    def tolist(self):
        return self.numpy().tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.item())

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    # -- graph bookkeeping ------------------------------------------------------------------
    def detach(self) -> Tensor:
        """The same data, cut off from the graph (never requires grad)."""
        return Tensor(self.data)

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

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        self.data[...] = 0
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's .grad.

        `gradient` is d(loss)/d(self); it may be left out only when self has one element.
        """
        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    # -- moving between backends and dtypes ---------------------------------------------------
    def to(self, target) -> Tensor:
        """A copy on another backend ('numpy'/'cpu', 'cupy'/'cuda') or with another dtype."""
        if isinstance(target, str):
            name = backend.normalize_backend(target)
            if name == self.backend:
                return self
            return ops.to_backend(self, name)
        return ops.astype(self, target)

    def cpu(self) -> Tensor:
        return self.to("numpy")

    def cuda(self) -> Tensor:
        return self.to("cupy")

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def astype(self, dtype) -> Tensor:
        return ops.astype(self, dtype)

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

    def __setitem__(self, index, value):
        if self.requires_grad and is_grad_enabled():
            raise RuntimeError(
                "in-place assignment to a tensor that requires grad would corrupt its gradient; "
                "do it under mg.no_grad() or on .data"
            )
        self.data[ops.raw_index(index)] = value.data if isinstance(value, Tensor) else value

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

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return ops.sum(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return ops.mean(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def var(self, dim=None, keepdim=False, *, unbiased=True, axis=None, keepdims=None):
        return ops.var(self, dim, keepdim, unbiased=unbiased, axis=axis, keepdims=keepdims)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return ops.amax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return ops.amin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return ops.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return ops.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmax(self, dim=None, keepdim=False):
        return ops.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return ops.argmin(self, dim, keepdim)

    def all(self):
        return bool(self.data.all())

    def any(self):
        return bool(self.data.any())

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

    expand = broadcast_to

    def sum_to(self, shape):
        return ops.sum_to(self, shape)


# ----------------------------------------------------------------------------- Function and Context


class Context:
    """What a Function's forward leaves for its backward; also the node of the graph.

    ``ctx.save_for_backward(*arrays)`` keeps arrays for backward; ``ctx.saved_tensors`` gives them
    back as Tensors. An input array comes back as the input Tensor itself and an output array as a
    Tensor that points back to this node, so that a backward written with them can be differentiated
    again; other arrays come back as constant Tensors, and Python numbers unchanged. Anything else
    (``ctx.stride = 2``) can be stored as a plain attribute.
    """

    def __init__(self, function, inputs, needs_input_grad):
        self.function = function
        self.inputs = inputs  # one entry per positional argument: a Tensor, or None
        self.needs_input_grad = needs_input_grad  # one bool per positional argument
        self._saved = ()  # after forward: (kind, value) pairs, kind in input/output/constant
        self._freed = False
        self._outputs = ()  # (shape, dtype) of each output, for zero gradients
        self._retained = {}  # output index -> Tensor whose .grad is kept (retain_grad)

    @property
    def name(self) -> str:
        return self.function.__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def save_for_backward(self, *arrays) -> None:
        self._saved = arrays

    def _record(self, input_arrays, results, outputs) -> None:
        """After forward: link the outputs to this node and sort out what forward saved.

        results: what forward returned (NumPy may return a scalar for a 0-d result, which the
        output Tensor holds as an array; a saved result is matched by identity with `results`).
        """
        self._outputs = tuple([(out.data.shape, out.data.dtype) for out in outputs])
        for index, out in enumerate(outputs):
            out._ctx, out._output_index = self, index
        if self._saved:
            self._resolve_saved(input_arrays, results, [out.data for out in outputs])

    def _resolve_saved(self, input_arrays, results, output_arrays) -> None:
        """Remember each saved array as an input, an output, or a constant."""
        resolved = []
        for array in self._saved:
            kind, value = "constant", array
            for i, candidate in enumerate(input_arrays):
                if array is candidate and self.inputs[i] is not None:
                    kind, value = "input", i
                    break
            else:
                for j, candidate in enumerate(results):
                    if array is candidate:
                        kind, value = "output", (j, output_arrays[j])
                        break
            resolved.append((kind, value))
        self._saved = tuple(resolved)

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(
                f"Trying to backward through the graph a second time ({self.name} has already "
                "freed what its forward saved). Pass retain_graph=True to the first backward() "
                "if you need to backward twice."
            )
        tensors = []
        for kind, value in self._saved:
            if kind == "input":
                tensors.append(self.inputs[value])
            elif kind == "output":
                index, array = value
                out = Tensor._wrap(array, True)
                out._ctx, out._output_index = self, index
                tensors.append(out)
            elif hasattr(value, "shape") and not isinstance(value, np.generic):
                tensors.append(Tensor._wrap(value))
            else:  # None, or a Python number: given back unchanged
                tensors.append(value)
        return tuple(tensors)

    def retain_output_grad(self, tensor: Tensor) -> None:
        self._retained[tensor._output_index] = tensor

    def _free(self) -> None:
        self._saved = ()
        self._freed = True


class Function:
    """Base class of every differentiable operation.

    Subclasses define two static methods::

        @staticmethod
        def forward(ctx, *arrays, **options):   # raw NumPy/CuPy arrays in, array(s) out
        @staticmethod
        def backward(ctx, *grads):              # one Tensor per output in, one grad per input out

    and are called as ``MyOp.apply(x, y, option=...)``. Positional Tensors are the inputs that can
    receive gradients; backward returns one value per positional argument (None where there is no
    gradient, e.g. for a non-Tensor argument).
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        inputs = tuple([a if isinstance(a, Tensor) else None for a in args])
        arrays = [a.data if isinstance(a, Tensor) else a for a in args]
        needs_grad = tuple([t is not None and t.requires_grad for t in inputs])
        if backend.cupy_loaded():  # with CuPy never imported, every array is a NumPy array
            _check_same_backend(cls.__name__, inputs)

        ctx = Context(cls, inputs, needs_grad)
        result = cls.forward(ctx, *arrays, **kwargs)
        record = True in needs_grad and is_grad_enabled()

        if not isinstance(result, tuple):  # the usual case: one output
            out = _ensure_array(result)
            output = Tensor._wrap(out, record and out.dtype.kind in "fc")
            if record:
                ctx._record(arrays, (result,), (output,))
            return output
        outputs = tuple([Tensor._wrap(_ensure_array(a), record) for a in result])
        if record:
            ctx._record(arrays, result, outputs)
        return outputs


def _ensure_array(value):
    """Reductions in NumPy return scalars (np.float32(3.0)); every Tensor holds a real array."""
    if type(value) is np.ndarray:
        return value
    if isinstance(value, (np.generic, int, float, bool)):
        return np.asarray(value)
    return value


def _check_same_backend(op_name: str, inputs) -> None:
    """Mixing NumPy and CuPy tensors in one op is an error that names both."""
    names = {t.backend for t in inputs if t is not None}
    if len(names) > 1:
        described = ", ".join(f"input {i} on {t.backend}" for i, t in enumerate(inputs) if t is not None)
        raise RuntimeError(
            f"{op_name}: all tensors must be on the same backend, got {described}; "
            "move them with .to('numpy') or .to('cupy')"
        )


# ----------------------------------------------------------------------------- the graph walk


def _topological_order(roots):
    """Every node reachable from `roots`, each after all the nodes it consumes (post-order)."""
    order, visited = [], set()
    stack = [(node, False) for node in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for t in node.inputs:
            if t is not None and t._ctx is not None and id(t._ctx) not in visited:
                stack.append((t._ctx, False))
    return order


def _nodes_reaching(order, targets):
    """ids of the nodes (in post-order `order`) through which a target tensor can be reached."""
    reaching = set()
    for node in order:  # inputs come before consumers, so one pass suffices
        for t in node.inputs:
            if t is not None and (id(t) in targets or (t._ctx is not None and id(t._ctx) in reaching)):
                reaching.add(id(node))
                break
    return reaching


def _accumulate(current, new):
    return new if current is None else current + new


def _check_gradient(node, index, grad, tensor):
    """A backward must return a gradient with its input's shape; cast it to the input's dtype."""
    if not isinstance(grad, Tensor):
        grad = Tensor(backend.get_array_module(tensor.data).asarray(grad, dtype=tensor.dtype))
    if grad.data.shape != tensor.data.shape:
        raise RuntimeError(
            f"{node.function.__name__}.backward returned a gradient of shape {grad.shape} for "
            f"input {index}, which has shape {tensor.shape}"
        )
    if grad.dtype != tensor.dtype:
        grad = grad.astype(tensor.dtype)
    return grad


def _run_backward(roots, root_grads, targets, retain_graph, create_graph):
    """Propagate gradients from `roots` back through the graph.

    targets: None to accumulate into every leaf's .grad (Tensor.backward); otherwise a dict
    id(tensor) -> tensor of the tensors whose gradients are wanted (mg.grad), returned as a dict
    id(tensor) -> gradient Tensor (or None when the target was not reached).
    """
    captured = {} if targets is not None else None
    node_grads = {}  # id(node) -> [gradient Tensor or None per output]

    def deliver(tensor, grad):
        """Add `grad` to what `tensor` has received so far."""
        node = tensor._ctx
        if targets is not None and id(tensor) in targets:
            captured[id(tensor)] = _accumulate(captured.get(id(tensor)), grad)
        elif node is None and targets is None:
            _accumulate_leaf(tensor, grad, create_graph)
        if node is not None:
            slots = node_grads.get(id(node))
            if slots is None:
                slots = node_grads[id(node)] = [None] * len(node._outputs)
            slots[tensor._output_index] = _accumulate(slots[tensor._output_index], grad)

    order = _topological_order([t._ctx for t in roots if t._ctx is not None])
    reaching = _nodes_reaching(order, targets) if targets is not None else None

    with set_grad_enabled(create_graph):
        for root, grad in zip(roots, root_grads):
            deliver(root, grad)
        for node in reversed(order):  # every consumer of a node comes before the node itself
            slots = node_grads.pop(id(node), None)
            if slots is None:
                continue
            if node._retained:
                _keep_retained_grads(node, slots, create_graph)
            if reaching is not None and id(node) not in reaching:
                continue
            in_grads = node.function.backward(node, *_fill_missing(node, slots))
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            if len(in_grads) != len(node.inputs):
                raise RuntimeError(
                    f"{node.function.__name__}.backward returned {len(in_grads)} gradients, "
                    f"but forward took {len(node.inputs)} positional arguments"
                )
            if not retain_graph:
                node._free()
            for index, (tensor, grad) in enumerate(zip(node.inputs, in_grads)):
                if grad is not None and tensor is not None and tensor.requires_grad:
                    deliver(tensor, _check_gradient(node, index, grad, tensor))
    return captured


def _fill_missing(node, slots) -> list:
    """Outputs that received no gradient (unused outputs) get zeros."""
    if len(slots) == 1:  # one output: it has received a gradient, or the node would not run
        return slots
    missing = [i for i, g in enumerate(slots) if g is None]
    if missing:
        xp = backend.get_array_module(next(g.data for g in slots if g is not None))
        for i in missing:
            shape, dtype = node._outputs[i]
            slots[i] = Tensor._wrap(xp.zeros(shape, dtype=dtype))
    return slots


def _keep_retained_grads(node, slots, create_graph) -> None:
    """Store the gradient of outputs on which retain_grad() was called."""
    for index, tensor in node._retained.items():
        if slots[index] is not None:
            g = slots[index] if create_graph else slots[index].detach()
            tensor.grad = _accumulate(tensor.grad, g)


def _accumulate_leaf(leaf: Tensor, grad: Tensor, create_graph: bool) -> None:
    """leaf.grad += grad. The first gradient is copied, so that no two leaves share one array."""
    if not create_graph:
        grad = grad.detach()
    if leaf.grad is None:
        leaf.grad = grad if create_graph else Tensor(grad.data.copy())
    else:
        leaf.grad = leaf.grad + grad


def _root_gradient(output: Tensor, gradient, what: str) -> Tensor:
    """The starting gradient d(loss)/d(output): given, or 1 for a one-element output."""
    if gradient is None:
        if output.data.size != 1:
            raise RuntimeError(
                f"{what} can create the gradient implicitly only for a one-element output, got "
                f"shape {output.shape}; pass a gradient of that shape"
            )
        return Tensor(backend.get_array_module(output.data).ones_like(output.data))
    gradient = gradient if isinstance(gradient, Tensor) else Tensor(
        backend.get_array_module(output.data).asarray(gradient, dtype=output.dtype))
    if gradient.shape != output.shape:
        raise RuntimeError(
            f"{what}: gradient has shape {gradient.shape} but the output has shape {output.shape}"
        )
    return gradient


def backward(tensor: Tensor, gradient=None, retain_graph=None, create_graph: bool = False) -> None:
    """Accumulate d(tensor)/d(leaf) into .grad of every leaf that requires grad."""
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward() on a tensor that does not require grad: no input of its computation had "
            "requires_grad=True (or it was computed under mg.no_grad())"
        )
    root_grad = _root_gradient(tensor, gradient, "backward()")
    if tensor._ctx is None:  # backward on a leaf: its gradient is the root gradient itself
        _accumulate_leaf(tensor, root_grad, create_graph)
        return
    retain = create_graph if retain_graph is None else retain_graph
    _run_backward([tensor], [root_grad], None, retain, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool = False):
    """Gradients of `outputs` with respect to `inputs`, returned (not accumulated into .grad).

    only_inputs: accepted for old PyTorch code (deprecated there, and always True in effect).

    outputs, inputs: a Tensor or a sequence of Tensors. grad_outputs: d(loss)/d(output) for each
    output (may be left out for one-element outputs). With create_graph=True the returned gradients
    are themselves differentiable. Returns a tuple with one gradient per input.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"grad: output {i} does not require grad (it does not depend on any input)")
    root_grads = [_root_gradient(o, g, "grad()") for o, g in zip(outputs, grad_outputs)]
    retain = create_graph if retain_graph is None else retain_graph
    targets = {id(t): t for t in inputs}
    captured = _run_backward(outputs, root_grads, targets, retain, create_graph)
    results = []
    for i, t in enumerate(inputs):
        g = captured.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} was not used to compute the outputs; pass allow_unused=True to "
                "get None for it"
            )
        results.append(g if g is None or create_graph else g.detach())
    return tuple(results)


from minigan import ops  # noqa: E402  (the ops are built from Tensor and Function above)
