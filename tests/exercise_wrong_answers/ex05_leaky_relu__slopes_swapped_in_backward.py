"""A plausible wrong answer to Exercise 5 (lesson 3):
a backward with the slopes of the two sides swapped (the forward is right). Written with Tensor
operations, so it is differentiable: the gradient tests must catch it, and the gradgradcheck test
must give it no credit.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = ("test_gradient_including_zero", "test_gradcheck", "test_gradgradcheck")

import minigan as mg


class LeakyReLU(mg.Function):
    """y = a where a > 0, negative_slope * a elsewhere; dy/da = 1 where a > 0, negative_slope
    elsewhere (at a == 0 too, as PyTorch)."""

    @staticmethod
    def forward(ctx, a, negative_slope):
        ctx.mask = a > 0  # a constant of the backward: an attribute (lesson 2's save rule)
        ctx.negative_slope = float(negative_slope)
        return mg.get_array_module(a).where(ctx.mask, a, a * ctx.negative_slope)

    @staticmethod
    def backward(ctx, grad):
        return mg.where(ctx.mask, grad * ctx.negative_slope, grad), None  # the two sides swapped


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU.apply(x, negative_slope)
