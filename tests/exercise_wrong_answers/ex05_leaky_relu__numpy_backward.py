"""A plausible wrong answer to Exercise 5 (lesson 3):
the gradient computed on raw arrays: right values, not differentiable again.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_gradgradcheck"  # the test that must fail on this answer

import minigan as mg


class LeakyReLU(mg.Function):
    """y = a where a > 0, negative_slope * a elsewhere; dy/da = 1 where a > 0, negative_slope
    elsewhere (at a == 0 too, as PyTorch)."""

    @staticmethod
    def forward(ctx, a, negative_slope):
        positive = a > 0
        ctx.save_for_backward(positive)  # a constant mask: comes back as a Tensor outside the graph
        ctx.negative_slope = float(negative_slope)
        return mg.get_array_module(a).where(positive, a, a * ctx.negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (positive,) = ctx.saved_tensors
        return mg.tensor(grad.array * (positive.array + (1 - positive.array) * ctx.negative_slope)), None


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU.apply(x, negative_slope)
