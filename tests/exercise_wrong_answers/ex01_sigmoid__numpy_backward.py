"""A plausible wrong answer to Exercise 1 (lesson 1):
a backward computed on raw arrays (a constant: gradgradcheck sees no second derivative).

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_gradgradcheck"  # the test that must fail on this answer

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
        return mg.tensor(grad.array * y.array * (1 - y.array))


def sigmoid(x):
    return Sigmoid.apply(x)
