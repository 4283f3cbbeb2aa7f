"""Losses, and the softmax family they are built on.

Every loss takes PyTorch's ``reduction``: 'none' gives one loss per element, 'sum' their sum and
'mean' their mean (for weighted nll_loss / cross_entropy / mse_loss: the weighted sum divided by the
sum of the weights, as in PyTorch).

    binary_cross_entropy                 x: probabilities in [0, 1]      (a Function: clamped logs)
    binary_cross_entropy_with_logits     x: logits, any size             (composite of logsigmoids)
    mse_loss                             any x                           (composite)
    log_softmax, softmax                 along one dimension             (Functions: stable forms)
    nll_loss, cross_entropy              integer class targets           (composites)
"""

from __future__ import annotations

import warnings

import numpy as np

from minigan.autograd import Function, Tensor
from minigan.backend import get_array_module
from minigan.ops._operands import as_tensor, integer_array
from minigan.ops.elementwise import clamp, log, logsigmoid
from minigan.ops.shape import _normalize_dim, getitem, permute, reshape

_REDUCTIONS = ("mean", "sum", "none")


def legacy_reduction(size_average, reduce, reduction: str, what: str) -> str:
    """The reduction a loss uses: `reduction` ('mean', 'sum', 'none'), or, from old programs, the
    deprecated spellings PyTorch still accepts with a warning: reduction='elementwise_mean'
    (= 'mean'), and size_average= / reduce= (either given: reduce=False -> 'none', else
    size_average=False -> 'sum', else 'mean')."""
    if size_average is not None or reduce is not None:
        reduction = "none" if reduce is False else "sum" if size_average is False else "mean"
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", UserWarning, stacklevel=3)
        reduction = "mean"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{what}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _same_shape_target(input: Tensor, target, what: str) -> Tensor:
    """The target as a Tensor of input's dtype, which must have input's shape."""
    target = as_tensor(target, like=input)
    if target.shape != input.shape:
        raise ValueError(
            f"{what}: target shape {tuple(target.shape)} differs from input shape "
            f"{tuple(input.shape)}; they must "
            "be the same (reshape one of them, e.g. target.reshape(input.shape))"
        )
    return target.astype(input.dtype)


def _broadcast_weight(weight, input: Tensor, name: str, what: str) -> Tensor:
    """A weight Tensor that broadcasts against input (a ValueError that says so otherwise)."""
    weight = as_tensor(weight, like=input)
    try:
        broadcast = np.broadcast_shapes(weight.shape, input.shape)
    except ValueError:
        broadcast = None
    if broadcast != input.shape:
        raise ValueError(f"{what}: {name} of shape {tuple(weight.shape)} does not broadcast to "
                         f"input shape {tuple(input.shape)}")
    return weight.astype(input.dtype)


# ----------------------------------------------------------------------------- binary cross-entropy


class BinaryCrossEntropy(Function):
    """l = -(y * log(x) + (1 - y) * log(1 - x)), each log clamped at -100 (as PyTorch does, so that
    x = 0 or 1 gives a finite loss).

    dl/dx = (x - y) / max(x * (1 - x), 1e-12)      (PyTorch's guard: finite at x = 0 and x = 1)
    dl/dy = log(1 - x) - log(x)
    """

    @staticmethod
    def forward(ctx, x, y):
        xp = get_array_module(x)
        with np.errstate(divide="ignore"):
            log_x = xp.maximum(xp.log(x), -100)
            log_one_minus_x = xp.maximum(xp.log1p(-x), -100)
        ctx.save_for_backward(x, y)
        return -(y * log_x + (1 - y) * log_one_minus_x)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = grad * (x - y) / clamp(x * (1 - x), min=1e-12)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                grad_y = grad * (log(1 - x) - log(x))
        return grad_x, grad_y


def binary_cross_entropy(input: Tensor, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """l = -w * (y * log(x) + (1 - y) * log(1 - x)), each log clamped at -100.

    input: probabilities x in [0, 1], any shape; target y: the same shape (labels or soft labels in
    [0, 1]); weight w: broadcastable to input's shape. 'mean' is the mean of the weighted losses.
    """
    what = "binary_cross_entropy"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    input = as_tensor(input)
    target = _same_shape_target(input, target, what)
    data = input.array
    if data.size and not bool(((data >= 0) & (data <= 1)).all()):
        raise ValueError(
            f"{what}: every element of input must be a probability in [0, 1] (got values from "
            f"{float(data.min())} to {float(data.max())}); for logits use "
            f"binary_cross_entropy_with_logits"
        )
    losses = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        losses = losses * _broadcast_weight(weight, input, "weight", what)
    return _reduce(losses, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """Binary cross-entropy of sigmoid(x), computed from the logits x without overflow.

    l = -w * (p * y * logsigmoid(x) + (1 - y) * logsigmoid(-x))

    since log(sigmoid(x)) = logsigmoid(x) and log(1 - sigmoid(x)) = logsigmoid(-x), where
    logsigmoid(x) = min(x, 0) - log(1 + exp(-|x|)) is finite for every x, and so are its
    derivatives: logits of +-1e4 give finite losses and gradients (and no 1 - sigmoid(x) rounds to
    0). input: logits x, any shape; target y: the same shape; weight w: broadcastable to input;
    pos_weight p: weight of the positive examples, broadcastable to input (usually (C,) for (N, C)).
    """
    what = "binary_cross_entropy_with_logits"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    input = as_tensor(input)
    target = _same_shape_target(input, target, what)
    positive = target * logsigmoid(input)
    if pos_weight is not None:
        positive = positive * _broadcast_weight(pos_weight, input, "pos_weight", what)
    losses = -(positive + (1 - target) * logsigmoid(-input))
    if weight is not None:
        losses = losses * _broadcast_weight(weight, input, "weight", what)
    return _reduce(losses, reduction)


def mse_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:
    """l = w * (x - y) ** 2.

    input x and target y: the same shape (no silent broadcasting); weight w: input's shape, and
    then 'mean' is sum(l) / sum(w) (PyTorch's weighted mean).
    """
    what = "mse_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    input = as_tensor(input)
    target = _same_shape_target(input, target, what)
    difference = input - target
    losses = difference * difference
    if weight is None:
        return _reduce(losses, reduction)
    weight = as_tensor(weight, like=input)
    if weight.shape != input.shape:
        raise ValueError(f"{what}: weight shape {tuple(weight.shape)} differs from input shape "
                         f"{tuple(input.shape)}")
    losses = losses * weight
    return losses.sum() / weight.sum() if reduction == "mean" else _reduce(losses, reduction)


# ----------------------------------------------------------------------------- the softmax family


class LogSoftmax(Function):
    """y = x - max(x) - log(sum(exp(x - max(x)))) along `dim` (subtracting the max avoids overflow).

    dy/dx applied to g:  g - exp(y) * sum(g)      (exp(y) is the softmax)
    """

    @staticmethod
    def forward(ctx, x, dim):
        xp = get_array_module(x)
        shifted = x - x.max(axis=dim, keepdims=True)
        y = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - y.exp() * grad.sum(ctx.dim, keepdim=True), None


class Softmax(Function):
    """y = exp(x - max(x)) / sum(exp(x - max(x))) along `dim`.

    dy/dx applied to g:  y * (g - sum(g * y))
    """

    @staticmethod
    def forward(ctx, x, dim):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=dim, keepdims=True))
        y = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(ctx.dim, keepdim=True)), None


def log_softmax(input: Tensor, dim: int) -> Tensor:
    """log(softmax(input)) along dim, computed stably (never log of an underflowed 0)."""
    input = as_tensor(input)
    return LogSoftmax.apply(input, _normalize_dim(dim, input.ndim))


def softmax(input: Tensor, dim: int) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along dim: probabilities that sum to 1."""
    input = as_tensor(input)
    return Softmax.apply(input, _normalize_dim(dim, input.ndim))


# ----------------------------------------------------------------------------- classification
# losses


def _class_targets(input: Tensor, target, what: str):
    """Check integer class targets against input: (N, C) with (N,), (N, C, *d) with (N, *d), or
    (C,) with (). Returns (targets as an array on input's backend, number of classes)."""
    target = integer_array(target, f"{what}: target (class indices)")
    if input.ndim == 0:
        raise ValueError(f"{what}: input must have a class dimension, got a 0-d input")
    expected = () if input.ndim == 1 else (input.shape[0],) + input.shape[2:]
    if tuple(target.shape) != expected:
        raise ValueError(
            f"{what}: target must have shape {expected} for input of shape {tuple(input.shape)} "
            f"(classes along dimension {0 if input.ndim == 1 else 1}), got target shape "
            f"{tuple(target.shape)}"
        )
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    return get_array_module(input.array).asarray(target), classes


def _class_weight(weight, classes: int, input: Tensor, what: str):
    """The per-class weights (C,) as a constant array of input's dtype (ones when None)."""
    xp = get_array_module(input.array)
    if weight is None:
        return xp.ones(classes, dtype=input.dtype)
    array = weight.array if isinstance(weight, Tensor) else xp.asarray(weight)
    if tuple(array.shape) != (classes,):
        raise ValueError(f"{what}: weight must have shape ({classes},) (one per class), got "
                         f"{tuple(array.shape)}")
    return array.astype(input.dtype)


def _classes_last(input: Tensor) -> Tensor:
    """(N, C, *d) -> (N * prod(d), C); (N, C) and (C,) -> (N, C) and (1, C)."""
    if input.ndim == 1:
        return reshape(input, 1, input.shape[0])
    if input.ndim > 2:
        input = permute(input, (0,) + tuple(range(2, input.ndim)) + (1,))
    return reshape(input, -1, input.shape[-1])


def nll_loss(input: Tensor, target, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of integer class targets, from log-probabilities.

    l_i = -w[y_i] * input[i, y_i]   (0 where y_i == ignore_index)
    'mean': sum_i l_i / sum_i w[y_i] over the targets that are not ignored.
    input: (N, C), (N, C, *d) or (C,) log-probabilities (e.g. log_softmax(x, 1));
    target: (N,), (N, *d) or () integers in [0, C); weight: (C,) per-class weights.
    """
    what = "nll_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    input = as_tensor(input)
    target, classes = _class_targets(input, target, what)
    xp = get_array_module(input.array)
    ignored = target == ignore_index
    out_of_range = ~ignored & ((target < 0) | (target >= classes))
    if bool(out_of_range.any()):
        bad = int(target[out_of_range].reshape(-1)[0])
        raise IndexError(f"{what}: target {bad} is out of bounds for {classes} classes "
                         f"(input.shape[1])")
    safe = xp.where(ignored, 0, target).reshape(-1)
    picked = getitem(_classes_last(input), (xp.arange(safe.size), safe))
    w = _class_weight(weight, classes, input, what)[safe] * ~ignored.reshape(-1)
    losses = -picked * Tensor(w)
    if reduction == "none":
        return reshape(losses, target.shape)
    if reduction == "sum":
        return losses.sum()
    total_weight = w.sum()
    if not bool(total_weight):  # every target ignored: the mean of nothing is nan, zero gradient
        return losses.sum() + float("nan")
    return losses.sum() / Tensor(total_weight)


def cross_entropy(input: Tensor, target, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of integer class targets, from logits: nll_loss(log_softmax(input, class dim)).

    With label smoothing e, each target becomes the mixture (1 - e) * one_hot(y) + e / C, so
    l_i = (1 - e) * nll_i + e / C * sum_c (-w[c] * log_softmax(x_i)[c]).
    input: (N, C), (N, C, *d) or (C,) logits; target: (N,), (N, *d) or () integers in [0, C).
    """
    what = "cross_entropy"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{what}: label_smoothing must be in [0, 1], got {label_smoothing}")
    input = as_tensor(input)
    target, classes = _class_targets(input, target, what)
    class_dim = 0 if input.ndim == 1 else 1
    log_probs = log_softmax(input, class_dim)
    loss = nll_loss(log_probs, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0.0:
        return loss
    xp = get_array_module(input.array)
    w = _class_weight(weight, classes, input, what)
    w_shape = [1] * input.ndim
    w_shape[class_dim] = classes
    kept = target != ignore_index
    smooth = (-(log_probs * Tensor(w.reshape(w_shape))).sum(class_dim)
              * Tensor(kept.astype(input.dtype)))
    if reduction == "none":
        smooth_loss = smooth
    elif reduction == "sum":
        smooth_loss = smooth.sum()
    else:  # normalised like nll_loss: by the summed weights of the targets that are not ignored
        norm = w[xp.where(kept, target, 0)][kept].sum() if weight is not None else kept.sum()
        smooth_loss = smooth.sum() / Tensor(xp.asarray(norm, dtype=input.dtype))
    return (1 - label_smoothing) * loss + smooth_loss * (label_smoothing / classes)


def l1_loss(input: Tensor, target, size_average=None, reduce=None,
            reduction: str = "mean") -> Tensor:
    """l = |x - y| (input and target of the same shape), reduced by mean, sum or none."""
    what = "l1_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    input = as_tensor(input)
    target = _same_shape_target(input, target, what)
    return _reduce((input - target).abs(), reduction)
