"""Elementwise ops: exp, log, sqrt, abs, clamp, the activations, softplus, where, comparisons.

Where a backward needs the forward's result (exp, sigmoid, tanh, sqrt) it saves the output: the
saved output comes back as a Tensor linked to this node, so second derivatives still work.
Piecewise ops (relu, clamp, abs, leaky_relu) save a constant mask or factor.
"""

from __future__ import annotations

from minigan.autograd import Function, Tensor
from minigan.backend import get_array_module
from minigan.ops._operands import as_tensor, as_tensors
from minigan.ops.shape import sum_to


def _zero_where_not(mask: Tensor, grad: Tensor) -> Tensor:
    """grad where mask is True, 0 elsewhere (a where, so inf/nan in grad do not leak through 0 * x)."""
    zero = get_array_module(grad.array).zeros((), dtype=grad.dtype)
    return Where.apply(mask.array if isinstance(mask, Tensor) else mask, grad, zero)


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


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


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


class Abs(Function):
    """|a|; the gradient is sign(a), 0 at a == 0 (as in PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        xp = get_array_module(a)
        ctx.save_for_backward(xp.sign(a))
        return xp.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (sign,) = ctx.saved_tensors
        return grad * sign


class Clamp(Function):
    """Clip to [min, max]; the gradient passes where min <= a <= max."""

    @staticmethod
    def forward(ctx, a, low, high):
        xp = get_array_module(a)
        inside = xp.ones(a.shape, dtype=bool)
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        ctx.save_for_backward(inside)
        return xp.clip(a, low, high).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return _zero_where_not(inside, grad), None, None


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


class ReLU(Function):
    @staticmethod
    def forward(ctx, a):
        y = get_array_module(a).maximum(a, 0).astype(a.dtype, copy=False)
        ctx.save_for_backward(y > 0)
        return y

    @staticmethod
    def backward(ctx, grad):
        (positive,) = ctx.saved_tensors
        return _zero_where_not(positive, grad)


class LeakyReLU(Function):
    """a for a > 0, negative_slope * a otherwise; the gradient is 1 or negative_slope likewise."""

    @staticmethod
    def forward(ctx, a, negative_slope):
        positive = a > 0
        ctx.save_for_backward(positive)
        ctx.negative_slope = float(negative_slope)
        return get_array_module(a).where(positive, a, a * ctx.negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (positive,) = ctx.saved_tensors
        return where(positive, grad, grad * ctx.negative_slope), None


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
        linear = z > threshold
        ctx.save_for_backward(a, linear)
        ctx.beta = beta
        return xp.where(linear, a, smooth).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        a, linear = ctx.saved_tensors
        return where(linear, grad, grad * sigmoid(a * ctx.beta)), None, None


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


class Where(Function):
    """condition ? a : b, elementwise with broadcasting; `condition` is a boolean array."""

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
        if ctx.needs_input_grad[1]:
            grad_a = sum_to(_zero_where_not(condition, grad), shape_a)
        if ctx.needs_input_grad[2]:
            grad_b = sum_to(_zero_where_not(Tensor(~condition.array), grad), shape_b)
        return None, grad_a, grad_b


# ----------------------------------------------------------------------------- user-facing functions


def exp(x: Tensor) -> Tensor:
    return Exp.apply(x)


def log(x: Tensor) -> Tensor:
    return Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(x)


def abs(x: Tensor) -> Tensor:
    return Abs.apply(x)


def clamp(x: Tensor, min=None, max=None) -> Tensor:
    """Clip values to [min, max] (either bound may be None). NumPy calls it clip."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp.apply(x, min, max)


clip = clamp


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(x)


def relu(x: Tensor) -> Tensor:
    return ReLU.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLU.apply(x, negative_slope)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return Softplus.apply(x, beta, threshold)


def logsigmoid(x: Tensor) -> Tensor:
    return LogSigmoid.apply(x)


def where(condition, x, y) -> Tensor:
    """Elements of x where condition is True, of y elsewhere (x, y: tensors or numbers)."""
    condition = condition.array if isinstance(condition, Tensor) else condition
    x, y = as_tensors(x, y)
    xp = get_array_module(x.array)
    return Where.apply(xp.asarray(condition, dtype=bool), x, y)


_COMPARISONS = ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")


def compare(a: Tensor, b, name: str) -> Tensor:
    """A boolean tensor (never requires grad) from one of NumPy's comparison ufuncs."""
    if name not in _COMPARISONS:
        raise ValueError(f"compare: unknown comparison {name!r}")
    b = as_tensor(b, like=a)
    xp = get_array_module(a.array)
    return Tensor(getattr(xp, name)(a.array, b.array))
