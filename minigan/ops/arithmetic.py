"""Arithmetic ops: + - * / neg, ** and the batched matrix product, plus dtype and backend moves.

Binary ops broadcast like NumPy; their backward sums each gradient back to its input's shape with
`sum_to`, the one place where broadcasting is undone.
"""

from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.autograd import Function, Tensor
from minigan.backend import get_array_module
from minigan.ops._operands import as_tensors, operands
from minigan.ops.shape import squeeze, sum_to, unsqueeze


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


class Sub(Function):
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


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
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
    return xp.matmul(a, b)


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


def add(a, b) -> Tensor:
    return Add.apply(*operands(a, b))


def sub(a, b) -> Tensor:
    return Sub.apply(*operands(a, b))


def mul(a, b) -> Tensor:
    return Mul.apply(*operands(a, b))


def div(a, b) -> Tensor:
    return Div.apply(*operands(a, b))


def neg(a: Tensor) -> Tensor:
    return Neg.apply(a)


def pow(base, exponent) -> Tensor:
    """base ** exponent; a number as the exponent uses the cheaper PowScalar."""
    if isinstance(base, Tensor) and isinstance(exponent, (int, float, np.integer, np.floating)):
        return PowScalar.apply(base, float(exponent) if isinstance(exponent,
                                                                   np.floating) else exponent)
    return Pow.apply(*as_tensors(base, exponent))


def lerp(start: Tensor, end, weight) -> Tensor:
    """Linear interpolation, torch.lerp: start + weight * (end - start); weight a number or a tensor
    (broadcasting). Gradients: 1 - weight for start, weight for end, end - start for weight."""
    return start + weight * (end - start)


def matmul(a, b) -> Tensor:
    """The matrix product with NumPy's rules: 1-D operands are treated as a row/column vector."""
    a, b = as_tensors(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least one dimension, got shapes {a.shape} "
                         f"and {b.shape}")
    a2 = unsqueeze(a, 0) if a.ndim == 1 else a
    b2 = unsqueeze(b, -1) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} do not match: the last dimension of the first "
            f"({a2.shape[-1]}) must equal the second-to-last dimension of the second "
            f"({b2.shape[-2]})"
        )
    try:
        np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: batch dimensions of shapes {a.shape} and {b.shape} do not broadcast"
        ) from None
    out = MatMul.apply(a2, b2)
    if a.ndim == 1:
        out = squeeze(out, -2)
    if b.ndim == 1:
        out = squeeze(out, -1)
    return out


def astype(x: Tensor, dtype) -> Tensor:
    dtype = np.dtype(dtype)
    return x if x.dtype == dtype else AsType.apply(x, dtype)


def to_backend(x: Tensor, name: str) -> Tensor:
    return ToBackend.apply(x, backend.normalize_backend(name))
