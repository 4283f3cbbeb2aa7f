"""Exercise 5 (lesson 3), reference solution: LeakyReLU as a Function."""

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
        return mg.where(ctx.mask, grad, grad * ctx.negative_slope), None


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU.apply(x, negative_slope)
