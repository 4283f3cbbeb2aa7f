"""Elementwise ops: exp, log, sqrt, abs, clamp, the activations (+ prelu), softplus, where, comparisons.

Each Function is followed by the function users call. Where a backward needs the forward's result
(exp, sigmoid, tanh, sqrt) it saves the output: the saved output comes back as a Tensor linked to
this node, so second derivatives work.

The piecewise-linear ops (abs, clamp, relu, leaky_relu) have a slope that is constant on each piece.
Their backward is ``PiecewiseSlope``: grad * slope, with the op's input (or output) as an extra
input whose own derivative is zero. That keeps the gradient connected to the input, so a second
derivative through relu is zeros, as in PyTorch, rather than "does not require grad".
"""

from __future__ import annotations

from minigan.autograd import Function
from minigan.backend import get_array_module
from minigan.ops._operands import as_tensor, as_tensors
from minigan.ops.shape import sum_to
from minigan.tensor import Tensor


class PiecewiseSlope(Function):
    """grad * slope, where slope (an array) is constant on each piece of x.

    A boolean slope (relu, clamp) passes grad or exactly 0 through a `where`, so inf/nan in grad do
    not leak through 0 * inf, as in PyTorch; other slopes (abs: sign(x), leaky_relu) multiply.
    x is an input only to keep the result connected to it: d/dx is 0 (slope does not change with
    x inside a piece).
    """

    @staticmethod
    def forward(ctx, grad, x, slope):
        ctx.slope = slope
        if slope.dtype != bool:
            return (grad * slope).astype(grad.dtype, copy=False)
        return get_array_module(grad).where(slope, grad, 0).astype(grad.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_grad):
        x = ctx.inputs[1]
        zeros = Tensor(get_array_module(x.array).zeros(x.shape, dtype=x.dtype))
        return PiecewiseSlope.apply(grad_grad, x, ctx.slope), zeros, None

    # speed: for a boolean slope and a finite grad, grad times the mask as 0/1 floats (+ 0 turns
    # -0.0 into 0.0, as `where` gives): 10x faster than where(slope, grad, 0) on (64, 32, 14, 14)
    # float32 (benchmarks/NOTES.md)
    @staticmethod
    def fast_forward(ctx, grad, x, slope):
        xp = get_array_module(grad)
        if slope.dtype != bool or not xp.isfinite(grad).all():
            return PiecewiseSlope.forward(ctx, grad, x, slope)
        ctx.slope = slope
        scaled = grad * xp.asarray(slope, dtype=grad.dtype)
        scaled += 0
        return scaled


def _times_slope(grad: Tensor, x: Tensor, slope) -> Tensor:
    return PiecewiseSlope.apply(grad, x, slope)


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        y = get_array_module(a).exp(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


def exp(x: Tensor) -> Tensor:
    return Exp.apply(x)


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


def log(x: Tensor) -> Tensor:
    return Log.apply(x)


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        y = get_array_module(a).sqrt(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (y * 2)


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(x)


class Abs(Function):
    """|a|; the gradient is sign(a), 0 at a == 0 (as in PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return _times_slope(grad, a, get_array_module(a.array).sign(a.array))


def abs(x: Tensor) -> Tensor:
    return Abs.apply(x)


class Clamp(Function):
    """Clip to [min, max]; the gradient passes where min <= a <= max."""

    @staticmethod
    def forward(ctx, a, low, high):
        ctx.save_for_backward(a)
        ctx.low, ctx.high = low, high
        return get_array_module(a).clip(a, low, high).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        inside = get_array_module(a.array).ones(a.shape, dtype=bool)
        if ctx.low is not None:
            inside &= a.array >= ctx.low
        if ctx.high is not None:
            inside &= a.array <= ctx.high
        return _times_slope(grad, a, inside), None, None


def clamp(x: Tensor, min=None, max=None) -> Tensor:
    """Clip values to [min, max] (either bound may be None). NumPy calls it clip."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp.apply(x, min, max)


clip = clamp


class Sigmoid(Function):
    """sigmoid(a) = 1 / (1 + exp(-a)), computed without overflow for large |a|;
    d/da = y * (1 - y)."""

    @staticmethod
    def forward(ctx, a):
        xp = get_array_module(a)
        e = xp.exp(-xp.abs(a))  # in (0, 1]: never overflows
        y = xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(x)


class Tanh(Function):
    @staticmethod
    def forward(ctx, a):
        y = get_array_module(a).tanh(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(x)


class ReLU(Function):
    """max(a, 0); the gradient passes where the output is positive (PyTorch saves the output
    too)."""

    @staticmethod
    def forward(ctx, a):
        y = get_array_module(a).maximum(a, 0).astype(a.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return _times_slope(grad, y, y.array > 0)


def relu(x: Tensor) -> Tensor:
    return ReLU.apply(x)


class LeakyReLU(Function):
    """a for a > 0, negative_slope * a otherwise; the gradient is 1 or negative_slope likewise."""

    @staticmethod
    def forward(ctx, a, negative_slope):
        ctx.save_for_backward(a)
        ctx.negative_slope = s = float(negative_slope)
        return get_array_module(a).where(a > 0, a, a * s)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        xp, s = get_array_module(a.array), ctx.negative_slope
        slope = xp.where(a.array > 0, 1.0, s).astype(a.dtype, copy=False)
        return _times_slope(grad, a, slope), None

    # speed: for 0 <= s <= 1 the same piecewise line as max(a, s * a), in two passes written into
    # one fresh array instead of three; and the slope as max(1 or 0, s) from the mask cast to floats
    # (exactly 1 or s; 5x faster than where(a > 0, 1, s)). LeakyReLU forward + backward 1.9x faster
    # on (64, 32, 14, 14) float32 (benchmarks/NOTES.md, "LeakyReLU").
    @staticmethod
    def fast_forward(ctx, a, negative_slope):
        s = float(negative_slope)
        if a.dtype.kind != "f" or not 0 <= s <= 1:
            return LeakyReLU.forward(ctx, a, negative_slope)
        ctx.save_for_backward(a)
        ctx.negative_slope = s
        xp = get_array_module(a)
        y = xp.multiply(a, s, out=xp.empty_like(a))  # an array even for 0-d a (a * s: a scalar)
        return xp.maximum(a, y, out=y)

    @staticmethod
    def fast_backward(ctx, grad):
        (a,) = ctx.saved_tensors
        xp, s = get_array_module(a.array), ctx.negative_slope
        if a.dtype.kind != "f" or not 0 <= s <= 1:
            return LeakyReLU.backward(ctx, grad)
        slope = xp.asarray(a.array > 0, dtype=a.dtype)  # an array even for 0-d a
        xp.maximum(slope, s, out=slope)
        return _times_slope(grad, a, slope), None


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLU.apply(x, negative_slope)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """PReLU: x where x > 0, weight * x elsewhere, a leaky ReLU whose slope is learned: one slope
    for every channel (weight of shape (1,)) or one per channel (dimension 1 of input). The
    gradient is 1 or the slope for x, and x (where x <= 0) for the slope; built on where."""
    input = as_tensor(input)
    if weight.numel() == 1:
        slope = weight.reshape(())
    else:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter "
                               f"numbers = {weight.numel()} and channel size = {channels}.")
        slope = weight.reshape((1, channels) + (1,) * (input.ndim - 2))
    return where(input.detach() > 0, input, slope * input)


class Softplus(Function):
    """softplus(a) = log(1 + exp(beta * a)) / beta, linear (= a) where beta * a > threshold.

    Written as max(z, 0) + log1p(exp(-|z|)) with z = beta * a, which never overflows.
    d/da = sigmoid(beta * a), and 1 in the linear region.
    """

    @staticmethod
    def forward(ctx, a, beta, threshold):
        xp = get_array_module(a)
        z = a * beta
        smooth = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        ctx.save_for_backward(a)
        ctx.beta, ctx.threshold = beta, threshold
        return xp.where(z > threshold, a, smooth).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        linear = a.array * ctx.beta > ctx.threshold
        return where(linear, grad, grad * sigmoid(a * ctx.beta)), None, None


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return Softplus.apply(x, beta, threshold)


class LogSigmoid(Function):
    """log(sigmoid(a)) = min(a, 0) - log1p(exp(-|a|)), stable for any a; d/da = sigmoid(-a)."""

    @staticmethod
    def forward(ctx, a):
        xp = get_array_module(a)
        ctx.save_for_backward(a)
        return (xp.minimum(a, 0) - xp.log1p(xp.exp(-xp.abs(a)))).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * sigmoid(-a)


def logsigmoid(x: Tensor) -> Tensor:
    return LogSigmoid.apply(x)


class Where(Function):
    """condition ? a : b, elementwise with broadcasting; `condition` is a boolean array (a
    non-Tensor argument: a constant)."""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        ctx.shapes = a.shape, b.shape
        return get_array_module(a).where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        shape_a, shape_b = ctx.shapes
        grad_a = grad_b = None
        zero = get_array_module(grad.array).zeros((), dtype=grad.dtype)
        if ctx.needs_input_grad[1]:
            grad_a = sum_to(Where.apply(condition.array, grad, zero), shape_a)
        if ctx.needs_input_grad[2]:
            grad_b = sum_to(Where.apply(condition.array, zero, grad), shape_b)
        return None, grad_a, grad_b


def where(condition, x, y) -> Tensor:
    """Elements of x where condition is True, of y elsewhere (x, y: tensors or numbers)."""
    condition = condition.array if isinstance(condition, Tensor) else condition
    x, y = as_tensors(x, y)
    xp = get_array_module(x.array)
    return Where.apply(xp.asarray(condition, dtype=bool), x, y)


# ----------------------------------------------------------------------------- comparisons

_COMPARISONS = ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")


def compare(a: Tensor, b, name: str) -> Tensor:
    """A boolean tensor (never requires grad) from one of NumPy's comparison ufuncs."""
    if name not in _COMPARISONS:
        raise ValueError(f"compare: unknown comparison {name!r}")
    b = as_tensor(b, like=a)
    xp = get_array_module(a.array)
    return Tensor(getattr(xp, name)(a.array, b.array))
