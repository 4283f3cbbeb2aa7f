"""Reverse-mode automatic differentiation: the graph walk, then the nodes it walks over.

Every differentiable operation is a `Function` with two static methods, as in torch.autograd:
``forward(ctx, *arrays)`` works on raw arrays and returns the result array(s); ``backward(ctx,
*grads)`` receives one gradient Tensor per output and returns one gradient per input, computed with
Tensor operations. `Function.apply` runs forward and, when an input requires a gradient, records a
`Context`: the node of the graph, holding the inputs and what forward saved. Read top to bottom:

    1. the walk        topological order, then the chain rule, node by node: the whole algorithm
    2. its extensions  what backward() and mg.grad() add to it: starting gradients, leaves'
                       .grad, retain_grad, create_graph, retain_graph, checks of what a backward
                       returns
    3. the nodes       Context (the saved-tensor record and its version checks) and Function

Because backward uses Tensor operations, with ``create_graph=True`` the walk records a graph of its
own, and walking that gives second derivatives (WGAN-GP's penalty). minigan/tensor.py holds the
Tensor, the user's side of the same story; minigan/grad_mode.py holds no_grad & co.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from minigan import backend
from minigan.fast_paths import _state as _fast_paths
from minigan.grad_mode import (  # noqa: F401  (re-exported: mg.autograd.no_grad & co)
    _GradMode, enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled,
)
from minigan.tensor import Tensor, check_same_backend, ensure_array, may_share_memory

# ----------------------------------------------------------------------------- 1. the walk


def topological_order(outputs) -> list:
    """The nodes that computed `outputs` (a Tensor or a list of them), each after every node whose
    result it uses (post-order of a depth-first search). Walked backwards, every node comes after
    all of its consumers, so it has received all of its gradients when its turn comes."""
    outputs = [outputs] if isinstance(outputs, Tensor) else outputs
    order, visited = [], set()
    stack = [(t._ctx, False) for t in outputs if t._ctx is not None]  # _ctx: grad_fn's attribute
    while stack:
        node, expanded = stack.pop()
        if expanded:  # all of its inputs' nodes are in `order` already
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack += [(t._ctx, False) for t in node.inputs
                      if t is not None and t._ctx is not None and t._ctx not in visited]
    return order


def walk(outputs, output_grads, receive, create_graph=False, retain_graph=False, needed=None,
         wanted=frozenset()):
    """The chain rule, node by node, from `outputs` back to the leaves.

    output_grads: d(loss)/d(output), one per output. Every tensor that requires grad and lies on a
    path from a leaf to an output gets its gradient(s) through ``receive(tensor, gradient)``
    (called once per path; the caller adds them up). The extensions of section 2 are marked.
    """
    pending = {}  # node -> the gradient of each of its outputs, summed so far

    def send(tensor, grad):
        receive(tensor, grad)
        node = tensor._ctx  # tensor.grad_fn
        if node is not None:  # a computed tensor: its node passes the gradient on
            slots = pending.get(node)
            if slots is None:
                slots = pending[node] = [None] * len(node._outputs)
            slots[tensor._output_index] = _add(slots[tensor._output_index], grad, create_graph)

    with _GradMode(create_graph):  # create_graph: the walk itself is recorded
        for output, grad in zip(outputs, output_grads):
            send(output, grad)
        for node in reversed(topological_order(outputs)):
            grads = pending.pop(node, None)
            if grads is None:
                continue  # no gradient reached this node
            if node._retained:
                _keep_retained_grads(node, grads, create_graph)  # retain_grad()
            if needed is not None and node not in needed:
                continue  # mg.grad: nothing it asks for lies behind this node
            if needed is not None:  # mg.grad: only the inputs that lead to what it asks for
                input_grads = _call_backward_for(node, grads, create_graph, needed, wanted)
            else:
                input_grads = _call_backward(node, grads, create_graph)  # the chain rule at a node
            if not retain_graph:
                node._free()
            for index, (tensor, grad) in enumerate(zip(node.inputs, input_grads)):
                if grad is not None and tensor is not None and tensor.requires_grad:
                    send(tensor, _check_gradient(node, index, grad, tensor))


def _add(current, new, create_graph=True):
    """current + new, where current may be None (nothing received yet).

    speed: outside a recorded backward, two gradients of one dtype are added as raw arrays (the
    same NumPy add as Add's forward) without an op call."""
    if current is None:
        return new
    if create_graph or current.array.dtype != new.array.dtype:
        return current + new
    return Tensor._wrap(ensure_array(current.array + new.array))


# ----------------------------------------------------------------------------- 2. its extensions


def backward(tensor: Tensor, gradient=None, retain_graph=None, create_graph: bool = False) -> None:
    """Accumulate d(tensor)/d(leaf) into .grad of every leaf that requires grad."""
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward() on a tensor that does not require grad: no input of its computation had "
            "requires_grad=True (or it was computed under mg.no_grad())"
        )

    def receive(t, g):  # leaves keep what they receive; computed tensors pass it on
        if t._ctx is None:
            _accumulate_leaf(t, g, create_graph)

    retain = create_graph if retain_graph is None else retain_graph
    walk([tensor], [_root_gradient(tensor, gradient, "backward()")], receive, create_graph, retain)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool = False):
    """Gradients of `outputs` with respect to `inputs`, returned (not accumulated into .grad).

    outputs, inputs: a Tensor or a sequence of Tensors. grad_outputs: d(loss)/d(output) for each
    output (may be left out for one-element outputs). With create_graph=True the returned gradients
    are themselves differentiable. Returns one gradient per input (only_inputs: old code's,
    ignored).
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
        raise RuntimeError(f"grad: output {i} does not require grad (it does not depend on any "
                           f"input)")
    root_grads = [_root_gradient(o, g, "grad()") for o, g in zip(outputs, grad_outputs)]
    wanted = {id(t) for t in inputs}
    captured = {}  # id(input) -> its gradient, summed over paths

    def receive(t, g):
        if id(t) in wanted:
            captured[id(t)] = _add(captured.get(id(t)), g, create_graph)

    retain = create_graph if retain_graph is None else retain_graph
    needed = _nodes_reaching(topological_order(outputs), wanted)
    walk(outputs, root_grads, receive, create_graph, retain, needed, wanted)
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


def _nodes_reaching(order, wanted) -> set:
    """The nodes (of post-order `order`) behind which a tensor whose id is in `wanted` lies: the
    only ones mg.grad needs to run."""
    reaching = set()
    for node in order:  # inputs come before consumers, so one pass suffices
        if any(t is not None and (id(t) in wanted or t._ctx in reaching) for t in node.inputs):
            reaching.add(node)
    return reaching


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
            f"{what}: gradient has shape {tuple(gradient.shape)} but the output has shape "
            f"{tuple(output.shape)}"
        )
    return gradient


def _accumulate_leaf(leaf: Tensor, grad: Tensor, create_graph: bool) -> None:
    """leaf.grad += grad. The first gradient is copied, so that no two leaves share one array."""
    if not create_graph:
        grad = grad.detach()
    if leaf.grad is None:
        leaf.grad = grad if create_graph else Tensor(grad.array.copy())
    else:
        leaf.grad = _add(leaf.grad, grad, create_graph)


def _keep_retained_grads(node, grads, create_graph) -> None:
    """Store the gradient of outputs on which retain_grad() was called."""
    for index, tensor in node._retained.items():
        if grads[index] is not None:
            g = grads[index] if create_graph else grads[index].detach()
            tensor.grad = _add(tensor.grad, g, create_graph)


def _call_backward(node, grads, create_graph) -> tuple:
    """One node's backward on the gradients of its outputs: the reference backward, or the
    Function's fast_backward when its forward ran with the fast paths on (minigan/fast_paths.py).
    Outputs that received no gradient get zeros; the walk checks each gradient it passes on
    (_check_gradient)."""
    if len(grads) > 1 and any(g is None for g in grads):
        xp = backend.get_array_module(next(g.array for g in grads if g is not None))
        grads = [g if g is not None else Tensor._wrap(xp.zeros(*node._outputs[i]))
                 for i, g in enumerate(grads)]
    function = node.function
    node.create_graph = create_graph
    if node.fast and function.fast_backward is not None:
        in_grads = function.fast_backward(node, *grads)
    else:
        in_grads = function.backward(node, *grads)
    if not isinstance(in_grads, tuple):
        in_grads = (in_grads,)
    if len(in_grads) != len(node.inputs):
        raise RuntimeError(f"{function.__name__}.backward returned {len(in_grads)} gradients, but "
                           f"forward took {len(node.inputs)} positional arguments")
    return in_grads


def _call_backward_for(node, grads, create_graph, needed, wanted) -> tuple:
    """_call_backward as mg.grad needs it: ctx.needs_input_grad narrowed, for this call, to the
    inputs behind which a wanted tensor lies (as PyTorch's autograd.grad computes no other edge: a
    gradient penalty's backward then skips every weight gradient)."""
    flags = node.needs_input_grad
    node.needs_input_grad = tuple([flag and t is not None and (id(t) in wanted or t._ctx in needed)
                                   for flag, t in zip(flags, node.inputs)])
    try:
        return _call_backward(node, grads, create_graph)
    finally:
        node.needs_input_grad = flags  # a retained graph's next backward() needs them all


def _check_gradient(node, index, grad, tensor):
    """A backward must return a gradient with its input's shape; cast it to the input's dtype. A
    raw array or number (as backward_on_arrays returns) becomes a Tensor here."""
    if not isinstance(grad, Tensor):
        xp = backend.get_array_module(tensor.array)
        grad = Tensor._wrap(xp.asarray(grad, dtype=tensor.array.dtype))
    if grad.array.shape != tensor.array.shape:
        raise RuntimeError(
            f"{node.function.__name__}.backward returned a gradient of shape "
            f"{tuple(grad.shape)} for input {index}, which has shape {tuple(tensor.shape)}"
        )
    return grad if grad.array.dtype == tensor.array.dtype else grad.astype(tensor.array.dtype)


# ----------------------------------------------------------------------------- 3. the nodes
# What forward saves comes back in backward as one of four cases. ctx.save_for_backward tells them
# apart by object identity: the rule a student must learn is "save an input or an output, not a new
# array" (only those two stay connected to the graph for create_graph=True).


class SavedInput:
    """The very array forward received for Tensor input `index`: comes back as that input Tensor.
    Kept as (SavedInput, index, version counter, its value when forward saved it)."""

    @staticmethod
    def unpack(ctx, index, counter, version):
        tensor = ctx.inputs[index]
        if counter.version != version:
            counter.raise_modified(f"input {index} of {ctx.name}", tuple(tensor.shape), version)
        return tensor

    @staticmethod
    def array(ctx, index, counter, version):  # for saved_arrays
        return SavedInput.unpack(ctx, index, counter, version).array


class SavedOutput:
    """The very array forward returned as output `index`: comes back as an output Tensor linked to
    this node, so a create_graph backward differentiates through it. Kept as (SavedOutput, index,
    the array, version counter, its value when saved)."""

    @staticmethod
    def unpack(ctx, index, array, counter, version):
        out = Tensor._wrap(SavedOutput.array(ctx, index, array, counter, version), True)
        out._ctx, out._output_index, out._version_counter = ctx, index, counter
        return out

    @staticmethod
    def array(ctx, index, array, counter, version):  # for saved_arrays
        if counter.version != version:
            counter.raise_modified(f"output {index} of {ctx.name}", tuple(array.shape), version)
        return array


class SavedGiven:
    """The very value passed to apply() for a non-Tensor argument: a constant by the caller's
    choice (comes back as a Tensor if it is an array, unchanged otherwise; never warns). Kept as
    (SavedGiven, the value)."""

    @staticmethod
    def unpack(ctx, value):
        return _as_tensor_if_array(value)

    @staticmethod
    def array(ctx, value):  # for saved_arrays
        return value


class SavedConstant:
    """Any other array (a view or a function of an input: ``a.T``, ``a > 0``, ``a * 1``): a
    constant, invisible to create_graph; a recorded backward warns (SavedConstantWarning) when it
    meets one. Numbers and None come back unchanged. Kept as (SavedConstant, the value)."""

    @staticmethod
    def unpack(ctx, value):
        if is_grad_enabled() and _is_array(value):
            warnings.warn(SavedConstantWarning(
                f"{ctx.function.__name__}.forward saved an array that is neither its input nor its "
                "output: create_graph=True cannot see through it, so second derivatives may be "
                "wrong. Save the input or the output and recompute in backward (keep a true "
                "constant as a ctx attribute)"), stacklevel=4)
        return _as_tensor_if_array(value)

    @staticmethod
    def array(ctx, value):  # for saved_arrays, which no recorded backward uses: no warning
        return value


def _is_array(value) -> bool:
    return hasattr(value, "shape") and not isinstance(value, np.generic)


def _as_tensor_if_array(value):
    return Tensor._wrap(value) if _is_array(value) else value


class SavedConstantWarning(UserWarning):
    """A create_graph backward met a saved array that is neither the Function's input nor output."""


class Context:
    """What a Function's forward leaves for its backward; also the node of the graph.

    ``ctx.save_for_backward(*arrays)`` in forward; ``ctx.saved_tensors`` in backward gives each back
    as one of the four Saved* cases above. A saved input or output changed in place after forward
    (its version counter moved) makes saved_tensors raise, as in PyTorch. ``ctx.needs_input_grad``
    says which inputs want a gradient; ``ctx.create_graph`` (set by the walk before backward)
    whether this backward is being recorded. Anything else a backward needs is kept as an attribute
    (``ctx.mask = a > 0``).
    """

    create_graph = False  # set by the walk before backward: whether this backward is recorded
    fast = False  # set by apply: whether forward ran with the fast paths on (fast_paths.py)
    # speed: what most nodes keep as it is starts as a class attribute (each set costs time)
    _saved = ()  # what forward saved: arrays, then one Saved* record each
    _freed = False
    _outputs = (None,)  # one entry per output; with several, each (shape, dtype), for zeros
    _retained = None  # output index -> Tensor whose .grad is kept (retain_grad), made on first need

    def __init__(self, function, inputs, needs_input_grad):
        self.function = function
        self.inputs = inputs  # one entry per positional argument: a Tensor, or None
        self.needs_input_grad = needs_input_grad  # one bool per positional argument

    @property
    def name(self) -> str:
        return self.function.__name__ + "Backward0"  # PyTorch's node names: MulBackward0

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def save_for_backward(self, *arrays) -> None:
        self._saved = arrays

    def _record(self, input_arrays, results, outputs) -> None:
        """After forward: link the outputs to this node and sort what forward saved into the four
        cases (a saved output is matched with `results`, what forward returned: maybe a scalar)."""
        for index, out in enumerate(outputs):
            out._ctx, out._output_index = self, index
        if len(outputs) > 1:  # (a zero gradient is made only for one of several outputs)
            self._outputs = tuple([(out.array.shape, out.array.dtype) for out in outputs])
        if self._saved:
            self._saved = tuple([self._classify(a, input_arrays, results, outputs)
                                 for a in self._saved])

    def _classify(self, array, input_arrays, results, outputs) -> tuple:
        """(the case, its fields) of one saved array: matched by identity with the inputs, then
        with what forward returned."""
        if array is None or type(array) in (int, float):  # (NumPy scalars may be an output)
            return SavedConstant, array  # speed: None or a number comes back as it is: no search
        for i, candidate in enumerate(input_arrays):
            if array is candidate:
                tensor = self.inputs[i]
                if tensor is None:
                    return SavedGiven, array
                return (SavedInput, i) + tensor._counter().stamp()
        for j, candidate in enumerate(results):
            if array is candidate:
                return (SavedOutput, j, outputs[j].array) + outputs[j]._counter().stamp()
        return SavedConstant, array

    @property
    def saved_tensors(self) -> tuple:
        self._check_not_freed()
        return tuple([case.unpack(self, *fields) for case, *fields in self._saved])

    @property
    def saved_arrays(self) -> tuple:
        """What saved_tensors gives, as raw arrays (numbers and None as they are), with the same
        checks: for a backward written on raw arrays (backward_on_arrays)."""
        self._check_not_freed()
        return tuple([case.array(self, *fields) for case, *fields in self._saved])

    def _check_not_freed(self) -> None:
        if self._freed:
            raise RuntimeError(f"Trying to backward through the graph a second time ({self.name} "
                               "has already freed what its forward saved). Pass retain_graph=True "
                               "to the first backward() if you need to backward twice.")

    def retain_output_grad(self, tensor: Tensor) -> None:
        if self._retained is None:
            self._retained = {}
        self._retained[tensor._output_index] = tensor

    def _free(self) -> None:
        self._saved = ()
        self._freed = True


class Function:
    """Base class of every differentiable operation: subclasses define the static methods
    forward(ctx, *arrays, **options) (raw arrays in, array(s) out) and backward(ctx, *grads) (one
    Tensor per output in; one gradient per positional argument out, None where there is none) and
    are called as ``MyOp.apply(x, y, option=...)``; positional Tensors can receive gradients.

    An op may also define fast_forward and fast_backward, its faster paths (minigan/fast_paths.py
    says when they run instead of forward and backward).
    """

    output_is_view = False  # True where the output may be a view of input 0 (reshape, permute, ...)
    fast_forward = None  # optional faster forward (same signature)
    fast_backward = None  # optional faster backward (same signature)

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
        ctx.fast = fast = _fast_paths["enabled"]
        forward = cls.fast_forward if fast and cls.fast_forward is not None else cls.forward
        result = forward(ctx, *arrays, **kwargs)
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


def backward_on_arrays(array_backward):
    """A Function's fast_backward made from `array_backward(ctx, *grads)`: its backward's formula
    written on raw arrays (grads and ``ctx.saved_arrays`` are arrays; it returns one array, or None,
    per input: the walk makes Tensors of them), the same NumPy operations in the same order, so
    the same numbers bit for bit.

    speed: a backward in Tensor ops pays for an op call and a graph node per operation (~3 us each
    under no_grad, against ~0.6 us for NumPy's own multiply of an (8, 8) array), and for a small
    array that is most of its time; measured in benchmarks/NOTES.md ("Round five"). A recorded
    backward (create_graph=True) runs the reference backward instead: only Tensor ops can be
    differentiated again.

        @backward_on_arrays
        def fast_backward(ctx, grad):
            (y,) = ctx.saved_arrays
            return grad * (1 - y * y)
    """
    @functools.wraps(array_backward)  # (its __wrapped__ is array_backward)
    def fast_backward(ctx, *grads):
        if ctx.create_graph:
            return ctx.function.backward(ctx, *grads)
        return array_backward(ctx, *[g.array for g in grads])  # the walk wraps what it passes on

    return staticmethod(fast_backward)


def __getattr__(name):
    """``from minigan.autograd import Variable``: the old wrapper, kept in
    minigan/compat/legacy.py."""
    if name == "Variable":
        from minigan.compat.legacy import Variable

        return Variable
    raise AttributeError(f"module 'minigan.autograd' has no attribute {name!r}")
