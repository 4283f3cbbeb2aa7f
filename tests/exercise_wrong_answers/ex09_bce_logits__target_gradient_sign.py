"""A plausible wrong answer to Exercise 9 (lesson 4):
dl/dy with the wrong sign (+x instead of -x); the forward and dl/dx are right. Written with Tensor
operations, so it is differentiable: the target-gradient and gradcheck tests must catch it, and the
gradgradcheck test must give it no credit.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = ("test_target_gradient_is_minus_x_over_n", "test_gradcheck", "test_gradgradcheck")

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
        return xp.maximum(x, 0) - x * y + xp.log1p(xp.exp(-xp.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = grad * (mg.sigmoid(x) - y) if ctx.needs_input_grad[0] else None
        grad_y = grad * x if ctx.needs_input_grad[1] else None  # the sign of dl/dy lost
        return grad_x, grad_y


def binary_cross_entropy_with_logits(input, target):
    """The mean of BCEWithLogits over all elements. input, target: the same shape."""
    return BCEWithLogits.apply(input, target).mean()
