"""A plausible wrong answer to Exercise 2 (lesson 1):
the right formulas on raw arrays, so the gradient is a constant.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_gradgradcheck"  # the test that must fail on this answer

import minigan as mg


class Linear(mg.Function):
    """y = x @ W^T + b.  x: (N, in), W: (out, in), b: (out,) or None -> y: (N, out).

    With g = dL/dy (N, out):  dL/dx = g @ W,  dL/dW = g^T @ x,  dL/db = sum of g over N.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        y = x @ weight.T
        if bias is not None:
            y = y + bias
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        g = grad.array
        grad_x = mg.tensor(g @ weight.array)
        grad_weight = mg.tensor(g.T @ x.array)
        grad_bias = mg.tensor(g.sum(0))
        return grad_x, grad_weight, grad_bias


def linear(x, weight, bias=None):
    return Linear.apply(x, weight, bias)
