"""Exercise 22 (lesson 16): instance normalisation, forward and backward.

x: (N, C, H, W); eps: a float. Each image's channel is normalised by its own statistics: for every
(n, c), over the H * W values of x[n, c],
    mean = average of x[n, c],  var = average of (x[n, c] - mean)^2  (biased: divided by H * W)
    y[n, c] = (x[n, c] - mean) / sqrt(var + eps)
This is batch norm's formula (exercise 8) with the statistics of one image instead of the batch:
what CycleGAN's generators use (nn.InstanceNorm2d, affine=False), and what pix2pix's BatchNorm
becomes with a batch of one image.

Backward: with g = dL/dy, inv_std = 1 / sqrt(var + eps), x_hat = (x - mean) * inv_std and
averages over (H, W):
    dL/dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat))
Rules: backward recomputes mean, inv_std and x_hat from the saved x with Tensor operations
(t.mean((2, 3), keepdim=True), ** -0.5), so the gradient stays differentiable (gradgradcheck).
Return None for eps.
Grade it: pytest -m ex_instance_norm.  Hints: HINTS.md, exercise 22.
"""

import minigan as mg


class InstanceNorm(mg.Function):
    @staticmethod
    def forward(ctx, x, eps):
        raise NotImplementedError("Exercise 22: write InstanceNorm.forward (statistics over H and W)")

    @staticmethod
    def backward(ctx, grad):
        """Return (grad_x, None)."""
        raise NotImplementedError("Exercise 22: write InstanceNorm.backward")


def instance_norm(x, eps=1e-5):
    return InstanceNorm.apply(x, eps)
