"""A plausible wrong answer to Exercise 22 (lesson 16):
batch norm's statistics (over the batch too), not each image's own.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_each_image_is_normalised_alone"  # the test that must fail on this answer


import minigan as mg


class InstanceNorm(mg.Function):
    """y = (x - mean) / sqrt(var + eps), the statistics of each image's own channel.

    x: (N, C, H, W). mean and the biased var are taken over (H, W) alone, separately for every
    (n, c). With x_hat = (x - mean) * inv_std and means over (H, W):
        dL/dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat)),   g = dL/dy.
    The backward recomputes mean, inv_std and x_hat from x with Tensor ops, so the gradient is
    part of the graph and can be differentiated again.
    """

    @staticmethod
    def forward(ctx, x, eps):
        xp = mg.get_array_module(x)
        mean = x.mean(axis=(0, 2, 3), keepdims=True)
        var = ((x - mean) ** 2).mean(axis=(0, 2, 3), keepdims=True)
        ctx.save_for_backward(x)
        ctx.eps = eps
        return (x - mean) / xp.sqrt(var + eps)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        centered = x - x.mean((2, 3), keepdim=True)
        inv_std = ((centered * centered).mean((2, 3), keepdim=True) + ctx.eps) ** -0.5
        x_hat = centered * inv_std
        grad_x = inv_std * (grad - grad.mean((2, 3), keepdim=True)
                            - x_hat * (grad * x_hat).mean((2, 3), keepdim=True))
        return grad_x, None


def instance_norm(x, eps=1e-5):
    return InstanceNorm.apply(x, eps)
