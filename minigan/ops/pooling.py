"""Pooling over windows of images (N, C, H, W) or (C, H, W): average, max, and adaptive average.

Window geometry (minigan/conv_geometry.py): a kernel (kh, kw) moved by `stride` (default: the
kernel) over the input padded by `padding` on each side;
OH = floor((H + 2p - d (k - 1) - 1) / s) + 1, rounded up instead with ceil_mode.

    avg_pool2d   the mean of each window: a convolution of every channel with a box of ones,
                 divided by how many elements the window counts (count_include_pad: the padding
                 too; divisor_override: a fixed number). Its backward is conv2d's.
    max_pool2d   the largest element of each window: the position of each maximum is found on the
                 raw arrays (PyTorch's choice: the first one where several are equal, the last
                 nan where there are nans; padding never wins, not even over -inf), and the
                 output is the input gathered at those positions (-inf for a window that, with
                 dilation, falls on padding only). The gradient goes back to those positions
                 only (an indexing op, differentiable again).
    adaptive_avg_pool2d(output_size)
                 windows chosen to cover the input evenly: output i averages rows
                 floor(i H / OH) .. ceil((i + 1) H / OH) - 1. Along each axis that is a constant
                 (OH, H) averaging matrix A, so out = A_h @ x @ A_w.T (as F.interpolate does; an
                 inf or nan in x spreads along its row and column, since 0 * inf = nan).
"""

from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.autograd import Tensor
from minigan.conv_geometry import pair, pool_output_size
from minigan.fast_paths import fast_paths_enabled
from minigan.ops._operands import as_tensor
from minigan.ops.conv import conv2d
from minigan.ops.elementwise import where
from minigan.ops.padding import pad as pad_tensor
from minigan.ops.shape import _TORCH_TYPE_NAMES


def _image_batch(op: str, input: Tensor):
    """input as (N, C, H, W), and a function that gives an output the input's own layout back."""
    if input.ndim == 4:
        return input, lambda out: out
    if input.ndim == 3:
        return input.unsqueeze(0), lambda out: out.squeeze(0)
    raise RuntimeError(f"{op}: non-empty 3D or 4D (batch mode) tensor expected for input, got "
                       f"shape {tuple(input.shape)}")


def _window_geometry(op: str, input_hw, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    """(kernel, stride, padding, dilation, output size) pairs, checked as PyTorch checks them."""
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None or stride == [] else pair(stride, "stride", op)
    padding, dilation = pair(padding, "padding", op), pair(dilation, "dilation", op)
    if min(stride) == 0 or min(kernel) == 0:
        raise RuntimeError("stride should not be zero")
    if min(kernel + stride + dilation) < 1 or min(padding) < 0:
        raise RuntimeError(f"{op}: kernel_size, stride and dilation must be positive and padding "
                           f"non-negative, got kernel_size={kernel}, stride={stride}, "
                           f"dilation={dilation}, padding={padding}")
    for p, k, d in zip(padding, kernel, dilation):
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    out = tuple(pool_output_size(n, k, s, p, d, ceil_mode)
                for n, k, s, p, d in zip(input_hw, kernel, stride, padding, dilation))
    if min(out) < 1:
        raise RuntimeError(f"Given input size: ({input_hw[0]}x{input_hw[1]}). Calculated output "
                           f"size: ({out[0]}x{out[1]}). Output size is too small")
    return kernel, stride, padding, dilation, out


# ----------------------------------------------------------------------------- average pooling


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """The mean of each kh x kw window: (N, C, H, W) -> (N, C, OH, OW) (or without N)."""
    input = as_tensor(input)
    _refuse_dtype("avg_pool2d", input, "bui" if input.array.dtype != np.int64 else "b")
    x, restore = _image_batch("avg_pool2d", input)
    n, c, h, w = x.shape
    kernel, stride, padding, _, out = _window_geometry("avg_pool2d", (h, w), kernel_size, stride,
                                                       padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    # the windows' sums: every channel convolved with a box of ones (ceil_mode's last windows may
    # reach past the padding: zeros there too)
    extra = [(o - 1) * s + k - (size + 2 * p)
             for o, s, k, size, p in zip(out, stride, kernel, (h, w), padding)]
    planes = pad_tensor(x.reshape(n * c, 1, h, w),
                        (padding[1], padding[1] + max(extra[1], 0),
                         padding[0], padding[0] + max(extra[0], 0)))
    box = Tensor(backend.get_array_module(x.array).ones((1, 1) + kernel, dtype=x.dtype))
    sums = conv2d(planes, box, stride=stride).reshape(n, c, *out)
    if divisor_override is not None:
        return restore(_divide(sums, divisor_override))
    counts = [_window_counts(size, o, k, s, p, count_include_pad)
              for size, o, k, s, p in zip((h, w), out, kernel, stride, padding)]
    divisor = np.outer(counts[0], counts[1]).astype(x.array.dtype)
    return restore(_divide(sums, Tensor(backend.to_backend(divisor, x.backend))))


def _refuse_dtype(op: str, input: Tensor, kinds: str) -> None:
    """PyTorch's refusal of the dtypes it has no kernel for (avg_pool2d: integers but int64, and
    bool; max_pool2d: bool)."""
    if input.array.dtype.kind in kinds:
        name = _TORCH_TYPE_NAMES.get(input.array.dtype.name, input.array.dtype.name)
        raise NotImplementedError(f'"{op}" not implemented for \'{name}\'')


def _divide(sums: Tensor, divisor) -> Tensor:
    """sums / divisor; integer windows stay integers, divided toward zero, as in PyTorch."""
    if sums.array.dtype.kind not in "iu":
        return sums / divisor
    xp = backend.get_array_module(sums.array)
    divisor = divisor.array if isinstance(divisor, Tensor) else divisor
    return Tensor(xp.trunc(sums.array / divisor).astype(sums.array.dtype))


def _window_counts(size: int, out: int, kernel: int, stride: int, padding: int,
                   count_pad: bool) -> np.ndarray:
    """How many positions of each window along one axis the average divides by: those inside the
    input, or inside input and padding (count_pad), never those past the padding (ceil_mode)."""
    start = np.arange(out) * stride - padding
    low, high = (-padding, size + padding) if count_pad else (0, size)
    return np.minimum(start + kernel, high) - np.maximum(start, low)


# ----------------------------------------------------------------------------- max pooling


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """The largest element of each window: (N, C, H, W) -> (N, C, OH, OW) (or without N). With
    return_indices, also where each maximum is, as an int64 index into the flattened H*W plane."""
    input = as_tensor(input)
    _refuse_dtype("max_pool2d", input, "b")
    x, restore = _image_batch("max_pool2d", input)
    n, c, h, w = x.shape
    _, _, _, _, out = geometry = _window_geometry("max_pool2d", (h, w), kernel_size, stride,
                                                  padding, dilation, ceil_mode)
    fast = fast_paths_enabled() and x.dtype.kind == "f"
    positions = _argmax_positions_by_taps if fast else _argmax_positions
    plane_index = positions(x.array, geometry)  # (N, C, OH*OW), into each H*W plane
    xp = backend.get_array_module(x.array)
    planes = xp.arange(n * c).reshape(n, c, 1) * (h * w)
    values = x.reshape(-1)[(planes + plane_index).reshape(-1)].reshape(n, c, *out)
    empty, first_tap = _padding_only_windows(xp, (h, w), geometry)
    if empty.any():  # (dilation only) windows with no element of x: -inf there, as in PyTorch
        values = where(empty.reshape(out), -xp.inf, values)
        plane_index = xp.where(empty, first_tap, plane_index)
    if return_indices:
        return restore(values), restore(Tensor(plane_index.reshape(n, c, *out)))
    return restore(values)


def _argmax_positions(x, geometry):
    """For every window of x (N, C, H, W): the flat position (row * W + column) of its maximum."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = geometry
    n, c, h, w = x.shape
    xp = backend.get_array_module(x)
    rows = xp.arange(oh)[:, None] * sh - ph + xp.arange(kh)[None, :] * dh   # (OH, kh)
    cols = xp.arange(ow)[:, None] * sw - pw + xp.arange(kw)[None, :] * dw   # (OW, kw)
    inside = (((rows >= 0) & (rows < h))[:, None, :, None]
              & ((cols >= 0) & (cols < w))[None, :, None, :])
    flat = rows[:, None, :, None] * w + cols[None, :, None, :]              # (OH, OW, kh, kw)
    flat = xp.where(inside, flat, 0).reshape(oh * ow, kh * kw)
    taps = x.reshape(n, c, h * w)[:, :, flat]                               # (N, C, OH*OW, kh*kw)
    inside = inside.reshape(oh * ow, kh * kw)
    # PyTorch's choice: the first maximum, or the last nan; padding never wins, not even over -inf
    top = xp.where(inside, taps, -xp.inf).max(axis=-1, keepdims=True)       # nan if a nan is in
    first_top = xp.argmax(inside & (taps == top), axis=-1)
    nans = inside & xp.isnan(taps)
    last_nan = kh * kw - 1 - xp.argmax(nans[..., ::-1], axis=-1)
    best = xp.where(nans.any(axis=-1), last_nan, first_top)
    return xp.take_along_axis(xp.broadcast_to(flat, taps.shape), best[..., None], axis=-1)[..., 0]


# speed: the same positions found tap by tap. The reference gathers every window into an
# (N, C, OH*OW, kh*kw) array and reduces along its last axis, whose few numbers per row make that
# slow (argmax was 70% of MaxPool2d(3, 2, 1)'s forward + backward on (64, 64, 28, 28)). Here each
# of the kh*kw taps is one strided view of x padded with -inf, and a running maximum remembers
# which tap won, as PyTorch's loop does: a larger value replaces (so the first maximum stays),
# every nan replaces (so the last nan stays), and the padding never wins, since the running
# maximum starts at -inf on the window's first tap inside x. One gather turns the winning taps into
# positions. Forward + backward on (64, 64, 28, 28) float32, CPU time: MaxPool2d(3, 2, 1) 2.6x
# faster (1.8x PyTorch's time), MaxPool2d(2) 2x (1.3x) (benchmarks/NOTES.md, round three).


def _argmax_positions_by_taps(x, geometry):
    """_argmax_positions(x, geometry), computed with one running maximum over the window's taps."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = geometry
    n, c, h, w = x.shape
    xp = backend.get_array_module(x)
    rows = (xp.arange(oh) * sh - ph)[:, None] + (xp.arange(kh) * dh)[None, :]  # (OH, kh)
    cols = (xp.arange(ow) * sw - pw)[:, None] + (xp.arange(kw) * dw)[None, :]  # (OW, kw)
    row_in, col_in = (rows >= 0) & (rows < h), (cols >= 0) & (cols < w)
    reach = (rows.max() + 1, cols.max() + 1)  # the padded extent the windows read
    padded = xp.full((n, c, max(reach[0] + ph, ph + h), max(reach[1] + pw, pw + w)), -xp.inf,
                     x.dtype)
    padded[:, :, ph:ph + h, pw:pw + w] = x
    with_nan = bool(xp.isnan(x).any())
    best = xp.full((n, c, oh, ow), -xp.inf, x.dtype)
    first_inside = xp.argmax(row_in, axis=1)[:, None] * kw + xp.argmax(col_in, axis=1)[None, :]
    taps = xp.uint8 if kh * kw < 256 else xp.int64
    winner = xp.broadcast_to(first_inside.astype(taps), best.shape).copy()  # the tap that wins
    for tap in range(kh * kw):
        i, j = divmod(tap, kw)
        value = padded[:, :, i * dh:i * dh + (oh - 1) * sh + 1:sh,
                       j * dw:j * dw + (ow - 1) * sw + 1:sw]
        better = value > best
        if with_nan:
            better |= xp.isnan(value)
            xp.copyto(best, value, where=better)
        else:
            xp.maximum(best, value, out=best)
        xp.copyto(winner, tap, where=better)
    # each tap's position in x for every window (padding: 0, as the reference's)
    inside = row_in.T[:, None, :, None] & col_in.T[None, :, None, :]           # (kh, kw, OH, OW)
    flat = rows.T[:, None, :, None] * w + cols.T[None, :, None, :]
    positions = xp.where(inside, flat, 0).reshape(kh * kw, oh * ow)
    index = positions[winner.reshape(n * c, oh * ow), xp.arange(oh * ow)]
    return index.reshape(n, c, oh * ow)


def _padding_only_windows(xp, size, geometry):
    """Which windows (OH*OW,) fall on padding only (possible with dilation > 1: kernel taps that
    jump over the input), and the index PyTorch gives them: the first row and column that its
    loop reaches from the window's start in steps of the dilation, row * W + column."""
    _, (sh, sw), (ph, pw), (dh, dw), (oh, ow) = geometry
    firsts, hits = [], []
    for n, o, s, p, d, k in zip(size, (oh, ow), (sh, sw), (ph, pw), (dh, dw), geometry[0]):
        start = xp.arange(o) * s - p
        first = xp.where(start < 0, start + (-start + d - 1) // d * d, start)
        taps = start[:, None] + xp.arange(k)[None, :] * d
        firsts.append(first)
        hits.append(((taps >= 0) & (taps < n)).any(axis=1))
    empty = ~(hits[0][:, None] & hits[1][None, :])
    return empty.reshape(-1), (firsts[0][:, None] * size[1] + firsts[1][None, :]).reshape(-1)


# ----------------------------------------------------------------------------- adaptive average
# pooling


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """(N, C, H, W) -> (N, C, OH, OW) (or without N) by averaging windows that cover the input
    evenly; output_size: an int, or a pair whose None entries keep the input's size."""
    input = as_tensor(input)
    x, restore = _image_batch("adaptive_avg_pool2d", input)
    if output_size is None:  # (None alone is not "keep both sizes": PyTorch refuses it too)
        raise TypeError("adaptive_avg_pool2d: output_size must be an int or a pair, got None")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if len(sizes) != 2:
        raise RuntimeError(f"adaptive_avg_pool2d: output_size must be 2 (an int or a pair), got "
                           f"{output_size!r}")
    out = tuple(int(n if o is None else o) for o, n in zip(sizes, x.shape[2:]))
    if min(out) < 0:
        raise RuntimeError(f"adaptive_avg_pool2d: elements of output_size must be greater than or "
                           f"equal to 0 but received {list(out)}")
    a_h, a_w = (Tensor(backend.to_backend(averaging_matrix(n, o).astype(x.dtype), x.backend))
                for n, o in zip(x.shape[2:], out))
    return restore(a_h @ x @ a_w.T)


def averaging_matrix(n_in: int, n_out: int) -> np.ndarray:
    """The (n_out, n_in) matrix whose row i averages elements floor(i n_in / n_out) to
    ceil((i + 1) n_in / n_out) - 1."""
    matrix = np.zeros((n_out, n_in))
    for i in range(n_out):
        start, end = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix
