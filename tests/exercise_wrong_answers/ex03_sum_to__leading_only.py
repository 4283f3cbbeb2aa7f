"""A plausible wrong answer to Exercise 3 (lesson 2):
sums only the leading dimensions, not the ones that were 1.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_sum_to_array_values"  # the test that must fail on this answer

import minigan as mg


def sum_to_array(a, shape):
    """Sum the array `a` down to `shape`, which broadcasts to a.shape.

    The leading dimensions broadcasting added are summed away; dimensions where `shape` has 1 and
    a.shape does not are summed with keepdims.  (2, 3, 4) -> (3, 1): sum over 0, then over 2.
    """
    shape = tuple(shape)
    lead = a.ndim - len(shape)
    return a.sum(axis=tuple(range(lead)))


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
