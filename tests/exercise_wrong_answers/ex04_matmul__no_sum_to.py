"""A plausible wrong answer to Exercise 4 (lesson 2):
forgets to sum the gradient over broadcast batch dimensions.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_backward_sums_broadcast_batch_dimensions"  # the test that must fail on this answer

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
        grad_a = grad @ b.mT if ctx.needs_input_grad[0] else None
        grad_b = a.mT @ grad if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


def matmul(a, b):
    return MatMul.apply(a, b)
