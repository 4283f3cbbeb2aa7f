"""A plausible wrong answer to Exercise 5 (lesson 3):
the mask a > 0 saved with save_for_backward (right values and gradients, but against lesson 2's save
rule: the mask is neither an input nor the output, so a create_graph backward warns).

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_the_mask_is_an_attribute_not_saved_for_backward"  # the test that must fail on this answer

import minigan as mg


class LeakyReLU(mg.Function):
    @staticmethod
    def forward(ctx, a, negative_slope):
        positive = a > 0
        ctx.save_for_backward(positive)
        ctx.negative_slope = float(negative_slope)
        return mg.get_array_module(a).where(positive, a, a * ctx.negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (positive,) = ctx.saved_tensors
        return mg.where(positive, grad, grad * ctx.negative_slope), None


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU.apply(x, negative_slope)
