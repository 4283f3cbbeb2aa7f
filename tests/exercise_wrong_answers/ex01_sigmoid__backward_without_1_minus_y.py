"""A plausible wrong answer to Exercise 1 (lesson 1):
a backward that forgets the (1 - y) factor. It is written with Tensor operations, so gradgradcheck
alone would pass it (it differentiates the wrong backward consistently): the value and gradcheck
tests must catch it, and the gradgradcheck test must give it no credit.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = ("test_gradient_is_y_times_1_minus_y_even_when_saturated", "test_gradcheck", "test_gradgradcheck")

import minigan as mg


class Sigmoid(mg.Function):
    """y = 1 / (1 + exp(-a)), any shape; dy/da = y * (1 - y).

    exp(-|a|) lies in (0, 1], so neither branch can overflow:
    a >= 0: 1 / (1 + exp(-a));   a < 0: exp(a) / (1 + exp(a)).
    """

    @staticmethod
    def forward(ctx, a):
        xp = mg.get_array_module(a)
        e = xp.exp(-xp.abs(a))
        y = xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(y)  # an output: it comes back as a Tensor in the graph
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y  # the (1 - y) factor forgotten: wrong, yet differentiable


def sigmoid(x):
    return Sigmoid.apply(x)
