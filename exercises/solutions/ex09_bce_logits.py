"""Exercise 9 (lesson 4), reference solution: binary cross-entropy from logits."""

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
        grad_y = grad * -x if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


def binary_cross_entropy_with_logits(input, target):
    """The mean of BCEWithLogits over all elements. input, target: the same shape."""
    return BCEWithLogits.apply(input, target).mean()
