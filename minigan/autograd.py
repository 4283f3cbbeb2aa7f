"""Reverse-mode automatic differentiation: grad mode, the graph walk, Function and Context.

Read top to bottom: grad mode, how backward() walks the graph, then the two classes it walks over
(minigan/tensor.py holds the Tensor, the user's side of the same story). Every differentiable operation is a `Function` with two static methods, as in torch.autograd:
``forward(ctx, *arrays)`` works on raw arrays and returns the result array(s); ``backward(ctx,
*grads)`` receives one gradient Tensor per output and returns one gradient per input, computed with
Tensor operations. `Function.apply` runs forward and, when an input requires a gradient, records a
`Context`: the node of the graph, holding the inputs and what forward saved. The walk goes from the
output back to the leaves. Because backward uses Tensor operations, with ``create_graph=True`` the
walk records a graph of its own, and walking that gives second derivatives (WGAN-GP's penalty).
"""

from __future__ import annotations

import functools
import threading
import warnings

import numpy as np

from minigan import backend
from minigan.tensor import Tensor, check_same_backend, ensure_array, may_share_memory

# ----------------------------------------------------------------------------- grad mode

_grad_mode = threading.local()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for differentiation."""
    return getattr(_grad_mode, "enabled", True)


class _GradMode:
    """Context manager and decorator that turns graph recording on or off (and restores it)."""

    def __init__(self, enabled: bool):
        self.enabled = bool(enabled)
        self._previous = []  # a stack: the same object may be entered again while in use

    def __enter__(self):
        self._previous.append(is_grad_enabled())
        _grad_mode.enabled = self.enabled

    def __exit__(self, *exc):
        _grad_mode.enabled = self._previous.pop()

    def __call__(self, func):
        """As a decorator: every call of func runs in this mode."""
        enabled = self.enabled

        @functools.wraps(func)
        def in_mode(*args, **kwargs):
            with _GradMode(enabled):
                return func(*args, **kwargs)
        return in_mode


def no_grad(func=None):
    """``with mg.no_grad(): ...`` computes without recording a graph (evaluation, sampling); also a
    decorator, with or without the parentheses (``@mg.no_grad()``, ``@mg.no_grad``)."""
    return _GradMode(False) if func is None else _GradMode(False)(func)


def enable_grad(func=None):
    """``with mg.enable_grad(): ...`` records a graph even inside no_grad(); also a decorator."""
    return _GradMode(True) if func is None else _GradMode(True)(func)


def inference_mode(mode=True):
    """torch.inference_mode: here the same as no_grad() (``mode=False`` records as usual); also a
    decorator, with or without the parentheses."""
    if callable(mode):
        return _GradMode(False)(mode)
    return _GradMode(not mode)


class set_grad_enabled(_GradMode):
    """``mg.set_grad_enabled(flag)`` turns recording on or off at once, as in PyTorch; used as
    ``with mg.set_grad_enabled(flag): ...`` the previous mode comes back at the end of the block,
    and as a decorator (``@mg.set_grad_enabled(False)``) it applies to each call of the function."""

    def __init__(self, mode: bool):
        super().__init__(mode)
        self._before = is_grad_enabled()
        _grad_mode.enabled = self.enabled

    def __enter__(self):
        self._previous.append(self._before)
        _grad_mode.enabled = self.enabled

    def __call__(self, func):
        _grad_mode.enabled = self._before  # decorating is not a call: leave the mode as it was
        return super().__call__(func)

    def __repr__(self) -> str:
        return f"minigan.autograd.set_grad_enabled(mode={self.enabled})"


# ----------------------------------------------------------------------------- the graph walk


def backward(tensor: Tensor, gradient=None, retain_graph=None, create_graph: bool = False) -> None:
    """Accumulate d(tensor)/d(leaf) into .grad of every leaf that requires grad."""
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward() on a tensor that does not require grad: no input of its computation had "
            "requires_grad=True (or it was computed under mg.no_grad())"
        )
    root_grad = _root_gradient(tensor, gradient, "backward()")
    retain = create_graph if retain_graph is None else retain_graph
    _run_backward([tensor], [root_grad], None, retain, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool = False):
    """Gradients of `outputs` with respect to `inputs`, returned (not accumulated into .grad).

    outputs, inputs: a Tensor or a sequence of Tensors. grad_outputs: d(loss)/d(output) for each
    output (may be left out for one-element outputs). With create_graph=True the returned gradients
    are themselves differentiable. Returns one gradient per input (only_inputs: old code's, ignored).
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for i in [i for i, t in enumerate(inputs) if not isinstance(t, Tensor) or not t.requires_grad]:
        raise RuntimeError(f"grad: input {i} does not require grad")
    for i in [i for i, out in enumerate(outputs) if not out.requires_grad]:
        raise RuntimeError(f"grad: output {i} does not require grad (it does not depend on any input)")
    root_grads = [_root_gradient(o, g, "grad()") for o, g in zip(outputs, grad_outputs)]
    retain = create_graph if retain_graph is None else retain_graph
    captured = _run_backward(outputs, root_grads, {id(t): t for t in inputs}, retain, create_graph)
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


def _run_backward(roots, root_grads, targets, retain_graph, create_graph):
    """Propagate gradients from `roots` back through the graph. targets: None to accumulate into
    every leaf's .grad (Tensor.backward), or {id: tensor} of the tensors whose gradients mg.grad
    wants, returned as {id: gradient} (a target that was not reached is missing)."""
    captured = {} if targets is not None else None
    node_grads = {}  # id(node) -> [gradient Tensor or None per output]

    def deliver(tensor, grad):  # add `grad` to what `tensor` has received so far
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

    with _GradMode(create_graph):
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


def _accumulate_leaf(leaf: Tensor, grad: Tensor, create_graph: bool) -> None:
    """leaf.grad += grad. The first gradient is copied, so that no two leaves share one array."""
    if not create_graph:
        grad = grad.detach()
    if leaf.grad is None:
        leaf.grad = grad if create_graph else Tensor(grad.array.copy())
    else:
        leaf.grad = leaf.grad + grad


def _root_gradient(output: Tensor, gradient, what: str) -> Tensor:
    """The starting gradient d(loss)/d(output): given, or 1 for a one-element output."""
    xp = backend.get_array_module(output.array)
    if gradient is None:
        if output.array.size != 1:
            raise RuntimeError(
                f"{what} can create the gradient implicitly only for a one-element output, got "
                f"shape {tuple(output.shape)}; pass a gradient of that shape"
            )
        return Tensor(xp.ones_like(output.array))
    if not isinstance(gradient, Tensor):
        gradient = Tensor(xp.asarray(gradient, dtype=output.array.dtype))
    if gradient.shape != output.shape:
        raise RuntimeError(
            f"{what}: gradient has shape {tuple(gradient.shape)} but the output has shape {tuple(output.shape)}"
        )
    return gradient


def _check_gradient(node, index, grad, tensor):
    """A backward must return a gradient with its input's shape; cast it to the input's dtype."""
    if not isinstance(grad, Tensor):
        grad = Tensor(backend.get_array_module(tensor.array).asarray(grad, dtype=tensor.array.dtype))
    if grad.array.shape != tensor.array.shape:
        raise RuntimeError(
            f"{node.function.__name__}.backward returned a gradient of shape {tuple(grad.shape)} for "
            f"input {index}, which has shape {tuple(tensor.shape)}"
        )
    return grad if grad.array.dtype == tensor.array.dtype else grad.astype(tensor.array.dtype)


def _fill_missing(node, slots) -> list:
    """Outputs that received no gradient (unused outputs) get zeros."""
    if len(slots) == 1:  # one output: it has received a gradient, or the node would not run
        return slots
    missing = [i for i, g in enumerate(slots) if g is None]
    if missing:
        xp = backend.get_array_module(next(g.array for g in slots if g is not None))
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


# ----------------------------------------------------------------------------- Context and Function


class SavedConstantWarning(UserWarning):
    """A create_graph backward met a saved array that is neither the Function's input nor output."""


class Context:
    """What a Function's forward leaves for its backward; also the node of the graph.

    The save rule: ``ctx.save_for_backward(*arrays)`` tells arrays apart **by object identity**.
    ``ctx.saved_tensors`` gives back the very array forward received as that input Tensor, and the
    very array it returned as an output Tensor pointing at this node: graph tensors, which a
    create_graph backward differentiates through. Any other array (a view or a function of an
    input: ``a.T``, ``a > 0``) comes back as a constant, invisible to create_graph, and warns
    (SavedConstantWarning) there: save the input or output and recompute, or keep a true constant
    as an attribute (``ctx.mask = a > 0``). Non-Tensor arguments of apply() are constants and never
    warn; numbers and None come back unchanged. A saved input or output changed in place after
    forward (its version counter moved) makes saved_tensors raise, as in PyTorch.
    """

    def __init__(self, function, inputs, needs_input_grad):
        self.function = function
        self.inputs = inputs  # one entry per positional argument: a Tensor, or None
        self.needs_input_grad = needs_input_grad  # one bool per positional argument
        self._saved = ()  # after forward: (kind, value, version counter, version) per saved item
        self._freed = False
        self._outputs = ()  # (shape, dtype) of each output, for zero gradients
        self._retained = {}  # output index -> Tensor whose .grad is kept (retain_grad)

    @property
    def name(self) -> str:
        return self.function.__name__ + "Backward0"  # PyTorch's node names: MulBackward0

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def save_for_backward(self, *arrays) -> None:
        self._saved = arrays

    def _record(self, input_arrays, results, outputs) -> None:
        """After forward: link the outputs to this node and sort out what forward saved (a saved
        output is matched with `results`, what forward returned: maybe a NumPy scalar)."""
        self._outputs = tuple([(out.array.shape, out.array.dtype) for out in outputs])
        for index, out in enumerate(outputs):
            out._ctx, out._output_index = self, index
        if not self._saved:
            return
        resolved = []
        for array in self._saved:
            item = ("constant", array, None, 0)
            for i, candidate in enumerate(input_arrays):
                if array is candidate:
                    tensor = self.inputs[i]
                    item = ("given", array, None, 0) if tensor is None else ("input", i, *tensor._counter().stamp())
                    break
            else:
                for j, candidate in enumerate(results):
                    if array is candidate:
                        item = ("output", (j, outputs[j].array), *outputs[j]._counter().stamp())
                        break
            resolved.append(item)
        self._saved = tuple(resolved)

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(f"Trying to backward through the graph a second time ({self.name} has "
                               "already freed what its forward saved). Pass retain_graph=True to the "
                               "first backward() if you need to backward twice.")
        tensors = []
        for kind, value, counter, version in self._saved:
            if counter is not None and counter.version != version:
                index, shape = (value, self.inputs[value].shape) if kind == "input" else (value[0], value[1].shape)
                counter.raise_modified(f"{kind} {index} of {self.name}", tuple(shape), version)
            if kind == "input":
                tensors.append(self.inputs[value])
            elif kind == "output":
                out = Tensor._wrap(value[1], True)
                out._ctx, out._output_index, out._version_counter = self, value[0], counter
                tensors.append(out)
            elif hasattr(value, "shape") and not isinstance(value, np.generic):
                if kind == "constant" and is_grad_enabled():
                    warnings.warn(SavedConstantWarning(
                        f"{self.function.__name__}.forward saved an array that is neither its input "
                        "nor its output: create_graph=True cannot see through it, so second "
                        "derivatives may be wrong. Save the input or the output and recompute in "
                        "backward (keep a true constant as a ctx attribute)"), stacklevel=3)
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
    """Base class of every differentiable operation: subclasses define the static methods
    forward(ctx, *arrays, **options) (raw arrays in, array(s) out) and backward(ctx, *grads) (one
    Tensor per output in; one gradient per positional argument out, None where there is none) and
    are called as ``MyOp.apply(x, y, option=...)``; positional Tensors can receive gradients.
    """

    output_is_view = False  # True where the output may be a view of input 0 (reshape, permute, ...)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        inputs, arrays, needs_grad = [], [], []
        for a in args:  # speed: one plain loop, 2.5x faster than three comprehensions
            if isinstance(a, Tensor):
                inputs.append(a), arrays.append(a.array), needs_grad.append(a.requires_grad)
            else:
                inputs.append(None), arrays.append(a), needs_grad.append(False)
        if backend.cupy_loaded():  # with CuPy never imported, every array is a NumPy array
            check_same_backend(cls.__name__, inputs)

        ctx = Context(cls, inputs, tuple(needs_grad))
        result = cls.forward(ctx, *arrays, **kwargs)
        record = True in needs_grad and is_grad_enabled()

        if not isinstance(result, tuple):  # the usual case: one output
            out = ensure_array(result)
            output = Tensor._wrap(out, record and out.dtype.kind in "fc")
            if cls.output_is_view and inputs[0] is not None and may_share_memory(out, arrays[0]):
                output._version_counter = inputs[0]._counter()  # one array, one count (as PyTorch)
            if record:
                ctx._record(arrays, (result,), (output,))
            return output
        outputs = tuple([Tensor._wrap(ensure_array(a), record) for a in result])
        if record:
            ctx._record(arrays, result, outputs)
        return outputs
