"""A plausible wrong answer to Exercise 1 (lesson 1):
the textbook formula, whose exp(-a) overflows for a << 0.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_values_up_to_1000_without_overflow"  # the test that must fail on this answer

import minigan as mg


class Sigmoid(mg.Function):
    """y = 1 / (1 + exp(-a)), any shape; dy/da = y * (1 - y).

    exp(-|a|) lies in (0, 1], so neither branch can overflow:
    a >= 0: 1 / (1 + exp(-a));   a < 0: exp(a) / (1 + exp(a)).
    """

    @staticmethod
    def forward(ctx, a):
        xp = mg.get_array_module(a)
        y = 1 / (1 + xp.exp(-a))
        ctx.save_for_backward(y)  # an output: it comes back as a Tensor in the graph
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


def sigmoid(x):
    return Sigmoid.apply(x)
