"""Exercise 4 (lesson 2): matmul's backward, with broadcast batch dimensions.

    C = A @ B        A: (..., n, k), B: (..., k, m) -> C: (..., n, m)

The batch dimensions (...) broadcast as in NumPy: (2, 3, 4) @ (4, 5) uses B for each of the 2
matrices of A. With G = dL/dC, the gradient of each input is a matrix product of G with the
other input (transposed), and then summed over every batch dimension that input was broadcast
along: use mg.sum_to(t, shape) (exercise 3's op) and Tensor.mT (swap the last two dimensions).

Rules: backward uses Tensor operations only; return None where ctx.needs_input_grad[i] is False.
Grade it: pytest -m ex_matmul.  Hints: HINTS.md, exercise 4.
"""

import minigan as mg


class MatMul(mg.Function):
    @staticmethod
    def forward(ctx, a, b):
        raise NotImplementedError("Exercise 4: write MatMul.forward")

    @staticmethod
    def backward(ctx, grad):
        """Return (grad_a, grad_b), each of its input's shape."""
        raise NotImplementedError("Exercise 4: write MatMul.backward")


def matmul(a, b):
    return MatMul.apply(a, b)
