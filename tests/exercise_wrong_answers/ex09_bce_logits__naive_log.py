"""A plausible wrong answer to Exercise 9 (lesson 4):
log(sigmoid(x)) and log(1 - sigmoid(x)) taken literally: -inf once sigmoid rounds to 0 or 1.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_large_logits_give_finite_exact_losses"  # the test that must fail on this answer

import minigan as mg


class BCEWithLogits(mg.Function):
    """Elementwise l = -(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))) from the logit x.

    Stable form: l = max(x, 0) - x * y + log(1 + exp(-|x|)), finite for every x.
    dl/dx = sigmoid(x) - y,   dl/dy = -x.
    """

    @staticmethod
    def forward(ctx, x, y):
        xp = mg.get_array_module(x)
        ctx.save_for_backward(x, y)
        p = 1 / (1 + xp.exp(-x))
        return -(y * xp.log(p) + (1 - y) * xp.log(1 - p))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = grad * (mg.sigmoid(x) - y) if ctx.needs_input_grad[0] else None
        grad_y = grad * -x if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


def binary_cross_entropy_with_logits(input, target):
    """The mean of BCEWithLogits over all elements. input, target: the same shape."""
    return BCEWithLogits.apply(input, target).mean()
