"""Padding: F.pad with PyTorch's four modes (CycleGAN's generators pad by reflection).

pad = (left, right) for the last dimension, then (top, bottom) for the one before it, and so on.
What each mode puts in the border, for a row [a b c] padded by 2 on each side::

    constant    v v | a b c | v v      the value v (default 0)
    reflect     c b | a b c | b a      mirrored at the edge element, which is not repeated
    replicate   a a | a b c | c c      the edge element repeated
    circular    b c | a b c | a b      wrapped around

The forward is NumPy's pad, whose modes constant, reflect, edge and wrap are exactly these four.
A negative pad crops that side first (as in PyTorch), then the other sides are padded.

The backward is the adjoint of copying: the gradient of the centre goes to the input, and the
gradient of every border element is added to the input element it is a copy of. For reflect, the
left border of width b copies input elements b, b-1, ..., 1, so its gradient, flipped, is added
to elements 1..b; replicate sums a whole border onto the edge element; circular adds the left
border onto the last b elements. That fold is written with Tensor ops (slice, flip, sum, constant
pad), so the gradient is differentiable again.
"""

from __future__ import annotations

from minigan.autograd import Function, Tensor
from minigan.backend import get_array_module
from minigan.ops._operands import as_tensor
from minigan.ops.shape import Flip, getitem

MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class Pad(Function):
    """Pad array `a` by widths ((before, after) per dimension, all >= 0) in `mode`."""

    @staticmethod
    def forward(ctx, a, widths, mode, value):
        ctx.widths, ctx.mode, ctx.shape = widths, mode, a.shape
        xp = get_array_module(a)
        if mode == "constant":
            return xp.pad(a, widths, mode="constant", constant_values=value)
        return xp.pad(a, widths, mode=MODES[mode])

    @staticmethod
    def backward(ctx, grad):
        for axis, (before, after) in enumerate(ctx.widths):
            if before or after:
                grad = _fold_border(grad, axis, before, after, ctx.shape[axis], ctx.mode)
        return grad, None, None, None

    # speed: the same folds on raw arrays, in place on a copy of the centre (a recorded backward,
    # create_graph=True, is the reference's). The reference builds each border's contribution as a
    # zero-padded full-size tensor and adds it: 6 slices, 2 flips, 2 pads and 2 additions an axis.
    # Measured forward + backward, one thread, CPU time, fast paths off -> on (PyTorch): reflect 1
    # of CycleGAN's (8, 64, 7, 7) 436 -> 210 us (156), reflect 3 of (8, 3, 28, 28) 390 -> 183 us
    # (96), reflect 1 of (64, 64, 28, 28) 17.0 -> 7.9 ms (9.6), replicate 1 of it 20.0 -> 9.2 ms
    # (8.7). The forward by copies (_pad_array) instead of np.pad, whose own bookkeeping dominates
    # on small images: reflect 3 of CycleGAN's (8, 16, 28, 28) 133 -> 66 us; reflect 1 of (8, 64,
    # 7, 7) 59 vs 61 us (the same).
    @staticmethod
    def fast_forward(ctx, a, widths, mode, value):
        ctx.widths, ctx.mode, ctx.shape = widths, mode, a.shape
        return _pad_array(a, widths, mode, value)

    @staticmethod
    def fast_backward(ctx, grad):
        if ctx.create_graph:
            return Pad.backward(ctx, grad)
        g = grad.array
        for axis, (before, after) in enumerate(ctx.widths):
            if before or after:
                g = _fold_border_array(g, axis, before, after, ctx.shape[axis], ctx.mode)
        return Tensor(g), None, None, None


def _fold_border(grad: Tensor, axis: int, before: int, after: int, n: int, mode: str) -> Tensor:
    """The gradient of one padded axis, folded back onto the input's n elements (module
    docstring)."""
    def part(start, stop):
        return getitem(grad, (slice(None),) * axis + (slice(start, stop),))

    centre = part(before, before + n)
    if mode == "constant":
        return centre
    left, right = part(0, before), part(before + n, before + n + after)
    if mode == "reflect":  # left border copies elements before..1, right border n-2..n-1-after
        return (centre + _pad_axis(Flip.apply(left, (axis,)), axis, 1, n - 1 - before)
                + _pad_axis(Flip.apply(right, (axis,)), axis, n - 1 - after, 1))
    if mode == "replicate":  # every border element copies the edge element
        return (centre + _pad_axis(left.sum(axis, keepdim=True), axis, 0, n - 1)
                + _pad_axis(right.sum(axis, keepdim=True), axis, n - 1, 0))
    # circular: the left border copies the last `before` elements, the right the first `after`
    return centre + _pad_axis(left, axis, n - before, 0) + _pad_axis(right, axis, 0, n - after)


def _pad_array(a, widths, mode: str, value):
    """np.pad(a, widths, MODES[mode]) by copies: the centre, then axis by axis its two borders,
    read from what is already in place (so the corners come out as np.pad's)."""
    xp = get_array_module(a)
    shape = tuple(n + before + after for n, (before, after) in zip(a.shape, widths))
    centre = tuple(slice(before, before + n) for n, (before, _) in zip(a.shape, widths))
    if mode == "constant":
        out = xp.full(shape, value, dtype=a.dtype)
        out[centre] = a
        return out
    out = xp.empty(shape, a.dtype)
    out[centre] = a
    for axis, (before, after) in enumerate(widths):
        n = a.shape[axis]
        if axis == a.ndim - 1:  # speed: the last axis one position at a time (below)
            for border, source in _border_sources(mode, before, after, n):
                out[..., border] = out[..., source]
            continue
        if mode == "reflect":  # mirrored at the edge element, which is not repeated
            left = xp.flip(out[_along(axis, before + 1, 2 * before + 1)], axis)
            right = xp.flip(out[_along(axis, before + n - 1 - after, before + n - 1)], axis)
        elif mode == "replicate":  # the edge element, broadcast
            left = out[_along(axis, before, before + 1)]
            right = out[_along(axis, before + n - 1, before + n)]
        else:  # circular: the last `before` elements, then the first `after`
            left = out[_along(axis, n, n + before)]
            right = out[_along(axis, before, before + after)]
        out[_along(axis, 0, before)] = left
        out[_along(axis, before + n, before + n + after)] = right
    return out


def _along(axis: int, start: int, stop: int) -> tuple:
    """The index of elements start..stop-1 of one axis (all of the axes before it)."""
    return (slice(None),) * axis + (slice(start, stop),)


def _fold_border_array(g, axis: int, before: int, after: int, n: int, mode: str):
    """_fold_border on a raw array, the same additions in the same order (speed, above)."""
    def along(start, stop):
        return _along(axis, start, stop)

    out = g[along(before, before + n)].copy()
    if mode == "constant":
        return out
    if axis == g.ndim - 1 and mode != "replicate":  # speed: one position at a time (below)
        for border, source in _border_sources(mode, before, after, n):
            out[..., source - before] += g[..., border]
        return out
    left, right = g[along(0, before)], g[along(before + n, before + n + after)]
    xp = get_array_module(g)
    if mode == "reflect":
        out[along(1, before + 1)] += xp.flip(left, axis)
        out[along(n - 1 - after, n - 1)] += xp.flip(right, axis)
    elif mode == "replicate":
        out[along(0, 1)] += left.sum(axis, keepdims=True)
        out[along(n - 1, n)] += right.sum(axis, keepdims=True)
    else:  # circular
        out[along(n - before, n)] += left
        out[along(0, after)] += right
    return out


# speed: along the last axis a border is `before` numbers wide in every row, and a slab copy (or
# addition) of it runs NumPy's inner loop once per row on a few numbers: reflect 3 of CycleGAN's
# (8, 16, 28, 28) copies 8,704 runs of 3. One position at a time, each copy runs over the rows
# instead (6 copies of 4,352 numbers), the same copies and additions, so the same numbers bit for
# bit. Measured on CycleGAN's reflect 3 of (8, 16, 28, 28), one thread, CPU time: the forward
# alone 214 -> 126 us, the backward alone 246 -> 170 us; ReflectionPad2d(3) forward + backward +
# sum, old and new alternating in one process, 586 -> 500, 469 -> 311 and 455 -> 357 us in three
# runs (PyTorch 364-695, the host moving); at two threads, wall, 471 -> 315 us (PyTorch 296). On
# (64, 64, 28, 28) with width 1 (runs of 1 either way) the two are within +-8 %, either way round.
# Replicate's backward keeps its sum over the border (another order of additions). The other axes
# keep their slabs, whose runs are whole rows already: one position at a time there costs an
# operation per border position (reflect 12 of (2, 3, 16, 16) on every axis: 145 us with slabs
# on the other axes, 263 us without).


def _border_sources(mode: str, before: int, after: int, n: int) -> list:
    """(border position, the position it copies) along one axis of the padded array, the left
    border's then the right's: what _pad_array's slabs copy, one position at a time. Every source
    lies in the centre (positions before .. before + n - 1)."""
    if mode == "reflect":
        return ([(d, 2 * before - d) for d in range(before)]
                + [(before + n + j, before + n - 2 - j) for j in range(after)])
    if mode == "replicate":
        return [(d, before) for d in range(before)] + [(before + n + j, before + n - 1)
                                                         for j in range(after)]
    return [(d, n + d) for d in range(before)] + [(before + n + j, before + j)   # circular
                                                  for j in range(after)]


def _pad_axis(t: Tensor, axis: int, before: int, after: int) -> Tensor:
    """t with zeros added before and after it along one axis."""
    widths = tuple((before, after) if d == axis else (0, 0) for d in range(t.ndim))
    return Pad.apply(t, widths, "constant", 0.0)


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """F.pad: pad = (left, right[, top, bottom[, front, back]]) from the last dimension backwards;
    mode 'constant' (with `value`, default 0), 'reflect', 'replicate' or 'circular'. Negative
    values crop. The non-constant modes pad the last 1, 2 or 3 dimensions of a (C, *) or (N, C, *)
    input, as in PyTorch."""
    input = as_tensor(input)
    pad = tuple(int(p) for p in pad)
    if mode not in MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{input.ndim}")
    if mode != "constant":
        if value is not None:
            raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
        if len(pad) not in (2, 4, 6) or input.ndim not in (len(pad) // 2 + 1, len(pad) // 2 + 2):
            raise NotImplementedError(
                f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor. "
                "Supported combinations for non-constant padding: 2D or 3D input: padding size = 2 "
                "(pads last dimension); 3D or 4D input: padding size = 4 (pads last 2 dimensions); "
                "4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    input = _crop_negative(input, widths)
    widths = tuple((max(b, 0), max(a, 0)) for b, a in widths)
    _check_border_fits(input, widths, mode)
    if not any(b or a for b, a in widths):
        return input
    return Pad.apply(input, widths, mode, 0.0 if value is None else value)


def _crop_negative(input: Tensor, widths) -> Tensor:
    """input with the sides that have a negative pad cut off (PyTorch's crop)."""
    if all(b >= 0 and a >= 0 for b, a in widths):
        return input
    index = []
    for d, (before, after) in enumerate(widths):
        start, stop = max(-before, 0), input.shape[d] - max(-after, 0)
        if stop < start:
            raise RuntimeError(f"pad: cropping {max(-before, 0)} and {max(-after, 0)} elements "
                               f"from dimension {d} of size {input.shape[d]} leaves a negative "
                               f"size")
        index.append(slice(start, stop))
    return getitem(input, tuple(index))


def _check_border_fits(input: Tensor, widths, mode: str) -> None:
    """PyTorch's limits: reflect needs pad < size, circular pad <= size, replicate a non-empty
    dimension (checked from the last dimension, as PyTorch does)."""
    for d, (before, after) in reversed(list(enumerate(widths))):
        n = input.shape[d]
        if mode == "reflect" and (before or after) and (before >= n or after >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({before}, {after}) at "
                               f"dimension {d} of input {list(input.shape)}")
        if mode == "circular" and (before > n or after > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and (before or after) and n == 0:
            raise RuntimeError(f"replicate padding needs a non-empty dimension {d} to copy from, "
                               f"but got input of shape {list(input.shape)}")
