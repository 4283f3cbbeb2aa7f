"""Arithmetic ops: + - * / neg, ** and the batched matrix product, plus dtype and backend moves.

Binary ops broadcast like NumPy; their backward sums each gradient back to its input's shape with
`sum_to`, the one place where broadcasting is undone.
"""

from __future__ import annotations

import numpy as np

from minigan import backend, dtypes
from minigan.autograd import Function, Tensor, backward_on_arrays
from minigan.backend import get_array_module
from minigan.ops._operands import _cast, as_tensors, operands
from minigan.ops.elementwise import where
from minigan.tensor import ensure_array
from minigan.ops.shape import broadcast_to, squeeze, sum_to, sum_to_array, unsqueeze


class Add(Function):
    """a + b; either operand may be a Python number (which gets no gradient)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = getattr(a, "shape", ()), getattr(b, "shape", ())
        return a + b

    @staticmethod
    def backward(ctx, grad):
        shape_a, shape_b = ctx.shapes
        grad_a = sum_to(grad, shape_a) if ctx.needs_input_grad[0] else None
        grad_b = sum_to(grad, shape_b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        shape_a, shape_b = ctx.shapes
        grad_a = sum_to_array(grad, shape_a) if ctx.needs_input_grad[0] else None
        grad_b = sum_to_array(grad, shape_b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Sub(Function):
    """a - b (not for two bool tensors: use ^, as PyTorch says)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = getattr(a, "shape", ()), getattr(b, "shape", ())
        return a - b

    @staticmethod
    def backward(ctx, grad):
        shape_a, shape_b = ctx.shapes
        grad_a = sum_to(grad, shape_a) if ctx.needs_input_grad[0] else None
        grad_b = sum_to(-grad, shape_b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        shape_a, shape_b = ctx.shapes
        grad_a = sum_to_array(grad, shape_a) if ctx.needs_input_grad[0] else None
        grad_b = sum_to_array(-grad, shape_b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Mul(Function):
    """a * b; each operand is saved only when the other one's gradient needs it (as in PyTorch,
    so an in-place change of a tensor that no gradient needs is not an error)."""

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = sum_to(grad * b, ctx.inputs[0].shape) if ctx.needs_input_grad[0] else None
        grad_b = sum_to(grad * a, ctx.inputs[1].shape) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        a, b = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        grad_a = sum_to_array(grad * b, ctx.inputs[0].array.shape) if need_a else None
        grad_b = sum_to_array(grad * a, ctx.inputs[1].array.shape) if need_b else None
        return grad_a, grad_b


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = sum_to(grad / b, a.shape) if ctx.needs_input_grad[0] else None
        grad_b = sum_to(-grad * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        a, b = ctx.saved_arrays
        grad_a = sum_to_array(grad / b, a.shape) if ctx.needs_input_grad[0] else None
        grad_b = sum_to_array(-grad * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        return -grad


class PowScalar(Function):
    """y = a ** c for a number c:  dy/da = c * a ** (c - 1)."""

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return a ** exponent

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        c = ctx.exponent
        if c == 0:
            return grad * 0, None
        return grad * c * a ** (c - 1), None


class Pow(Function):
    """y = a ** b for tensors:  dy/da = b * a ** (b - 1),  dy/db = y * log(a) (0 where a == 0)."""

    @staticmethod
    def forward(ctx, a, b):
        y = a ** b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        from minigan.ops.elementwise import log, where

        a, b, y = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = sum_to(grad * b * a ** (b - 1), a.shape)
        if ctx.needs_input_grad[1]:
            base_is_zero = (a == 0).array
            safe_log = log(where(base_is_zero, 1.0, a))  # log(1) = 0 where a == 0
            grad_b = sum_to(grad * y * safe_log, b.shape)
        return grad_a, grad_b


class MatMul(Function):
    """C = A @ B for A: (..., n, k), B: (..., k, m) -> C: (..., n, m), batch dimensions broadcast.

    dL/dA = dL/dC @ B^T,  dL/dB = A^T @ dL/dC  (summed over broadcast batch dimensions).
    """

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad  # save only what the other gradient needs, as Mul
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return matmul_arrays(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = sum_to(grad @ b.mT, ctx.inputs[0].shape) if ctx.needs_input_grad[0] else None
        grad_b = sum_to(a.mT @ grad, ctx.inputs[1].shape) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


def matmul_arrays(a, b):
    """The raw-array matrix product used by MatMul: NumPy's, or on CuPy minigan's own CUDA kernels
    (cuBLAS instead after minigan.cuda.use_cublas(True) or with MINIGAN_USE_CUBLAS=1)."""
    xp = get_array_module(a)
    if xp is not np:
        from minigan import cuda
        return cuda.matmul_arrays(a, b)
    if a.ndim == 2 and b.ndim == 2 and a.shape[1] == 1 == b.shape[0]:  # speed: outer product, below
        return np.multiply(a, b)
    return xp.matmul(a, b)


# speed: OpenBLAS runs a product with an inner dimension of 1 (an outer product: the input gradient
# of Linear(n, 1), of a convolution from one channel, of a transposed convolution into one) at
# 1-2 GFLOP/s; NumPy's broadcast multiply gives the same numbers bit for bit at memory speed. One
# thread, CPU time: (64, 1) x (1, 3136) 0.22 -> 0.013 ms, (128, 1) x (1, 4608) 0.65 -> 0.05 ms,
# (784, 1) x (1, 7616) (CycleGAN's last layer) 6.7 -> 1.7 ms.


class AsType(Function):
    @staticmethod
    def forward(ctx, a, dtype):
        ctx.input_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.input_dtype), None


class ToBackend(Function):
    """Move a tensor between NumPy and CuPy; the gradient moves back."""

    @staticmethod
    def forward(ctx, a, name):
        ctx.source = backend.backend_of(a)
        return backend.to_backend(a, name)

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.source), None


# ----------------------------------------------------------------------------- user-facing
# functions


def add(a, b, *, alpha=1) -> Tensor:
    """a + alpha * b."""
    a, b = operands(a, b)
    return Add.apply(a, b if alpha == 1 else b * alpha)


def sub(a, b, *, alpha=1) -> Tensor:
    """a - alpha * b (refused for bool operands, with PyTorch's advice)."""
    bools = _is_bool(a) + _is_bool(b)
    if bools:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead." if bools == 2 else
                           "Subtraction, the `-` operator, with a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    a, b = operands(a, b)
    return Sub.apply(a, b if alpha == 1 else b * alpha)


def _is_bool(value) -> bool:
    if isinstance(value, Tensor):
        return value.array.dtype.kind == "b"
    return isinstance(value, (bool, np.bool_))


def _not_for_bool(name: str, *values) -> None:
    """PyTorch implements //, % and ** for numbers only, not for two bools."""
    if all(_is_bool(v) for v in values):
        raise NotImplementedError(f'"{name}" not implemented for \'Bool\'')


def mul(a, b) -> Tensor:
    return Mul.apply(*operands(a, b))


def div(a, b, *, rounding_mode=None) -> Tensor:
    """a / b. True division: integers give the default float dtype (ints / 2 is float32), as in
    PyTorch; rounding_mode 'floor' is a // b, 'trunc' rounds toward zero."""
    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode == "trunc":
        quotient = div(a, b)
        return Tensor(get_array_module(quotient.array).trunc(quotient.array).astype(
            dtypes.result_type(*operands(a, b)), copy=False))
    if rounding_mode is not None:
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                         f"found {rounding_mode!r}")
    a, b = operands(a, b, wrap=False)
    kind = dtypes.true_divide_type(a, b)
    return Div.apply(_cast(a, kind), _cast(b, kind))


def floor_divide(a, b) -> Tensor:
    """a // b, rounded down (floor), in the promoted dtype; not differentiable (its derivative is
    0 almost everywhere), as in PyTorch."""
    _not_for_bool("div_floor_cpu", a, b)
    a, b = operands(a, b)
    first = a if isinstance(a, Tensor) else b
    xp = get_array_module(first.array)
    return Tensor(ensure_array(xp.floor_divide(_raw(a), _raw(b))))


class Remainder(Function):
    """a % b with the sign of b (Python's and PyTorch's rule): a - floor(a / b) * b.
    d/da = 1, d/db = -floor(a / b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a if hasattr(a, "shape") else b).remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = sum_to(grad, ctx.inputs[0].shape) if ctx.needs_input_grad[0] else None
        grad_b = None
        if ctx.needs_input_grad[1]:
            quotient = a.array / b.array if isinstance(a, Tensor) else a / b.array
            floor = get_array_module(grad.array).floor(quotient)
            grad_b = sum_to(-grad * Tensor(floor.astype(grad.dtype)), b.shape)
        return grad_a, grad_b


def remainder(a, b) -> Tensor:
    _not_for_bool("remainder_cpu", a, b)
    return Remainder.apply(*operands(a, b))


def _raw(value):
    return value.array if isinstance(value, Tensor) else value


def _bitwise(name: str, a, b) -> Tensor:
    """&, |, ^ on integer and bool tensors (bool: logical and, or, xor); not differentiable."""
    a, b = operands(a, b)
    kind = dtypes.result_type(a, b)
    if kind.kind not in "biu":
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{kind.name}\' (only '
                                  'integer and bool tensors have bitwise operations)')
    first = a if isinstance(a, Tensor) else b
    xp = get_array_module(first.array)
    return Tensor(ensure_array(getattr(xp, name)(_raw(a), _raw(b))))


def bitwise_and(a, b) -> Tensor:
    return _bitwise("bitwise_and", a, b)


def bitwise_or(a, b) -> Tensor:
    return _bitwise("bitwise_or", a, b)


def bitwise_xor(a, b) -> Tensor:
    return _bitwise("bitwise_xor", a, b)


def bitwise_not(a: Tensor) -> Tensor:
    """~a: logical not of a bool tensor, bitwise not of an integer tensor."""
    if a.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return Tensor(get_array_module(a.array).invert(a.array))


logical_and, logical_or, logical_xor = bitwise_and, bitwise_or, bitwise_xor


def logical_not(a: Tensor) -> Tensor:
    """The bool tensor a == 0."""
    return Tensor(get_array_module(a.array).logical_not(a.array))


def neg(a: Tensor) -> Tensor:
    return Neg.apply(a)


def pow(base, exponent) -> Tensor:
    """base ** exponent in the promoted dtype (ints ** 2 stays int64, ints ** 0.5 is float32); a
    number as the exponent uses the cheaper PowScalar."""
    if not (isinstance(base, Tensor) and not isinstance(exponent, Tensor)):
        _not_for_bool("pow", base, exponent)  # (a bool tensor ** a bool number is allowed)
    if isinstance(base, Tensor) and isinstance(exponent, (int, float, np.integer, np.floating)):
        if (base.array.dtype.kind in "iu" and isinstance(exponent, (int, np.integer))
                and exponent < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        base, exponent = operands(base, exponent)
        if base.array.dtype == np.bool_ and _is_bool(exponent):  # stays bool, as in PyTorch
            return Tensor(get_array_module(base.array).asarray(base.array | (not exponent)))
        return PowScalar.apply(base, exponent)
    return Pow.apply(*as_tensors(base, exponent))


def lerp(start: Tensor, end, weight) -> Tensor:
    """Linear interpolation, torch.lerp: start + weight * (end - start); weight a number or a tensor
    (broadcasting). Gradients: 1 - weight for start, weight for end, end - start for weight.

    As in PyTorch, it is computed from the nearer end: where |weight| >= 0.5 as
    end - (1 - weight) * (end - start), so that weight 1 gives `end` exactly (the first form can
    lose it to rounding: lerp(1e20, 1, 1) would be 0).
    """
    difference = end - start
    from_start, from_end = start + weight * difference, end - (1 - weight) * difference
    if isinstance(weight, (Tensor, np.ndarray)):
        nearer_start = abs(weight.array if isinstance(weight, Tensor) else weight) < 0.5
        return where(nearer_start, from_start, from_end)
    return from_start if abs(weight) < 0.5 else from_end


def matmul(a, b) -> Tensor:
    """The matrix product with NumPy's rules: 1-D operands are treated as a row/column vector."""
    a, b = as_tensors(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: both operands need at least one dimension, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    a2 = unsqueeze(a, 0) if a.ndim == 1 else a
    b2 = unsqueeze(b, -1) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} do not match: the last "
            f"dimension of the first ({a2.shape[-1]}) must equal the second-to-last dimension of "
            f"the second ({b2.shape[-2]})"
        )
    try:
        np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: batch dimensions of shapes {tuple(a.shape)} and {tuple(b.shape)} do not "
            "broadcast"
        ) from None
    out = MatMul.apply(a2, b2)
    if a.ndim == 1:
        out = squeeze(out, -2)
    if b.ndim == 1:
        out = squeeze(out, -1)
    return out


class Einsum(Function):
    """Einstein summation: ``einsum("ij,kj->ik", a, b)``. The gradient of each operand is another
    einsum: the output's gradient with the other operands, written back into the operand's
    subscripts (a letter only that operand has was summed away: its gradient broadcasts back)."""

    @staticmethod
    def forward(ctx, *arrays, inputs, output):
        ctx.inputs_subscripts, ctx.output = inputs, output
        return get_array_module(arrays[0]).einsum(",".join(inputs) + "->" + output, *arrays)

    @staticmethod
    def backward(ctx, grad):
        grads = []
        operands_ = ctx.inputs
        for i, subscripts in enumerate(ctx.inputs_subscripts):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(s, t) for j, (s, t) in enumerate(zip(ctx.inputs_subscripts, operands_))
                      if j != i]
            seen = set(ctx.output).union(*[s for s, _ in others])
            kept = "".join(c for c in subscripts if c in seen)
            terms = [ctx.output] + [s for s, _ in others]
            g = einsum(",".join(terms) + "->" + kept, grad, *[t for _, t in others])
            shape = tuple(n if c in seen else 1 for c, n in zip(subscripts, operands_[i].shape))
            grads.append(broadcast_to(g.reshape(shape), operands_[i].shape))
        return tuple(grads)


def _einsum_subscripts(equation: str, shapes) -> tuple:
    """(input subscripts, output subscripts) of an equation, with '...' spelled out in letters
    and an implicit output (no '->') made explicit by NumPy's rule."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: the equation has {len(inputs)} operands, got {len(shapes)} "
                         "tensors")
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in equation]
    width = max([len(shape) - (len(s) - 3) for s, shape in zip(inputs, shapes) if "..." in s] + [0])
    dots = "".join(spare[:width])
    spelled = [s.replace("...", dots[width - (len(shape) - (len(s) - 3)):]) if "..." in s else s
               for s, shape in zip(inputs, shapes)]
    if arrow:
        output = rhs.replace("...", dots)
    else:
        letters = "".join(spelled)
        once = [c for c in set(letters) if letters.count(c) == 1 and c not in dots]
        output = dots + "".join(sorted(once))
    for s in spelled:
        if len(set(s)) != len(s):
            raise NotImplementedError(f"einsum: a letter repeated within one operand ({s!r}, a "
                                      "diagonal) is not supported")
    return spelled, output


def einsum(equation: str, *operands_) -> Tensor:
    """torch.einsum(equation, *tensors) (or a list of tensors), differentiable in every operand."""
    if len(operands_) == 1 and isinstance(operands_[0], (list, tuple)):
        operands_ = tuple(operands_[0])
    tensors = [t if isinstance(t, Tensor) else Tensor(np.asarray(t)) for t in operands_]
    kind = dtypes.result_type(*tensors)
    tensors = [_cast(t, kind) for t in tensors]
    inputs, output = _einsum_subscripts(equation, [t.shape for t in tensors])
    return Einsum.apply(*tensors, inputs=tuple(inputs), output=output)


def astype(x: Tensor, dtype, copy: bool = False) -> Tensor:
    """x converted to `dtype` (x itself when it already has it, unless copy=True)."""
    dtype = np.dtype(dtype)
    return x if x.array.dtype == dtype and not copy else AsType.apply(x, dtype)


def to_backend(x: Tensor, name: str) -> Tensor:
    return ToBackend.apply(x, backend.normalize_backend(name))
