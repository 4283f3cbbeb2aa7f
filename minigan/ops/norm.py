"""Batch normalisation: normalise each channel by its mean and variance, then scale and shift.

For x: (N, C) or (N, C, *spatial), every channel c is normalised over all the other dimensions::

    x_hat = (x - mean_c) / sqrt(var_c + eps)        (var: the biased variance, divided by n)
    y     = x_hat * weight_c + bias_c

Training mode takes mean_c and var_c from the batch and updates the running statistics in place::

    running_mean = (1 - momentum) * running_mean + momentum * mean_c
    running_var  = (1 - momentum) * running_var  + momentum * var_c * n / (n - 1)   (unbiased)

Evaluation mode uses running_mean and running_var instead, which makes the layer a fixed affine map.

Instance, group and layer norm (at the end) normalise within other units (a sample's channel, a
sample's group of channels, a sample): each is this batch norm applied to a reshaped view of x.
"""

from __future__ import annotations

import numpy as np

from minigan.autograd import Function, Tensor
from minigan.backend import get_array_module
from minigan.ops._operands import as_tensor


def _channel_layout(ndim: int):
    """(the dimensions reduced over, the shape that broadcasts a (C,) vector against x)."""
    dims = (0,) + tuple(range(2, ndim))
    return dims, lambda c: (1, c) + (1,) * (ndim - 2)


class BatchNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (dimension 1).

    Backward, with g = grad * weight and statistics over the n elements of each channel:

        training:  dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat))
        eval:      dx = inv_std * g                 (mean and inv_std are constants)
        dweight = sum(grad * x_hat),  dbias = sum(grad)

    In training mode backward recomputes mean, inv_std and x_hat from x with Tensor ops, so that
    they are part of the graph: the gradient is then differentiable again (WGAN-GP through a critic
    with batch norm).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        xp = get_array_module(x)
        dims, per_channel = _channel_layout(x.ndim)
        shape = per_channel(x.shape[1])
        if training:
            n = x.size // x.shape[1]
            mean = x.mean(axis=dims, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=dims, keepdims=True)
            if running_mean is not None:
                _update_running_stats(running_mean, running_var, mean, var, momentum, n)
        else:
            mean, var = _running_stats(running_mean, running_var, shape, x.dtype)
        inv_std = (1 / xp.sqrt(var + eps)).astype(x.dtype, copy=False)
        y = (x - mean) * inv_std
        if weight is not None:
            y = y * weight.reshape(shape)
        if bias is not None:
            y = y + bias.reshape(shape)
        _keep_for_backward(ctx, x, weight, training, eps, dims, shape, mean, inv_std)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        dims, shape = ctx.dims, ctx.shape
        if ctx.training:  # the batch statistics, as functions of x
            mean = x.mean(dims, keepdim=True)
            centered = x - mean
            inv_std = ((centered * centered).mean(dims, keepdim=True) + ctx.eps) ** -0.5
            x_hat = centered * inv_std
        else:
            mean, inv_std = (Tensor(a) for a in ctx.running_stats)
            x_hat = (x - mean) * inv_std
        g = grad * weight.reshape(shape) if weight is not None else grad
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            if ctx.training:
                grad_x = inv_std * (g - g.mean(dims, keepdim=True)
                                    - x_hat * (g * x_hat).mean(dims, keepdim=True))
            else:
                grad_x = g * inv_std
        if ctx.needs_input_grad[1]:
            grad_weight = (grad * x_hat).sum(dims)
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum(dims)
        return grad_x, grad_weight, grad_bias, None, None

    # speed: forward's statistics as per-channel sums with np.einsum (_channel_sum), the
    # normalisation in place, and x_hat and inv_std kept for a backward on raw arrays in five passes
    # (the Tensor-op backward above makes ~15): measured in benchmarks/NOTES.md.
    @staticmethod
    def fast_forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        xp = get_array_module(x)
        dims, per_channel = _channel_layout(x.ndim)
        shape = per_channel(x.shape[1])
        if training:
            n = x.size // x.shape[1]
            mean = (_channel_sum(x) / n).reshape(shape)
            centered = _by_channel(xp.subtract, x, mean)
            var = (_channel_sum(centered, centered) / n).reshape(shape)
            if running_mean is not None:
                _update_running_stats(running_mean, running_var, mean, var, momentum, n)
        else:
            mean, var = _running_stats(running_mean, running_var, shape, x.dtype)
            centered = _by_channel(xp.subtract, x, mean)
        inv_std = (1 / xp.sqrt(var + eps)).astype(x.dtype, copy=False)
        x_hat = _by_channel(xp.multiply, centered, inv_std, in_place=True)  # centered is ours
        y = _by_channel(xp.multiply, x_hat, weight) if weight is not None else x_hat.copy()
        if bias is not None:
            _by_channel(xp.add, y, bias, in_place=True)
        _keep_for_backward(ctx, x, weight, training, eps, dims, shape, mean, inv_std)
        ctx.plain = (x_hat, inv_std) if training else None  # raw arrays for fast_backward only
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def fast_backward(ctx, grad):
        """The training-mode backward on raw arrays, in five passes. With s1 = sum(grad) and
        s2 = sum(grad * x_hat) per channel over its n elements:
        dx = weight * inv_std * (grad - s1/n - x_hat * s2/n),  dweight = s2,  dbias = s1."""
        # recorded (create_graph), eval mode, or a second backward (retain_graph): the reference
        if ctx.create_graph or not ctx.training or ctx.plain is None:
            return BatchNorm.backward(ctx, grad)
        (x_hat, inv_std), ctx.plain = ctx.plain, None
        _, weight = ctx.saved_tensors
        g, shape = grad.array, ctx.shape
        n = g.size // g.shape[1]
        s1 = _channel_sum(g).reshape(shape)
        s2 = _channel_sum(g, x_hat).reshape(shape)
        grad_x = None
        if ctx.needs_input_grad[0]:
            xp = get_array_module(g)
            grad_x = _by_channel(xp.multiply, x_hat, s2 / -n)
            grad_x += g
            _by_channel(xp.subtract, grad_x, s1 / n, in_place=True)
            scale = inv_std if weight is None else inv_std * weight.array.reshape(shape)
            _by_channel(xp.multiply, grad_x, scale, in_place=True)
            grad_x = Tensor(grad_x.astype(g.dtype, copy=False))
        grad_weight = Tensor(s2.reshape(-1)) if ctx.needs_input_grad[1] else None
        grad_bias = Tensor(s1.reshape(-1)) if ctx.needs_input_grad[2] else None
        return grad_x, grad_weight, grad_bias, None, None


def _by_channel(op, x, v, in_place: bool = False):
    """op(x, v) (a NumPy ufunc such as np.multiply) for x (N, C, *spatial) and one number per
    channel v (C numbers, any shape): the same numbers as with v broadcast as (1, C, 1, ...).
    in_place writes the result into x.

    speed: NumPy runs an op whose second operand repeats every H*W numbers at about half the rate
    of one on two whole arrays (an op on (64, 32, 14, 14) float32: 90 us against 52). With v
    repeated once into a row of C*H*W numbers, x is a matrix (N, C*H*W) against that row: 55 us.
    BatchNorm2d forward + backward, one thread: (64, 32, 14, 14) 2.21 -> 1.71 ms, (64, 64, 7, 7)
    0.83 -> 0.70 ms (benchmarks/NOTES.md, round six)."""
    out = x if in_place else None
    if (get_array_module(x) is not np or x.ndim < 3 or x.size == 0
            or not x.flags.c_contiguous):
        return op(x, v.reshape(_channel_layout(x.ndim)[1](-1)), out=out)
    rows = x.reshape(x.shape[0], -1)  # a view: writing it writes x
    row = np.repeat(v.reshape(-1), rows.shape[1] // x.shape[1])
    return op(rows, row, out=rows if in_place else None).reshape(x.shape)


def _running_stats(running_mean, running_var, shape, dtype):
    """Evaluation mode's mean and variance: copies of the buffers (later updates do not reach
    them), shaped to broadcast against x."""
    return running_mean.reshape(shape).astype(dtype), running_var.reshape(shape).astype(dtype)


def _keep_for_backward(ctx, x, weight, training, eps, dims, shape, mean, inv_std) -> None:
    ctx.save_for_backward(x, weight)
    ctx.running_stats = None if training else (mean, inv_std)  # constants: from the buffers
    ctx.training, ctx.eps, ctx.dims, ctx.shape = training, eps, dims, shape


def _update_running_stats(running_mean, running_var, mean, var, momentum, n) -> None:
    """running = (1 - momentum) * running + momentum * batch statistic, in place (the variance
    unbiased: times n / (n - 1))."""
    running_mean[...] = (1 - momentum) * running_mean + momentum * mean.reshape(-1)
    running_var[...] = (1 - momentum) * running_var + momentum * var.reshape(-1) * (n / (n - 1))


def _channel_sum(a, b=None):
    """sum over every dimension but 1 of a (or of a * b, without forming it) -> (C,).

    Speed: np.einsum runs these per-channel sums 3-5x faster than a.sum(axis=(0, 2, 3)) on
    (N, C, H, W) float32 arrays (0.13 vs 0.65 ms on (128, 256, 4, 4), one thread).
    """
    a3 = a.reshape(a.shape[0], a.shape[1], -1)
    if b is None:
        return get_array_module(a).einsum("nci->c", a3)
    return get_array_module(a).einsum("nci,nci->c", a3, b.reshape(a3.shape))


def _raw_buffer(buffer, name: str, channels: int):
    """A running-statistics buffer (Tensor or array) as the array that is updated in place."""
    if buffer is None:
        return None
    array = buffer.array if isinstance(buffer, Tensor) else buffer
    if tuple(array.shape) != (channels,):
        raise ValueError(
            f"batch_norm: {name} must have shape ({channels},) (one per channel), got "
            f"{tuple(array.shape)}"
        )
    return array


def batch_norm(input: Tensor, running_mean, running_var, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Batch normalisation over dimension 1 of input: (N, C) or (N, C, *spatial) (see the module
    docstring).

    running_mean, running_var: (C,) Tensors (or arrays), updated in place when training; they may
    be None in training mode (then only the batch statistics are used). weight, bias: (C,) or None.
    """
    input = as_tensor(input)
    if input.ndim < 2:
        raise ValueError("batch_norm: input must be (N, C) or (N, C, *spatial), got shape "
                         f"{tuple(input.shape)}")
    channels = input.shape[1]
    running_mean = _raw_buffer(running_mean, "running_mean", channels)
    running_var = _raw_buffer(running_var, "running_var", channels)
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    if not training and running_mean is None:
        raise ValueError("batch_norm: evaluation mode (training=False) needs running_mean and "
                         "running_var")
    if training and input.numel() // max(channels, 1) <= 1:
        raise ValueError(
            "batch_norm: expected more than 1 value per channel when training, got input shape "
            f"{tuple(input.shape)}"
        )
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and param.shape != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},) (one per channel), "
                             f"got {tuple(param.shape)}")
    return BatchNorm.apply(input, weight, bias, running_mean, running_var, training=bool(training),
                           momentum=float(momentum), eps=float(eps))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """F.normalize: each vector along `dim` divided by its p-norm (at least eps):
    x / max(||x||_p, eps)."""
    return input / input.norm(p, dim, keepdim=True).clamp(min=eps)


# ----------------------------------------------------------------------------- instance, group
# and layer norm
# Each of these normalises x within units other than batch norm's channels: instance norm within
# each (sample, channel), group norm within each (sample, group of channels), layer norm within
# each sample over its last dimensions. In memory every unit is one contiguous block of x, so the
# (1, units, elements) view of x turns the units into the channels of a one-sample batch, and the
# BatchNorm above (batch statistics, no affine) does the normalising: the same formula, the same
# backward, differentiable again. The learned scale and shift are then applied with Tensor ops.


def _normalize_blocks(x: Tensor, units: int, eps: float) -> Tensor:
    """x with each of its `units` equal consecutive blocks normalised to mean 0, variance 1."""
    blocks = x.reshape(1, units, -1)
    out = BatchNorm.apply(blocks, None, None, None, None, training=True, momentum=0.0,
                          eps=float(eps))
    return out.reshape(x.shape)


def _scale_and_shift(y: Tensor, weight, bias, shape) -> Tensor:
    """y * weight + bias, with weight and bias reshaped to `shape` (each may be None)."""
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def _check_vector(op: str, name: str, param, channels: int, input_shape) -> None:
    if param is not None and param.shape != (channels,):
        raise RuntimeError(f"{op}: expected {name} to be a vector of size equal to the number of "
                           f"channels in input, but got {name} of shape {list(param.shape)} and "
                           f"input of shape {list(input_shape)}")


def instance_norm(input: Tensor, running_mean=None, running_var=None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    """Instance normalisation of input (N, C, *spatial): each sample's each channel is normalised
    over its own spatial positions (CycleGAN, pix2pix and style transfer use it)::

        y[n, c] = (x[n, c] - mean(x[n, c])) / sqrt(var(x[n, c]) + eps) * weight[c] + bias[c]

    With running_mean/running_var (C,) and use_input_stats, they are updated in place with the
    average over the batch of the instance statistics (variance unbiased), as batch norm does with
    the batch's; with use_input_stats=False they replace the instance statistics.
    """
    input = as_tensor(input)
    if input.ndim < 3:
        raise ValueError("instance_norm expects an input (N, C, *spatial), got shape "
                         f"{tuple(input.shape)}")
    n, c = input.shape[:2]
    for name, param in (("weight", weight), ("bias", bias)):
        _check_vector("instance_norm", name, param, c, input.shape)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    spatial = input.numel() // max(n * c, 1)
    if spatial <= 1:
        raise ValueError("Expected more than 1 spatial element when training, got input size "
                         f"{tuple(input.shape)}")
    if running_mean is not None and running_var is not None:
        _update_instance_running_stats(input.array.reshape(n, c, spatial),
                                       _raw_buffer(running_mean, "running_mean", c),
                                       _raw_buffer(running_var, "running_var", c), momentum)
    y = _normalize_blocks(input, n * c, eps)
    return _scale_and_shift(y, weight, bias, (1, c) + (1,) * (input.ndim - 2))


def _update_instance_running_stats(x, running_mean, running_var, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * (the batch average of the statistics of
    each instance of x: (N, C, m); variance unbiased), in place."""
    m = x.shape[2]
    running_mean[...] = (1 - momentum) * running_mean + momentum * x.mean(axis=2).mean(axis=0)
    running_var[...] = ((1 - momentum) * running_var
                        + momentum * x.var(axis=2).mean(axis=0) * (m / (m - 1)))


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalisation of input (N, C, *): the C channels are cut into num_groups groups of
    consecutive channels, and each sample's each group is normalised over its channels and
    positions; then y * weight[c] + bias[c]. num_groups=1 is layer norm over (C, *), num_groups=C
    is instance norm."""
    input = as_tensor(input)
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    for name, param in (("weight", weight), ("bias", bias)):
        _check_vector("group_norm", name, param, c, input.shape)
    y = _normalize_blocks(input, n * num_groups, eps)
    return _scale_and_shift(y, weight, bias, (1, c) + (1,) * (input.ndim - 2))


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Layer normalisation: input (*, *normalized_shape) is normalised over its last
    len(normalized_shape) dimensions, separately for each leading index; then y * weight + bias,
    weight and bias of shape normalized_shape (one per element)."""
    input = as_tensor(input)
    shape = ((int(normalized_shape),) if isinstance(normalized_shape, int)
             else tuple(int(s) for s in normalized_shape))
    if not shape or input.shape[input.ndim - len(shape):] != shape or len(shape) > input.ndim:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in shape)}], but got input of "
                           f"size{list(input.shape)}")
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and param.shape != shape:
            raise RuntimeError(f"layer_norm: expected {name} of shape {list(shape)}, got "
                               f"{list(param.shape)}")
    units = input.numel() // max(int(np.prod(shape)), 1)
    y = _normalize_blocks(input, units, eps)
    return _scale_and_shift(y, weight, bias, shape)
