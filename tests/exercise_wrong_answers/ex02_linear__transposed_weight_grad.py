"""A plausible wrong answer to Exercise 2 (lesson 1):
dL/dW = x^T g, the transpose of the right answer.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_backward_is_gT_x"  # the test that must fail on this answer

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
        grad_x = grad @ weight if ctx.needs_input_grad[0] else None
        grad_weight = x.mT @ grad if ctx.needs_input_grad[1] else None
        grad_bias = grad.sum(0) if ctx.needs_input_grad[2] else None
        return grad_x, grad_weight, grad_bias


def linear(x, weight, bias=None):
    return Linear.apply(x, weight, bias)
