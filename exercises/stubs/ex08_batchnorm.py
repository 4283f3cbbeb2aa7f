"""Exercise 8 (lesson 3): batch normalisation in training mode, forward and backward.

x: (N, C) or (N, C, H, W); weight, bias: (C,); eps: a float. Per channel c, over every dimension
but 1 (n values):
    mean = average of x,  var = average of (x - mean)^2  (biased: divided by n)
    x_hat = (x - mean) / sqrt(var + eps),   y = x_hat * weight + bias

Backward: mean and var depend on every x of the channel, so dL/dx has three terms, not one.
With g = dL/dy * weight and inv_std = 1 / sqrt(var + eps), averages over the same dimensions:
    dL/dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat))
    dL/dweight = sum(dL/dy * x_hat),   dL/dbias = sum(dL/dy)
Rules: backward recomputes mean, inv_std and x_hat from the saved x with Tensor operations
(t.mean(dims, keepdim=True), ** -0.5), so the gradient stays differentiable (gradgradcheck).
Return None for eps.
Grade it: pytest -m ex_batchnorm.  Hints: HINTS.md, exercise 8.
"""

import minigan as mg


class BatchNormTrain(mg.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        raise NotImplementedError("Exercise 8: write BatchNormTrain.forward")

    @staticmethod
    def backward(ctx, grad):
        """Return (grad_x, grad_weight, grad_bias, None)."""
        raise NotImplementedError("Exercise 8: write BatchNormTrain.backward (three terms in dL/dx)")


def batch_norm_train(x, weight, bias, eps=1e-5):
    return BatchNormTrain.apply(x, weight, bias, eps)
