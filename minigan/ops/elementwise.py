"""Elementwise ops: exp, log, sqrt, abs, clamp, the activations (+ prelu), softplus, where,
comparisons.

Each Function is followed by the function users call. Where a backward needs the forward's result
(exp, sigmoid, tanh, sqrt) it saves the output: the saved output comes back as a Tensor linked to
this node, so second derivatives work.

The piecewise-linear ops (abs, clamp, relu, leaky_relu) have a slope that is constant on each piece.
Their backward is ``PiecewiseSlope``: grad * slope, with the op's input (or output) as an extra
input whose own derivative is zero. That keeps the gradient connected to the input, so a second
derivative through relu is zeros, as in PyTorch, rather than "does not require grad".
"""

from __future__ import annotations

import numpy as np

from minigan import dtypes
from minigan.autograd import Function, backward_on_arrays
from minigan.backend import get_array_module
from minigan.ops._operands import as_tensor, as_tensors, operands
from minigan.ops.shape import sum_to, sum_to_array
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
        return _slope_product(grad, slope)

    @staticmethod
    def backward(ctx, grad_grad):
        x = ctx.inputs[1]
        zeros = Tensor(get_array_module(x.array).zeros(x.shape, dtype=x.dtype))
        return PiecewiseSlope.apply(grad_grad, x, ctx.slope), zeros, None

    @staticmethod
    def fast_forward(ctx, grad, x, slope):  # speed: _fast_slope_product, below
        ctx.slope = slope
        return _fast_slope_product(grad, slope)


def _slope_product(grad, slope):
    """PiecewiseSlope's forward on raw arrays."""
    if slope.dtype != bool:
        return (grad * slope).astype(grad.dtype, copy=False)
    return get_array_module(grad).where(slope, grad, 0).astype(grad.dtype, copy=False)


# speed: for a boolean slope and a finite grad, grad times the mask as 0/1 floats (+ 0 turns -0.0
# into 0.0, as `where` gives): 10x faster than where(slope, grad, 0) on (64, 32, 14, 14) float32
# (benchmarks/NOTES.md)
def _fast_slope_product(grad, slope):
    xp = get_array_module(grad)
    if slope.dtype != bool or not xp.isfinite(grad).all():
        return _slope_product(grad, slope)
    scaled = grad * xp.asarray(slope, dtype=grad.dtype)
    scaled += 0
    return scaled


def _times_slope(grad: Tensor, x: Tensor, slope) -> Tensor:
    return PiecewiseSlope.apply(grad, x, slope)


def floating(x) -> Tensor:
    """x for the float-valued ops (exp, log, sqrt, ...): an integer or bool tensor becomes the
    default float dtype first, as in PyTorch (mg.tensor([0, 1]).exp() is float32)."""
    if isinstance(x, Tensor) and x.array.dtype.kind in "fc":  # the common case, first
        return x
    x = as_tensor(x)
    return x if x.array.dtype.kind in "fc" else x.astype(dtypes.floating(x.array.dtype))


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

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        (y,) = ctx.saved_arrays
        return grad * y


def exp(x: Tensor) -> Tensor:
    return Exp.apply(floating(x))


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        (a,) = ctx.saved_arrays
        return grad / a


def log(x: Tensor) -> Tensor:
    return Log.apply(floating(x))


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

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        (y,) = ctx.saved_arrays
        return grad / (y * 2)


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(floating(x))


class Log1p(Function):
    """log(1 + a), accurate for small a; d/da = 1 / (1 + a)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).log1p(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a + 1)


def log1p(x: Tensor) -> Tensor:
    return Log1p.apply(floating(x))


class Rsqrt(Function):
    """y = 1 / sqrt(a);  dy/da = -y^3 / 2."""

    @staticmethod
    def forward(ctx, a):
        xp = get_array_module(a)
        y = xp.reciprocal(xp.sqrt(a))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y * y * y) * -0.5


def rsqrt(x: Tensor) -> Tensor:
    return Rsqrt.apply(floating(x))


class Sign(Function):
    """-1, 0 or 1; the gradient is 0 (sign is flat wherever it has a derivative)."""

    @staticmethod
    def forward(ctx, a):
        return get_array_module(a).sign(a)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


def sign(x: Tensor) -> Tensor:
    return Sign.apply(x)


def square(x: Tensor) -> Tensor:
    return x * x


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
    if x.array.dtype == bool:
        raise NotImplementedError('"abs_cpu" not implemented for \'Bool\'')
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
        y = sigmoid_array(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        (y,) = ctx.saved_arrays
        return grad * y * (1 - y)


def sigmoid_array(a):
    """Sigmoid's forward on a raw array."""
    xp = get_array_module(a)
    e = xp.exp(-xp.abs(a))  # in (0, 1]: never overflows
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(floating(x))


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

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        (y,) = ctx.saved_arrays
        return grad * (1 - y * y)


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(floating(x))


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

    @staticmethod
    def fast_forward(ctx, a):  # speed: maximum_with_number, below
        y = maximum_with_number(a, 0).astype(a.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        (y,) = ctx.saved_arrays
        return _fast_slope_product(grad, y > 0)


# speed: NumPy's maximum of an array and a number runs at ~0.4 ns a number (float32, one thread),
# with an array of that number instead at ~0.15, plus ~0.1 to fill it: ReLU's forward on
# (256, 128) (the MLP-GAN's hidden layers) 13.2 -> 8.0 us, on (64, 128, 7, 7) 150 -> 84 us,
# LeakyReLU's slope in backward on (64, 64, 14, 14) 370 -> 203 us; the same at (64, 64, 28, 28)
# (memory-bound). Below ~4k numbers the fill costs more than it saves (benchmarks/NOTES.md).
MAXIMUM_WITH_ARRAY_FROM = 1 << 13


def maximum_with_number(a, number, out=None):
    """np.maximum(a, number), the same numbers: from MAXIMUM_WITH_ARRAY_FROM numbers on, with the
    number as an array of a's shape."""
    xp = get_array_module(a)
    if a.size < MAXIMUM_WITH_ARRAY_FROM:
        return xp.maximum(a, number, out=out)
    return xp.maximum(a, xp.full_like(a, number), out=out)


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """inplace is accepted for PyTorch code; minigan never overwrites the input (README)."""
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
        maximum_with_number(slope, s, out=slope)
        if ctx.create_graph:
            return _times_slope(grad, a, slope), None
        return _fast_slope_product(grad.array, slope), None  # speed: an array (the walk wraps it)


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """inplace is accepted for PyTorch code; minigan never overwrites the input (README)."""
    return LeakyReLU.apply(x, negative_slope)


class ELU(Function):
    """a for a > 0, alpha * (exp(a) - 1) otherwise;  d/da = 1, or alpha * exp(a)."""

    @staticmethod
    def forward(ctx, a, alpha):
        xp = get_array_module(a)
        ctx.save_for_backward(a)
        ctx.alpha = alpha
        return xp.where(a > 0, a, alpha * xp.expm1(xp.minimum(a, 0))).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        positive = get_array_module(a.array).asarray(a.array > 0)  # an array even for 0-d a
        return Where.apply(positive, grad, grad * exp(a) * ctx.alpha), None


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """ELU (Clevert et al. 2016); inplace is accepted and has no effect."""
    return ELU.apply(floating(x), float(alpha))


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]."""
    return clamp(x, min_val, max_val)


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return clamp(x, 0.0, 6.0)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """PReLU: x where x > 0, weight * x elsewhere, a leaky ReLU whose slope is learned: one slope
    for every channel (weight of shape (1,)) or one per channel (dimension 1 of input). The
    gradient is 1 or the slope for x, and x (where x <= 0) for the slope; built on where."""
    input = as_tensor(input)
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    if weight.numel() == 1:
        slope = weight.reshape(())
    else:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {weight.numel()} and channel size = "
                               f"{channels}.")
        slope = weight.reshape((1, channels) + (1,) * (input.ndim - 2))
    return where(input.array > 0, input, slope * input)


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

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        (a,) = ctx.saved_arrays
        linear = a * ctx.beta > ctx.threshold
        return where_arrays(linear, grad, grad * sigmoid_array(a * ctx.beta)), None, None


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return Softplus.apply(floating(x), beta, threshold)


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
    return LogSigmoid.apply(floating(x))


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

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        (condition,) = ctx.saved_arrays
        shape_a, shape_b = ctx.shapes
        grad_a = grad_b = None
        zero = get_array_module(grad).zeros((), dtype=grad.dtype)
        if ctx.needs_input_grad[1]:
            grad_a = sum_to_array(where_arrays(condition, grad, zero), shape_a)
        if ctx.needs_input_grad[2]:
            grad_b = sum_to_array(where_arrays(condition, zero, grad), shape_b)
        return None, grad_a, grad_b

    # speed: NumPy's where runs at ~3.6 ns per number here, ten times a multiplication. For two
    # float arrays of one dtype the same choice is made on their bits (_where_by_bits), in four
    # passes of ~1 ns: where on (64, 64, 28, 28) float32 3-4x faster, PReLU(64) forward + backward
    # (three wheres) 1.8x. Its five calls cost ~6 us more than where's one, so for operands under
    # WHERE_BY_BITS_FROM numbers (the break-even is ~10k) where stays (benchmarks/NOTES.md).
    @staticmethod
    def fast_forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        ctx.shapes = a.shape, b.shape
        return where_arrays(condition, a, b)


WHERE_BY_BITS_FROM = 1 << 14


def where_arrays(condition, a, b):
    """np.where(condition, a, b) on raw arrays, by bits (_where_by_bits) where that is faster."""
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
            and a.dtype.kind == "f" and max(a.size, b.size) >= WHERE_BY_BITS_FROM):
        return get_array_module(a).where(condition, a, b)
    try:
        shape = np.broadcast(condition, a, b).shape  # (np.broadcast_shapes: 2 us, this 0.5)
    except ValueError:  # where's own error
        return np.where(condition, a, b)
    return _where_by_bits(condition, a, b, shape)


def _where_by_bits(condition, a, b, shape):
    """np.where(condition, a, b) for float arrays a, b of one dtype, broadcast to `shape`: with
    m = -1 (every bit set) where condition holds and 0 elsewhere, b ^ ((a ^ b) & m) has a's bits
    or b's, exactly (nan, -0.0 and inf kept)."""
    bits = np.dtype(f"i{a.dtype.itemsize}")
    mask = np.negative(np.asarray(condition).astype(bits))  # -1 where condition holds, else 0
    out = np.bitwise_xor(a.view(bits), b.view(bits), out=np.empty(shape, bits))
    out &= mask
    out ^= b.view(bits)
    return out.view(a.dtype)


def where(condition, x=None, y=None):
    """Elements of x where condition is True, of y elsewhere (x, y: tensors or numbers, promoted
    to one dtype as PyTorch does). ``where(condition)`` alone is ``nonzero(as_tuple=True)``: one
    int64 tensor of indices per dimension."""
    condition = condition.array if isinstance(condition, Tensor) else condition
    if x is None and y is None:
        return nonzero(Tensor(get_array_module(condition).asarray(condition)), as_tuple=True)
    x, y = as_tensors(x, y)
    xp = get_array_module(x.array)
    return Where.apply(xp.asarray(condition, dtype=bool), x, y)


def nonzero(x: Tensor, *, as_tuple: bool = False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or (as_tuple) one 1-D tensor
    per dimension."""
    xp = get_array_module(x.array)
    indices = xp.nonzero(x.array.reshape(1) if x.ndim == 0 else x.array)
    if as_tuple:
        return tuple(Tensor(i.astype(xp.int64, copy=False)) for i in indices)
    return Tensor(xp.stack(indices, axis=1).astype(xp.int64, copy=False))


class Maximum(Function):
    """max(a, b) elementwise; the gradient goes to the larger input, and is split in half on ties
    (as PyTorch does)."""

    @staticmethod
    def forward(ctx, a, b, largest):
        xp = get_array_module(a)
        share = (a > b) if largest else (a < b)
        ctx.share_a = (share + 0.5 * (a == b)).astype(a.dtype, copy=False)  # a constant per piece
        return xp.maximum(a, b) if largest else xp.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        share_a = Tensor(ctx.share_a)
        grad_a = sum_to(grad * share_a, ctx.inputs[0].shape) if ctx.needs_input_grad[0] else None
        grad_b = (sum_to(grad * (1 - share_a), ctx.inputs[1].shape) if ctx.needs_input_grad[1]
                  else None)
        return grad_a, grad_b, None


def maximum(a, b) -> Tensor:
    """The elementwise larger of a and b (torch.maximum; torch.max(a, b))."""
    return Maximum.apply(*as_tensors(a, b), True)


def minimum(a, b) -> Tensor:
    """The elementwise smaller of a and b (torch.minimum; torch.min(a, b))."""
    return Maximum.apply(*as_tensors(a, b), False)


# ----------------------------------------------------------------------------- comparisons

_COMPARISONS = ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")


def compare(a: Tensor, b, name: str) -> Tensor:
    """A boolean tensor (never requires grad) from one of NumPy's comparison ufuncs."""
    if name not in _COMPARISONS:
        raise ValueError(f"compare: unknown comparison {name!r}")
    a, b = operands(a, b)  # PyTorch compares in the promoted dtype (uint8 < -1 is uint8 < 255)
    xp = get_array_module(a.array)
    return Tensor(xp.asarray(getattr(xp, name)(a.array, b.array if isinstance(b, Tensor) else b)))


def eq(a, b) -> Tensor:
    return compare(as_tensor(a), b, "equal")


def ne(a, b) -> Tensor:
    return compare(as_tensor(a), b, "not_equal")


def lt(a, b) -> Tensor:
    return compare(as_tensor(a), b, "less")


def le(a, b) -> Tensor:
    return compare(as_tensor(a), b, "less_equal")


def gt(a, b) -> Tensor:
    return compare(as_tensor(a), b, "greater")


def ge(a, b) -> Tensor:
    return compare(as_tensor(a), b, "greater_equal")


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|a - b| <= atol + rtol * |b|, elementwise: a bool tensor."""
    a, b = as_tensors(a, b)
    xp = get_array_module(a.array)
    return Tensor(xp.isclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether isclose holds for every element (a Python bool)."""
    return bool(isclose(a, b, rtol, atol, equal_nan).array.all())


def equal(a, b) -> bool:
    """True when a and b have the same shape and the same elements."""
    a, b = as_tensors(a, b)
    return a.shape == b.shape and bool((a.array == b.array).all())
