"""Exercise 4 (lesson 2), reference solution: matmul's backward."""

import minigan as mg


class MatMul(mg.Function):
    """C = A @ B.  A: (..., n, k), B: (..., k, m) -> C: (..., n, m); batch dimensions broadcast.

    dL/dA = sum_to(G @ B^T, A.shape),  dL/dB = sum_to(A^T @ G, B.shape)  with G = dL/dC and ^T
    swapping the last two dimensions (Tensor.mT).
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return mg.get_array_module(a).matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = mg.sum_to(grad @ b.mT, a.shape) if ctx.needs_input_grad[0] else None
        grad_b = mg.sum_to(a.mT @ grad, b.shape) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


def matmul(a, b):
    return MatMul.apply(a, b)
