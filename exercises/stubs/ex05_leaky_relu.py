"""Exercise 5 (lesson 3): LeakyReLU as a Function.

    y = x where x > 0, negative_slope * x elsewhere          any shape
    dy/dx = 1 where x > 0, negative_slope elsewhere (at x == 0 too, as PyTorch)

negative_slope is a Python float, not a Tensor: backward returns None for it.
Rules: backward uses Tensor operations (mg.where(condition, a, b) selects elementwise), so that
gradgradcheck can differentiate it again; a gradient computed on raw arrays fails there.
Lesson 2's save rule: ctx.save_for_backward is for the Function's inputs and outputs only. The mask
a > 0 is neither (it is a constant of the backward): keep it as an attribute, ctx.mask = a > 0.
Saving it with save_for_backward triggers SavedConstantWarning, and a test fails.
Grade it: pytest -m ex_leaky_relu.  Hints: HINTS.md, exercise 5.
"""

import minigan as mg


class LeakyReLU(mg.Function):
    @staticmethod
    def forward(ctx, a, negative_slope):
        raise NotImplementedError("Exercise 5: write LeakyReLU.forward")

    @staticmethod
    def backward(ctx, grad):
        """Return (grad_a, None)."""
        raise NotImplementedError("Exercise 5: write LeakyReLU.backward")


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU.apply(x, negative_slope)
