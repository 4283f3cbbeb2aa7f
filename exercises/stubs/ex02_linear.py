"""Exercise 2 (lesson 1): a Linear layer's forward and backward.

    y = x @ W^T + b        x: (N, in), W: (out, in), b: (out,) or None -> y: (N, out)

With g = dL/dy of shape (N, out), derive and return
    dL/dx (N, in),  dL/dW (out, in),  dL/db (out,)
Check the shapes: only one product of g and x has W's shape.

Rules: backward uses Tensor operations on ctx.saved_tensors (Tensor.mT swaps the last two
dimensions); return None for an input that needs no gradient (ctx.needs_input_grad[i] is False),
e.g. a bias of None.
Grade it: pytest -m ex_linear.  Hints: HINTS.md, exercise 2.
"""

import minigan as mg


class Linear(mg.Function):
    @staticmethod
    def forward(ctx, x, weight, bias):
        """x, weight: raw arrays; bias: a raw array or None. Return y."""
        raise NotImplementedError("Exercise 2: write Linear.forward")

    @staticmethod
    def backward(ctx, grad):
        """grad: Tensor (N, out). Return (grad_x, grad_weight, grad_bias)."""
        raise NotImplementedError("Exercise 2: write Linear.backward (dL/dW = g^T x)")


def linear(x, weight, bias=None):
    return Linear.apply(x, weight, bias)
