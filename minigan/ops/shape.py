"""Shape and reduction ops: reshape, permute, broadcast/sum_to, indexing, cat, pad, sum, mean, max.

Each backward is the "opposite" op: reshape undoes reshape, permute applies the inverse
permutation, broadcast_to and sum_to are each other's backward, indexing scatters back.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from minigan.autograd import Function, Tensor
from minigan.backend import get_array_module
from minigan.ops._operands import as_tensor

# ----------------------------------------------------------------------------- helpers


def _shape_arg(shape) -> tuple:
    """Accept reshape(2, 3) and reshape((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _normalize_dim(dim: int, ndim: int) -> int:
    """A dimension index in [-ndim, ndim) -> [0, ndim); IndexError otherwise."""
    size = ndim if ndim > 0 else 1  # a 0-d tensor accepts dim 0 and -1, as in PyTorch
    if not -size <= dim < size:
        raise IndexError(f"dim {dim} is out of range for a tensor with {ndim} dimensions")
    return dim % size if ndim else 0


def reduction_dims(ndim: int, dim=None, keepdim=False):
    """(dims as a sorted tuple, keepdim) from PyTorch's dim (None, an int or a tuple) and
    keepdim."""
    if dim is None:
        return tuple(range(ndim)), bool(keepdim)
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    normalized = sorted({_normalize_dim(int(d), ndim) for d in dims}) if ndim else []
    return tuple(normalized), bool(keepdim)


def _kept_shape(shape, dims) -> tuple:
    """The shape of a reduction over `dims` with keepdims=True."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


# ----------------------------------------------------------------------------- reshape, permute


class Reshape(Function):
    output_is_view = True  # shares the input's version counter when it is a view

    @staticmethod
    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shape), None


def reshape(x: Tensor, *shape) -> Tensor:
    shape = _shape_arg(shape)
    if x.shape == shape:
        return x
    if shape.count(-1) == 0 and int(np.prod(shape)) != x.numel():
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.numel()} "
                         f"elements) into shape {shape}")
    return Reshape.apply(x, shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) for start_dim=1."""
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = _normalize_dim(start_dim, x.ndim), _normalize_dim(end_dim, x.ndim)
    merged = int(np.prod(x.shape[start:end + 1]))
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def unflatten(x: Tensor, dim: int, sizes) -> Tensor:
    """Split dimension `dim` into `sizes`: (N, 784) -> (N, 1, 28, 28) for dim=1, sizes=(1, 28,
    28)."""
    dim = _normalize_dim(dim, x.ndim)
    sizes = tuple(int(s) for s in sizes)
    known = int(np.prod([s for s in sizes if s != -1]))
    if (-1 not in sizes and known != x.shape[dim]) or (-1 in sizes and x.shape[dim] % (known or 1)):
        raise ValueError(f"unflatten: sizes {sizes} do not multiply to dimension {dim} of size "
                         f"{x.shape[dim]}")
    return reshape(x, x.shape[:dim] + sizes + x.shape[dim + 1:])


def squeeze(x: Tensor, dim=None) -> Tensor:
    """Remove size-1 dimensions (all of them, or only `dim` when it has size 1)."""
    if dim is None:
        return reshape(x, tuple(s for s in x.shape if s != 1))
    dim = _normalize_dim(dim, x.ndim)
    if x.ndim == 0 or x.shape[dim] != 1:
        return x
    return reshape(x, x.shape[:dim] + x.shape[dim + 1:])


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at position `dim` (in the result)."""
    dim = _normalize_dim(dim, x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


class Permute(Function):
    output_is_view = True  # shares the input's version counter when it is a view

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return get_array_module(a).transpose(a, dims)

    @staticmethod
    def backward(ctx, grad):
        inverse = tuple(int(i) for i in np.argsort(ctx.dims))
        return grad.permute(*inverse), None


def permute(x: Tensor, *dims) -> Tensor:
    dims = tuple(_normalize_dim(d, x.ndim) for d in _shape_arg(dims))
    if sorted(dims) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x.ndim} dimensions")
    return Permute.apply(x, dims)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    dims = list(range(x.ndim))
    d0, d1 = _normalize_dim(dim0, x.ndim), _normalize_dim(dim1, x.ndim)
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(x, tuple(dims))


# ----------------------------------------------------------------------------- broadcast_to and
# sum_to


class BroadcastTo(Function):
    output_is_view = True  # shares the input's version counter when it is a view

    @staticmethod
    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        return get_array_module(a).broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to(grad, ctx.input_shape), None


class SumTo(Function):
    """Sum a broadcast result back down to `shape`: the backward of every broadcasting op.

    Leading dimensions that broadcasting added are summed away; dimensions that were 1 in `shape`
    are summed with keepdims.
    """

    @staticmethod
    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, size in enumerate(shape) if size == 1 and a.shape[lead + i] != 1
        )
        summed = a.sum(axis=axes, keepdims=True)
        return summed.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(grad, ctx.input_shape), None


def _check_broadcastable(source: tuple, target: tuple, op: str) -> None:
    ok = len(source) <= len(target) and all(
        s in (1, t) for s, t in zip(reversed(source), reversed(target))
    )
    if not ok:
        raise ValueError(f"{op}: shape {source} cannot be broadcast to shape {target}")


def broadcast_to(x: Tensor, *shape) -> Tensor:
    shape = _shape_arg(shape)
    if x.shape == shape:
        return x
    _check_broadcastable(x.shape, shape, "broadcast_to")
    return BroadcastTo.apply(x, shape)


def sum_to(x: Tensor, shape) -> Tensor:
    """Reduce `x` by summation to `shape`, which must broadcast to x.shape (the one place where
    broadcasting is undone in a backward pass)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    _check_broadcastable(shape, x.shape, "sum_to")
    return SumTo.apply(x, shape)


# ----------------------------------------------------------------------------- indexing


def raw_index(index):
    """An index with every Tensor inside it replaced by its array."""
    if isinstance(index, Tensor):
        return index.array
    if isinstance(index, tuple):
        return tuple(raw_index(i) for i in index)
    if isinstance(index, list):
        return index if all(isinstance(i, (int, np.integer,
                                           bool)) for i in index) else [raw_index(i) for i in index]
    return index


def _is_advanced(index) -> bool:
    """True when the index has an integer or boolean array (elements may repeat: scatter-add)."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(hasattr(p, "shape") or isinstance(p, list) for p in parts)


class GetItem(Function):
    output_is_view = True  # shares the input's version counter when it is a view

    @staticmethod
    def forward(ctx, a, index):
        ctx.input_shape, ctx.index = a.shape, index
        return a[index]

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, ctx.input_shape, ctx.index), None


class IndexAdd(Function):
    """out = zeros(shape); out[index] += values (repeated elements accumulate)."""

    @staticmethod
    def forward(ctx, values, shape, index):
        ctx.index = index
        xp = get_array_module(values)
        out = xp.zeros(shape, dtype=values.dtype)
        if not _is_advanced(index):
            out[index] = values
        elif xp is np:
            np.add.at(out, index, values)
        else:  # pragma: no cover - CuPy only
            import cupyx

            cupyx.scatter_add(out, index, values)
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, ctx.index), None, None


def getitem(x: Tensor, index) -> Tensor:
    return GetItem.apply(x, raw_index(index))


# ----------------------------------------------------------------------------- cat, stack, pad


class Cat(Function):
    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim, ctx.sizes = dim, [a.shape[dim] for a in arrays]
        return get_array_module(arrays[0]).concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        for size in ctx.sizes:
            index = (slice(None),) * ctx.dim + (slice(start, start + size),)
            grads.append(grad[index])
            start += size
        return tuple(grads)


def cat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension (PyTorch's torch.cat; NumPy's concatenate)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    first = as_tensor(tensors[0])
    tensors = [as_tensor(t, like=first) for t in tensors]
    dim = _normalize_dim(dim, first.ndim)
    for i, t in enumerate(tensors):
        if (t.ndim != first.ndim
                or t.shape[:dim] + t.shape[dim + 1:] != first.shape[:dim] + first.shape[dim + 1:]):
            raise ValueError(
                f"cat: tensor {i} has shape {t.shape}, which does not match tensor 0's shape "
                f"{first.shape} outside dimension {dim}"
            )
    return Cat.apply(*tensors, dim=dim)


concatenate = cat


def stack(tensors, dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dimension."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    first = as_tensor(tensors[0])
    shapes = {as_tensor(t, like=first).shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return cat([unsqueeze(as_tensor(t, like=first), dim) for t in tensors], dim)


class Pad(Function):
    @staticmethod
    def forward(ctx, a, widths, value):
        ctx.crop = tuple(slice(before, before + size) for (before, _), size in zip(widths, a.shape))
        return get_array_module(a).pad(a, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.crop], None, None


def pad(x: Tensor, pad, value: float = 0.0) -> Tensor:
    """Constant padding, PyTorch's convention: pad = (left, right) for the last dimension, then
    (top, bottom) for the one before it, and so on."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expected an even number of values, at most {2 * x.ndim}, got {pad}")
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: padding must be non-negative, got {pad}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return Pad.apply(x, tuple(widths), value)


# ----------------------------------------------------------------------------- reductions


class Sum(Function):
    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.input_shape, ctx.dims = a.shape, dims
        return a.sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        kept = grad.reshape(_kept_shape(ctx.input_shape, ctx.dims))
        return broadcast_to(kept, ctx.input_shape), None, None


class Mean(Function):
    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.input_shape, ctx.dims = a.shape, dims
        ctx.count = int(np.prod([a.shape[d] for d in dims]))
        return a.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        kept = grad.reshape(_kept_shape(ctx.input_shape, ctx.dims))
        return broadcast_to(kept / ctx.count, ctx.input_shape), None, None


class Extremum(Function):
    """amax/amin: the gradient is shared equally among the elements that attain the extremum."""

    @staticmethod
    def forward(ctx, a, dims, keepdim, largest):
        xp = get_array_module(a)
        extreme = (xp.amax if largest else xp.amin)(a, axis=dims, keepdims=True)
        hits = (a == extreme)
        ctx.share = hits / hits.sum(axis=dims,
                                    keepdims=True)  # a constant (ties share the gradient)
        ctx.kept_shape = extreme.shape
        return extreme if keepdim else extreme.reshape([s for i,
                                                        s in enumerate(a.shape) if i not in dims])

    @staticmethod
    def backward(ctx, grad):
        share = Tensor(ctx.share)
        return broadcast_to(grad.reshape(ctx.kept_shape), share.shape) * share, None, None, None


def sum(x: Tensor, dim=None, keepdim=False) -> Tensor:
    dims, keep = reduction_dims(x.ndim, dim, keepdim)
    return Sum.apply(x, dims, keep)


def mean(x: Tensor, dim=None, keepdim=False) -> Tensor:
    dims, keep = reduction_dims(x.ndim, dim, keepdim)
    return Mean.apply(x, dims, keep)


def var(x: Tensor, dim=None, keepdim=False, *, unbiased=True) -> Tensor:
    """Variance: mean of squared deviations, divided by (n - 1) when unbiased (PyTorch's
    default)."""
    dims, keep = reduction_dims(x.ndim, dim, keepdim)
    count = int(np.prod([x.shape[d] for d in dims]))
    deviation = x - mean(x, dims, keepdim=True)
    return sum(deviation * deviation, dims, keep) / (count - 1 if unbiased else count)


def amax(x: Tensor, dim=None, keepdim=False) -> Tensor:
    dims, keep = reduction_dims(x.ndim, dim, keepdim)
    return Extremum.apply(x, dims, keep, True)


def amin(x: Tensor, dim=None, keepdim=False) -> Tensor:
    dims, keep = reduction_dims(x.ndim, dim, keepdim)
    return Extremum.apply(x, dims, keep, False)


MaxResult = namedtuple("MaxResult", ["values", "indices"])  # torch.return_types.max


def max(x: Tensor, dim=None, keepdim=False):
    """The largest element; with an int `dim`, (values, indices) along it, as in PyTorch."""
    if dim is None:
        return amax(x)
    return MaxResult(amax(x, dim, keepdim), argmax(x, dim, keepdim))


def min(x: Tensor, dim=None, keepdim=False):
    """The smallest element; with an int `dim`, (values, indices) along it, as in PyTorch."""
    if dim is None:
        return amin(x)
    return MaxResult(amin(x, dim, keepdim), argmin(x, dim, keepdim))


def argmax(x: Tensor, dim=None, keepdim=False) -> Tensor:
    """Index of the largest element (of the flattened tensor when dim is None); int64, no
    gradient."""
    xp = get_array_module(x.array)
    if dim is None:
        return Tensor(xp.asarray(xp.argmax(x.array)))
    return Tensor(xp.argmax(x.array, axis=_normalize_dim(dim, x.ndim), keepdims=keepdim))


def argmin(x: Tensor, dim=None, keepdim=False) -> Tensor:
    xp = get_array_module(x.array)
    if dim is None:
        return Tensor(xp.asarray(xp.argmin(x.array)))
    return Tensor(xp.argmin(x.array, axis=_normalize_dim(dim, x.ndim), keepdims=keepdim))
