"""A plausible wrong answer to Exercise 8 (lesson 3):
dL/dx without the x_hat * mean(g * x_hat) term (the variance's dependence on x).

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = ("test_backward_matches_autograd_of_the_formula", "test_gradcheck", "test_gradgradcheck")

import minigan as mg


def _dims(ndim):
    return (0,) + tuple(range(2, ndim))  # every dimension but the channel dimension 1


class BatchNormTrain(mg.Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, statistics of the batch, per channel.

    x: (N, C) or (N, C, H, W); weight, bias: (C,). mean and the biased var are taken over every
    dimension but 1. With g = dL/dy * weight, x_hat = (x - mean) * inv_std, means over the same dims:
        dL/dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat))
        dL/dweight = sum(dL/dy * x_hat),   dL/dbias = sum(dL/dy).
    The backward recomputes mean, inv_std and x_hat from x with Tensor ops, so they are part of
    the graph and the gradient can be differentiated again.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        xp = mg.get_array_module(x)
        dims = _dims(x.ndim)
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        mean = x.mean(axis=dims, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=dims, keepdims=True)
        y = (x - mean) / xp.sqrt(var + eps) * weight.reshape(shape) + bias.reshape(shape)
        ctx.save_for_backward(x, weight)
        ctx.eps, ctx.dims, ctx.shape = eps, dims, shape
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        dims = ctx.dims
        mean = x.mean(dims, keepdim=True)
        centered = x - mean
        inv_std = ((centered * centered).mean(dims, keepdim=True) + ctx.eps) ** -0.5
        x_hat = centered * inv_std
        g = grad * weight.reshape(ctx.shape)
        grad_x = inv_std * (g - g.mean(dims, keepdim=True))
        return grad_x, (grad * x_hat).sum(dims), grad.sum(dims), None


def batch_norm_train(x, weight, bias, eps=1e-5):
    return BatchNormTrain.apply(x, weight, bias, eps)
