"""Exercise 3 (lesson 2), reference solution: sum_to, the backward of broadcasting."""

import minigan as mg


def sum_to_array(a, shape):
    """Sum the array `a` down to `shape`, which broadcasts to a.shape.

    The leading dimensions broadcasting added are summed away; dimensions where `shape` has 1 and
    a.shape does not are summed with keepdims.  (2, 3, 4) -> (3, 1): sum over 0, then over 2.
    """
    shape = tuple(shape)
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and a.shape[lead + i] != 1
    )
    return a.sum(axis=axes, keepdims=True).reshape(shape)


class SumTo(mg.Function):
    """Forward: sum_to_array. Backward: broadcast the gradient back to the input's shape."""

    @staticmethod
    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        return sum_to_array(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return mg.broadcast_to(grad, ctx.input_shape), None


def sum_to(x, shape):
    return SumTo.apply(x, tuple(shape))
