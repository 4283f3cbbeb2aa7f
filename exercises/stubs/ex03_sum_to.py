"""Exercise 3 (lesson 2): sum_to, the one place where broadcasting is undone.

When b (3, 1) is broadcast against a (2, 3, 4) in a + b, every element of b was used 2 * 4
times, so dL/db is dL/d(a + b) summed down to b's shape: sum_to(grad, (3, 1)).

1. sum_to_array(a, shape): raw array a -> raw array of exactly `shape`, which broadcasts to
   a.shape. Sum away the leading dimensions broadcasting added; sum (keeping the dimension)
   wherever `shape` has 1 and a.shape does not. shape may be () (sum of everything).
2. SumTo: a Function whose forward is sum_to_array and whose backward broadcasts the gradient
   back to the input's shape with Tensor operations (mg.broadcast_to).
Grade it: pytest -m ex_sum_to.  Hints: HINTS.md, exercise 3.
"""

import minigan as mg


def sum_to_array(a, shape):
    raise NotImplementedError("Exercise 3: write sum_to_array")


class SumTo(mg.Function):
    @staticmethod
    def forward(ctx, a, shape):
        raise NotImplementedError("Exercise 3: write SumTo.forward")

    @staticmethod
    def backward(ctx, grad):
        """Return (gradient for a, None for shape)."""
        raise NotImplementedError("Exercise 3: write SumTo.backward")


def sum_to(x, shape):
    return SumTo.apply(x, tuple(shape))
