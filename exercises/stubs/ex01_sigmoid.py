"""Exercise 1 (lesson 1): a sigmoid that never overflows.

Write the op as a minigan Function: `forward` works on raw arrays, `backward` on Tensors.

    y = sigmoid(x) = 1 / (1 + exp(-x))       any shape, same dtype as x
    dy/dx = y * (1 - y)

Rules:
- No overflow for any input: sigmoid(-1000.0) is 0.0 with no warning, in float32 and float64
  (the tests run your forward under np.errstate(over="raise")).
- backward must use Tensor operations on what ctx.saved_tensors gives back, never raw arrays,
  so that the gradient can be differentiated again (gradgradcheck).
Grade it: pytest -m ex_sigmoid.  Hints: HINTS.md, exercise 1.
"""

import minigan as mg


class Sigmoid(mg.Function):
    @staticmethod
    def forward(ctx, a):
        """a: raw array (xp = mg.get_array_module(a)). Save what backward needs, return y."""
        raise NotImplementedError("Exercise 1: write Sigmoid.forward (stable for large |a|)")

    @staticmethod
    def backward(ctx, grad):
        """grad: Tensor dL/dy. Return dL/da as a Tensor, built with Tensor operations."""
        raise NotImplementedError("Exercise 1: write Sigmoid.backward (grad * y * (1 - y))")


def sigmoid(x):
    """x: Tensor -> Tensor of the same shape."""
    return Sigmoid.apply(x)
