"""Shape and reduction ops: reshape, permute, broadcast/sum_to, indexing, cat, sum, mean, max,
var/std; repeat, flip, chunk/split and clone.

Each backward is the "opposite" op: reshape undoes reshape, permute applies the inverse
permutation, broadcast_to and sum_to are each other's backward, indexing scatters back, flip
flips back. repeat, chunk/split, var/std are built from these, so their gradients come for free.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as np

from minigan.autograd import Function, Tensor, backward_on_arrays
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

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        return grad.reshape(ctx.input_shape), None


def reshape(x: Tensor, *shape) -> Tensor:
    shape = _shape_arg(shape)
    if x.shape == shape:
        return x
    if shape.count(-1) == 0 and int(math.prod(shape)) != x.numel():
        raise ValueError(f"reshape: cannot reshape a tensor of shape {tuple(x.shape)} "
                         f"({x.numel()} elements) into shape {shape}")
    return Reshape.apply(x, shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) for start_dim=1."""
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = _normalize_dim(start_dim, x.ndim), _normalize_dim(end_dim, x.ndim)
    merged = int(math.prod(x.shape[start:end + 1]))
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def unflatten(x: Tensor, dim: int, sizes) -> Tensor:
    """Split dimension `dim` into `sizes`: (N, 784) -> (N, 1, 28, 28) for dim=1, sizes=(1, 28,
    28)."""
    dim = _normalize_dim(dim, x.ndim)
    sizes = tuple(int(s) for s in sizes)
    known = int(math.prod([s for s in sizes if s != -1]))
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

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        inverse = tuple(int(i) for i in np.argsort(ctx.dims))
        return get_array_module(grad).transpose(grad, inverse), None


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

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        return sum_to_array(grad, ctx.input_shape), None


class SumTo(Function):
    """Sum a broadcast result back down to `shape`: the backward of every broadcasting op.

    Leading dimensions that broadcasting added are summed away; dimensions that were 1 in `shape`
    are summed with keepdims.
    """

    @staticmethod
    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        return sum_to_array(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(grad, ctx.input_shape), None

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        return get_array_module(grad).broadcast_to(grad, ctx.input_shape), None


def sum_to_array(a, shape: tuple):
    """SumTo's forward on a raw array: `a` itself when it has `shape` already (as sum_to)."""
    if a.shape == shape:
        return a
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and a.shape[lead + i] != 1
    )
    summed = a.sum(axis=axes, keepdims=True)
    return summed.reshape(shape)


def _check_broadcastable(source: tuple, target: tuple, op: str) -> None:
    ok = len(source) <= len(target) and all(
        s in (1, t) for s, t in zip(reversed(source), reversed(target))
    )
    if not ok:
        raise ValueError(f"{op}: shape {tuple(source)} cannot be broadcast to shape "
                         f"{tuple(target)}")


def _keep_sizes(source: tuple, shape: tuple) -> tuple:
    """`shape` with each -1 replaced by the size it stands for: the existing size in that place."""
    lead = len(shape) - len(source)
    return tuple(source[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(shape))


def broadcast_to(x: Tensor, *shape) -> Tensor:
    """x repeated (without copying) along size-1 and new leading dimensions; -1 keeps a size."""
    shape = _keep_sizes(x.shape, _shape_arg(shape))
    if x.shape == shape:
        return x
    _check_broadcastable(x.shape, shape, "broadcast_to")
    return BroadcastTo.apply(x, shape)


def expand(x: Tensor, *sizes) -> Tensor:
    """Tensor.expand: broadcast_to with PyTorch's errors (RuntimeError); -1 keeps a size, a new
    leading dimension must be given a size."""
    sizes = _shape_arg(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({x.ndim})")
    for i, size in enumerate(sizes):
        if size == -1 and i < lead:
            raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                               f"non-existing dimension {i}")
        if i >= lead and size != -1 and x.shape[i - lead] not in (1, size):
            raise RuntimeError(
                f"The expanded size of the tensor ({size}) must match the existing size "
                f"({x.shape[i - lead]}) at non-singleton dimension {i}.  Target sizes: "
                f"{list(sizes)}.  Tensor sizes: {list(x.shape)}")
    return broadcast_to(x, sizes)


def sum_to(x: Tensor, shape) -> Tensor:
    """Reduce `x` by summation to `shape`, which must broadcast to x.shape (the one place where
    broadcasting is undone in a backward pass)."""
    shape = tuple(shape)
    if x.array.shape == shape:
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


# ----------------------------------------------------------------------------- indexing by tensors
# narrow, index_select and gather are indexing (x[...]), so GetItem's backward (a scatter-add)
# serves them all; scatter places values with IndexAdd, GetItem's own backward.


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """x[..., start:start + length, ...] along dim (a view, as in PyTorch)."""
    dim = _normalize_dim(dim, x.ndim)
    start = start + x.shape[dim] if start < 0 else start
    if not 0 <= start <= start + length <= x.shape[dim]:
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds dimension {dim} of "
                         f"size {x.shape[dim]}")
    return getitem(x, (slice(None),) * dim + (slice(start, start + length),))


def index_select(x: Tensor, dim: int, index) -> Tensor:
    """The entries of x at `index` (a 1-D integer tensor) along dim."""
    from minigan.ops._operands import integer_array

    index = integer_array(index, "index_select: index")
    if index.ndim > 1:
        raise IndexError(f"index_select: index must be 1-D, got {index.ndim} dimensions")
    dim = _normalize_dim(dim, x.ndim)
    return GetItem.apply(x, (slice(None),) * dim + (index.reshape(-1),))


def _along(index, dim: int):
    """The advanced index that reads x[i0, ..., index[i0, ..., ik], ..., ik] for every position of
    `index` (an integer array): aranges in every dimension but dim, which takes `index` itself."""
    xp = get_array_module(index)
    grid = [xp.arange(n).reshape((-1,) + (1,) * (index.ndim - 1 - d))
            for d, n in enumerate(index.shape)]
    grid[dim] = index
    return tuple(grid)


def _gather_index(x: Tensor, dim: int, index, what: str):
    from minigan.ops._operands import integer_array

    index = integer_array(index, f"{what}: index")
    dim = _normalize_dim(dim, x.ndim)
    larger = any(i > s for d, (i, s) in enumerate(zip(index.shape, x.shape)) if d != dim)
    if index.ndim != x.ndim or larger:
        raise RuntimeError(f"{what}: index of shape {tuple(index.shape)} must have as many "
                           f"dimensions as the input {tuple(x.shape)} and be no larger outside "
                           f"dim {dim}")
    return _along(index, dim)


def gather(x: Tensor, dim: int, index) -> Tensor:
    """out[i][j] = x[i][index[i][j]] for dim=1 (likewise for any dim); out has index's shape."""
    return GetItem.apply(x, _gather_index(x, dim, index, "gather"))


def scatter(x: Tensor, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
    """A copy of x with out[i][index[i][j]] = src[i][j] for dim=1 (src may be a number, or value=).
    Differentiable with respect to x and src; with repeated indices the values are added (PyTorch
    leaves the choice undefined). reduce='add' adds to x instead of replacing."""
    from minigan.ops.elementwise import where

    where_to = _gather_index(x, dim, index, "scatter")
    src = value if src is None else src
    xp = get_array_module(x.array)
    if isinstance(src, Tensor):
        part = src
        if src.shape != where_to[dim].shape:
            part = src[tuple(slice(0, n) for n in where_to[dim].shape)]
        placed = IndexAdd.apply(part.astype(x.dtype), x.shape, where_to)
    else:
        placed = Tensor(xp.zeros(x.shape, dtype=x.dtype))
        placed.array[where_to] = src
    if reduce == "add":
        return x + placed
    if reduce is not None:
        raise ValueError(f"scatter: reduce must be None or 'add', got {reduce!r}")
    hit = xp.zeros(x.shape, dtype=bool)
    hit[where_to] = True
    return where(hit, placed, x)


def scatter_add(x: Tensor, dim: int, index, src) -> Tensor:
    """A copy of x with src[i][j] added at out[i][index[i][j]] (dim=1); repeated indices add up."""
    return scatter(x, dim, index, src, reduce="add")


def masked_fill(x: Tensor, mask, value) -> Tensor:
    """x with `value` where mask (a bool tensor that broadcasts to x) is True; x's dtype."""
    from minigan.ops.elementwise import where

    xp = get_array_module(x.array)
    value = value.array if isinstance(value, Tensor) else value
    return where(mask, Tensor(xp.asarray(value, dtype=x.dtype)), x)


class Roll(Function):
    """Elements shifted along dims, wrapping around; the backward shifts back."""

    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return get_array_module(a).roll(a, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        if ctx.shifts is None:
            back = None
        else:
            back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return Roll.apply(grad, back, ctx.dims), None, None


def roll(x: Tensor, shifts, dims=None) -> Tensor:
    """torch.roll: shift by `shifts` along `dims` (the flattened tensor when dims is None)."""
    shifts = tuple(int(s) for s in shifts) if isinstance(shifts, (tuple, list)) else int(shifts)
    if dims is None:
        return reshape(Roll.apply(reshape(x, -1), shifts, 0), x.shape)
    dims = tuple(_normalize_dim(int(d), x.ndim) for d in dims) if isinstance(dims, (tuple, list)) \
        else _normalize_dim(int(dims), x.ndim)
    return Roll.apply(x, shifts, dims)


def t(x: Tensor) -> Tensor:
    """The transpose of a matrix (0-D and 1-D tensors come back as they are)."""
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return x if x.ndim < 2 else transpose(x, 0, 1)


# ----------------------------------------------------------------------------- cat, stack


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
                f"cat: tensor {i} has shape {tuple(t.shape)}, which does not match tensor 0's "
                f"shape {tuple(first.shape)} outside dimension {dim}"
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

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        kept = grad.reshape(_kept_shape(ctx.input_shape, ctx.dims))
        return get_array_module(grad).broadcast_to(kept, ctx.input_shape), None, None


class Mean(Function):
    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.input_shape, ctx.dims = a.shape, dims
        ctx.count = int(math.prod([a.shape[d] for d in dims]))
        return a.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        kept = grad.reshape(_kept_shape(ctx.input_shape, ctx.dims))
        return broadcast_to(kept / ctx.count, ctx.input_shape), None, None

    @backward_on_arrays  # speed: the same on raw arrays (minigan/autograd.py)
    def fast_backward(ctx, grad):
        kept = grad.reshape(_kept_shape(ctx.input_shape, ctx.dims))
        return get_array_module(grad).broadcast_to(kept / ctx.count, ctx.input_shape), None, None


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


def dim_arguments(dim, keepdim, axis, keepdims, what: str) -> tuple:
    """(dim, keepdim) from PyTorch's names or their NumPy aliases axis= and keepdims= (PyTorch
    accepts both spellings)."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{what}() got both dim and its alias axis")
        dim = axis
    return dim, keepdim if keepdims is None else keepdims


_TORCH_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                     "uint8": "Byte", "bool": "Bool"}


def _require_floating(x: Tensor, what: str, message: str) -> None:
    if x.array.dtype.kind not in "fc":
        name = x.array.dtype.name
        raise RuntimeError(message.format(what=what, got=_TORCH_TYPE_NAMES.get(name, name)))


def sum(x: Tensor, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """The sum over `dim` (all elements when None). Integers and bools sum to int64, as in
    PyTorch."""
    dim, keepdim = dim_arguments(dim, keepdim, axis, keepdims, "sum")
    if dtype is not None:
        x = x.astype(dtype)
    elif x.array.dtype.kind in "bu" or x.array.dtype.kind == "i" and x.array.dtype != np.int64:
        x = x.astype(np.int64)
    dims, keep = reduction_dims(x.ndim, dim, keepdim)
    return Sum.apply(x, dims, keep)


def mean(x: Tensor, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """The mean over `dim`; a float (or complex) tensor only, or give dtype= (as in PyTorch)."""
    dim, keepdim = dim_arguments(dim, keepdim, axis, keepdims, "mean")
    if dtype is not None:
        x = x.astype(dtype)
    _require_floating(x, "mean", "{what}(): could not infer output dtype. Input dtype must be "
                      "either a floating point or complex dtype. Got: {got}")
    dims, keep = reduction_dims(x.ndim, dim, keepdim)
    return Mean.apply(x, dims, keep)


def var(x: Tensor, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None) -> Tensor:
    """Variance over `dim`: sum((x - mean)^2) / max(0, n - correction), PyTorch's signatures:
    var(dim, unbiased=True, keepdim=False), var(dim, *, correction=1, keepdim=False), var(unbiased);
    NumPy's axis= and keepdims= are accepted too. Float and complex tensors only.

    correction=1 (unbiased=True, the default) is Bessel's correction; 0 gives the biased variance.
    With n - correction <= 0 the result is inf or nan, with PyTorch's warning.
    """
    if isinstance(dim, bool):  # x.var(False): the unbiased flag in the first place
        dim, unbiased = None, dim
    dim, keepdim = dim_arguments(dim, keepdim, axis, keepdims, "var")
    _require_floating(x, "var", "std and var only support floating point and complex dtypes")
    if unbiased is not None and correction is not None:
        raise TypeError("var()/std(): give unbiased or correction, not both")
    correction = (1 if unbiased in (None, True) else 0) if correction is None else correction
    dims, keep = reduction_dims(x.ndim, dim, keepdim)
    count = int(math.prod([x.shape[d] for d in dims]))
    if count - correction <= 0:
        import warnings

        warnings.warn("var()/std(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    deviation = x - mean(x, dims, keepdim=True)
    squares = sum(deviation * deviation, dims, keep)
    with np.errstate(divide="ignore", invalid="ignore"):  # n - correction <= 0: x / 0, inf or nan
        return squares / builtins.max(count - correction, 0)


def std(x: Tensor, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None) -> Tensor:
    """Standard deviation: sqrt(var(...)), with var's arguments (PyTorch's signatures)."""
    return var(x, dim, unbiased, keepdim, correction=correction, axis=axis,
               keepdims=keepdims).sqrt()


def amax(x: Tensor, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    dim, keepdim = dim_arguments(dim, keepdim, axis, keepdims, "amax")
    dims, keep = reduction_dims(x.ndim, dim, keepdim)
    return Extremum.apply(x, dims, keep, True)


def amin(x: Tensor, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    dim, keepdim = dim_arguments(dim, keepdim, axis, keepdims, "amin")
    dims, keep = reduction_dims(x.ndim, dim, keepdim)
    return Extremum.apply(x, dims, keep, False)


def _return_type(name: str):
    """torch.return_types.max / min: a (values, indices) named tuple that prints as PyTorch's."""
    base = namedtuple(name, ["values", "indices"])

    def __repr__(self):
        return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__})


MaxResult, MinResult = _return_type("max"), _return_type("min")


def max(x: Tensor, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """torch.max, three ways: max(x) the largest element; max(x, dim) the (values, indices) along
    dim; max(x, other_tensor) the elementwise maximum."""
    if isinstance(dim, Tensor):
        from minigan.ops.elementwise import maximum

        return maximum(x, dim)
    dim, keepdim = dim_arguments(dim, keepdim, axis, keepdims, "max")
    if dim is None:
        return amax(x)
    return MaxResult(amax(x, dim, keepdim), argmax(x, dim, keepdim))


def min(x: Tensor, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """torch.min: the smallest element; (values, indices) along dim; or the elementwise minimum."""
    if isinstance(dim, Tensor):
        from minigan.ops.elementwise import minimum

        return minimum(x, dim)
    dim, keepdim = dim_arguments(dim, keepdim, axis, keepdims, "min")
    if dim is None:
        return amin(x)
    return MinResult(amin(x, dim, keepdim), argmin(x, dim, keepdim))


def argmax(x: Tensor, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """Index of the largest element (of the flattened tensor when dim is None); int64, no
    gradient."""
    dim, keepdim = dim_arguments(dim, keepdim, axis, keepdims, "argmax")
    if x.array.dtype == np.bool_:
        raise RuntimeError('"argmax_cpu" not implemented for \'Bool\'')
    xp = get_array_module(x.array)
    if dim is None:
        return Tensor(xp.asarray(xp.argmax(x.array)))
    return Tensor(xp.argmax(x.array, axis=_normalize_dim(dim, x.ndim), keepdims=keepdim))


def argmin(x: Tensor, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    dim, keepdim = dim_arguments(dim, keepdim, axis, keepdims, "argmin")
    if x.array.dtype == np.bool_:
        raise RuntimeError('"argmin_cpu" not implemented for \'Bool\'')
    xp = get_array_module(x.array)
    if dim is None:
        return Tensor(xp.asarray(xp.argmin(x.array)))
    return Tensor(xp.argmin(x.array, axis=_normalize_dim(dim, x.ndim), keepdims=keepdim))


def all_(x: Tensor, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """torch.all: whether every element (along dim) is non-zero, as a bool tensor (named all_ here:
    this module uses Python's all)."""
    dim, keepdim = dim_arguments(dim, keepdim, axis, keepdims, "all")
    dims, keep = reduction_dims(x.ndim, dim, keepdim)
    return _logical_result(x, x.array.all(axis=dims, keepdims=keep))


def any_(x: Tensor, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """torch.any: whether some element (along dim) is non-zero, as a bool tensor."""
    dim, keepdim = dim_arguments(dim, keepdim, axis, keepdims, "any")
    dims, keep = reduction_dims(x.ndim, dim, keepdim)
    return _logical_result(x, x.array.any(axis=dims, keepdims=keep))


def _logical_result(x: Tensor, result) -> Tensor:
    """all/any give bool, except for uint8 input, which gives uint8 (PyTorch's legacy rule)."""
    result = get_array_module(x.array).asarray(result)
    return Tensor(result.astype(np.uint8) if x.array.dtype == np.uint8 else result)


# ----------------------------------------------------------------------------- repeat, flip,
# chunk and split, clone


def repeat(x: Tensor, *sizes) -> Tensor:
    """Tensor.repeat: tile x `sizes[d]` times along each dimension d (as np.tile; new leading
    dimensions when len(sizes) > x.ndim). (2, 3).repeat(2, 1) -> (4, 3).

    Built from differentiable ops, so its gradient (a sum over the copies) is differentiable
    again: each dimension of size s becomes a pair (1, s), broadcast to (r, s), then merged to r*s.
    """
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    if any(r < 0 for r in sizes):
        raise RuntimeError(f"repeat: the repeat counts must be non-negative, got {list(sizes)}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    paired = reshape(x, tuple(n for s in shape for n in (1, s)))
    tiled = broadcast_to(paired, tuple(n for r, s in zip(sizes, shape) for n in (r, s)))
    return reshape(tiled, tuple(r * s for r, s in zip(sizes, shape)))


class Flip(Function):
    """Reverse the order of elements along `dims` (a copy, as in PyTorch); its own backward."""

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return get_array_module(a).flip(a, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, ctx.dims), None


def flip(x: Tensor, *dims) -> Tensor:
    """x reversed along each dimension in `dims` (an int, or a tuple/list: flip(0, 1) or
    flip((0, 1)))."""
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    dims = tuple(_normalize_dim(int(d), x.ndim) for d in _shape_arg(dims))
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
    return Flip.apply(x, dims)


def split(x: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of x along `dim`: each of size split_size (the last may be smaller), or of the sizes
    in a list. Each piece is a slice of x (its gradient flows back into x)."""
    dim = _normalize_dim(dim, x.ndim)
    length = x.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and length != 0):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {length}")
        sizes = ([builtins.min(size, length - start) for start in range(0, length, size)]
                 if size else [0])
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != length or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} "
                               f"(input tensor's size at dimension {dim}), but got "
                               f"split_sizes={sizes}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(getitem(x, (slice(None),) * dim + (slice(start, start + size),)))
        start += size
    return tuple(pieces)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple:
    """x split along `dim` into at most `chunks` pieces of size ceil(length / chunks)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = x.shape[_normalize_dim(dim, x.ndim)]
    return split(x, builtins.max(1, -(-length // chunks)) if length else 0, dim)


class Clone(Function):
    """A copy of x that stays in the graph (the gradient passes through unchanged)."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def clone(x: Tensor) -> Tensor:
    return Clone.apply(x)


def contiguous(x: Tensor) -> Tensor:
    """x itself when its array is C-contiguous (row-major, no gaps), else a contiguous copy."""
    return x if x.array.flags.c_contiguous else Clone.apply(x)
