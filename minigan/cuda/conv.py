"""im2col and col2im on the GPU (im2col.cu), with the layout of minigan's NumPy convolution ops.

    im2col(x, kernel_size, stride=1, padding=0, dilation=1) -> cols
        x: (N, C, H, W) -> cols: (C*kh*kw, N*OH*OW)
        cols[(c*kh + i)*kw + j, (n*OH + oh)*OW + ow] = x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]
        (0 where that position is in the zero padding)
    col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1) -> x
        the adjoint: every entry of cols added back onto the pixel it was read from, (N, C, H, W)

kernel_size, stride, padding and dilation are an int or an (h, w) pair, as in PyTorch. A
non-contiguous x or cols is copied to a contiguous array first. (OH, OW): minigan/conv_geometry.py.
"""

from __future__ import annotations

import numpy as np

from minigan.conv_geometry import output_hw, pair
from minigan.cuda import geometry
from minigan.cuda.gemm import _check_array, _check_on_device, _check_sizes
from minigan.cuda.kernels_index import im2col_kernel_name
from minigan.cuda.launch import executor


def _at_least(op: str, name: str, value, minimum: int) -> tuple:
    """An int or a pair of ints, each >= minimum, as a pair."""
    checked = pair(value, name, op)
    if min(checked) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return checked


def _geometry(op, image_hw, kernel_size, stride, padding, dilation) -> tuple:
    """((kh, kw), (sh, sw), (ph, pw), (dh, dw), (OH, OW)), checked."""
    k = _at_least(op, "kernel_size", kernel_size, 1)
    s = _at_least(op, "stride", stride, 1)
    p = _at_least(op, "padding", padding, 0)
    d = _at_least(op, "dilation", dilation, 1)
    out = output_hw(image_hw, k, s, p, d)
    if min(out) < 1:
        raise ValueError(
            f"{op}: kernel_size {k} with dilation {d} does not fit the padded input "
            f"{image_hw[0] + 2 * p[0]}x{image_hw[1] + 2 * p[1]} (input "
            f"{image_hw[0]}x{image_hw[1]}, padding {p})")
    return k, s, p, d, out


def _launch(kind, dtype, source, target, n, c, h, w, k, s, p, d, out):
    total = int(target.size)
    if total == 0:
        return target
    grid, block = geometry.elementwise_grid(total)
    index = geometry.index_type(total, grid[0] * block[0])
    index_scalar = np.int32 if index == "int" else np.int64
    ints = (n, c, h, w, k[0], k[1], out[0], out[1], s[0], s[1], p[0], p[1], d[0], d[1])
    executor().launch(im2col_kernel_name(kind, dtype, index), grid, block,
                      (source, target, index_scalar(total)) + tuple(np.int32(v) for v in ints))
    return target


def im2col(x, kernel_size, stride=1, padding=0, dilation=1):
    """x: (N, C, H, W) -> cols: (C*kh*kw, N*OH*OW); see the module docstring for the layout."""
    op = "im2col"
    _check_array(op, "x", x)
    if x.ndim != 4:
        raise ValueError(f"{op}: x must be 4-D (N, C, H, W), got shape {tuple(x.shape)}")
    n, c, h, w = (int(v) for v in x.shape)
    k, s, p, d, out = _geometry(op, (h, w), kernel_size, stride, padding, dilation)
    _check_sizes(op, rows=c * k[0] * k[1], columns=n * out[0] * out[1], N=n, C=c, H=h, W=w)
    ex = executor()
    _check_on_device(op, ex, x=x)
    x = ex.xp.ascontiguousarray(x)
    cols = ex.xp.empty((c * k[0] * k[1], n * out[0] * out[1]), x.dtype)
    return _launch("im2col", np.dtype(x.dtype), x, cols, n, c, h, w, k, s, p, d, out)


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1):
    """cols: (C*kh*kw, N*OH*OW) -> x: x_shape = (N, C, H, W), overlapping entries summed."""
    op = "col2im"
    _check_array(op, "cols", cols)
    if (not isinstance(x_shape, (tuple, list)) or len(x_shape) != 4
            or not all(isinstance(v, (int, np.integer)) and v >= 0 for v in x_shape)):
        raise ValueError(f"{op}: x_shape must be 4 non-negative ints (N, C, H, W), got {x_shape!r}")
    n, c, h, w = (int(v) for v in x_shape)
    k, s, p, d, out = _geometry(op, (h, w), kernel_size, stride, padding, dilation)
    expected = (c * k[0] * k[1], n * out[0] * out[1])
    if tuple(cols.shape) != expected:
        raise ValueError(f"{op}: cols must have shape (C*kh*kw, N*OH*OW) = {expected} for x_shape "
                         f"{tuple(x_shape)}, got {tuple(cols.shape)}")
    _check_sizes(op, N=n, C=c, H=h, W=w)
    ex = executor()
    _check_on_device(op, ex, cols=cols)
    cols = ex.xp.ascontiguousarray(cols)
    x = ex.xp.empty((n, c, h, w), cols.dtype)
    return _launch("col2im", np.dtype(cols.dtype), cols, x, n, c, h, w, k, s, p, d, out)
