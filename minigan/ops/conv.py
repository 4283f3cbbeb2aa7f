"""Convolutions: conv2d, conv_transpose2d and the weight gradient conv2d_weight, built on im2col.

Read top to bottom:

    1. the definitions    im2col_loop, col2im_loop: one element at a time, obviously right
    2. im2col and col2im  the same two maps, vectorised: one strided copy (or addition) per tap
    3. the three ops      each Function, followed at once by the function users call
    4. speed              every trick that is not needed for correctness, each with its measurement

A convolution is one matrix product once the input is unrolled into columns (im2col)::

    cols = im2col(x)                          # (C*kh*kw, N*OH*OW): one column per output pixel
    y    = weight.reshape(O, C*kh*kw) @ cols  # (O, N*OH*OW) -> (N, O, OH, OW)

    y[n, o, oh, ow] = sum_{c,i,j} weight[o, c, i, j] * x_padded[n, c, oh*sh + i*dh, ow*sw + j*dw]

The output size (minigan/conv_geometry.py) is OH = floor((H + 2*padding - dilation*(k - 1) - 1) /
stride) + 1.

The three ops are each other's derivatives, which is what makes second derivatives (WGAN-GP's
gradient penalty) work through convolutional critics:

    op                          d/d(first input)              d/d(weight)
    conv2d(x, w)                conv_transpose2d(grad, w)     conv2d_weight(x, grad)
    conv_transpose2d(x, w)      conv2d(grad, w)               conv2d_weight(grad, x)
    conv2d_weight(x, g)         conv_transpose2d(g, grad)     d/dg: conv2d(x, grad)

conv_transpose2d is the adjoint of conv2d with respect to its input (the same weight, read as
(C_in, C_out, kh, kw)): a matrix product into columns, then col2im, which adds every column back
onto the pixels it came from.

Each op can meet a "grid" of column positions smaller than the output-size formula gives: a
transposed convolution with output_padding >= stride (allowed when output_padding < dilation) has
extra output rows that no input pixel reaches. The Functions therefore take the spatial size they
must produce and crop or zero-pad to it.

Arguments are checked once, by the user-facing functions (and the layers in minigan/nn/conv.py);
the Functions and im2col/col2im trust them. Where the arrays are CuPy arrays and minigan's own CUDA
kernels are selected, im2col and col2im run as the kernels of minigan/cuda/kernels/im2col.cu,
with the same layout (the one switch: minigan.cuda.use_own_kernels).
"""

from __future__ import annotations

import itertools

import numpy as np

from minigan.autograd import Function, Tensor
from minigan.backend import get_array_module
from minigan.conv_geometry import conv_transpose_output_size, output_hw, pair
from minigan.ops.arithmetic import matmul_arrays

# ----------------------------------------------------------------------------- 1. the definitions
# kernel_size, stride, padding, dilation: (h, w) pairs. One correspondence between entries of the
# columns and pixels, read in two directions: im2col copies pixel -> entry, col2im adds entry ->
# pixel. This is the layout contract every other version (vectorised, CUDA) is tested against.


def correspondence(x_shape, kernel_size, stride, padding, dilation):
    """Every (column entry, pixel) pair of the layout: yields ((row, column), (n, c, ih, iw)) for
    each entry of cols that reads pixel x[n, c, ih, iw] (entries that read padding are skipped).

    row = (c*kh + i)*kw + j (channel c, kernel tap i, j); column = (n*OH + oh)*OW + ow (output
    pixel); the pixel is (ih, iw) = (oh*sh - ph + i*dh, ow*sw - pw + j*dw).
    """
    n_, c_, h_, w_ = x_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh_, ow_ = output_hw((h_, w_), kernel_size, stride, padding, dilation)
    for c, i, j, n, oh, ow in itertools.product(range(c_), range(kh), range(kw),
                                                range(n_), range(oh_), range(ow_)):
        ih, iw = oh * sh - ph + i * dh, ow * sw - pw + j * dw
        if 0 <= ih < h_ and 0 <= iw < w_:
            yield ((c * kh + i) * kw + j, (n * oh_ + oh) * ow_ + ow), (n, c, ih, iw)


def im2col_loop(x, kernel_size, stride, padding, dilation):
    """x: (N, C, H, W) -> cols: (C*kh*kw, N*OH*OW), one element at a time (0 in the padding)."""
    n, c, h, w = x.shape
    oh, ow = output_hw((h, w), kernel_size, stride, padding, dilation)
    cols = np.zeros((c * kernel_size[0] * kernel_size[1], n * oh * ow), x.dtype)
    for entry, pixel in correspondence(x.shape, kernel_size, stride, padding, dilation):
        cols[entry] = x[pixel]
    return cols


def col2im_loop(cols, x_shape, kernel_size, stride, padding, dilation):
    """The adjoint of im2col, by scattering: x[pixel] += every cols entry im2col read there."""
    x = np.zeros(x_shape, cols.dtype)
    for entry, pixel in correspondence(x_shape, kernel_size, stride, padding, dilation):
        x[pixel] += cols[entry]
    return x


# ----------------------------------------------------------------------------- 2. im2col and col2im
# The same loop over the kernel taps (i, j) in both: tap (i, j) of every window is one strided
# slice of the padded image, rows i*dh, i*dh + sh, ... and columns j*dw, j*dw + sw, ...
# im2col copies each slice out (=); col2im adds each block back in (+=). The image is held as
# (C, N, H, W) so that a tap's block cols[c, i, j] (shape (C, N, OH, OW)) lines up with its slice.


def _tap_slices(i, j, out_hw, stride, dilation):
    """The (rows, columns) of the padded image that kernel tap (i, j) reads for every window."""
    (oh, ow), (sh, sw), (dh, dw) = out_hw, stride, dilation
    return (slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


def im2col(x, kernel_size, stride=1, padding=0, dilation=1):
    """Unroll every receptive field of x into a column.

    x: (N, C, H, W) -> cols: (C*kh*kw, N*OH*OW), with
    cols[(c*kh + i)*kw + j, (n*OH + oh)*OW + ow] = x_padded[n, c, oh*sh + i*dh, ow*sw + j*dw].
    """
    kernels = _own_kernels(x)
    if kernels is not None:
        return kernels.im2col(x, kernel_size, stride, padding, dilation)
    (kh, kw), stride, (ph, pw), dilation = (pair(v, "argument", "im2col") for v in
                                            (kernel_size, stride, padding, dilation))
    n, c, h, w = x.shape
    oh, ow = output_hw((h, w), (kh, kw), stride, (ph, pw), dilation)
    image = _padded_channels_first(x, ph, pw)                      # (C, N, H + 2ph, W + 2pw)
    cols = get_array_module(x).empty((c, kh, kw, n, oh, ow), x.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, columns = _tap_slices(i, j, (oh, ow), stride, dilation)
            cols[:, i, j] = image[:, :, rows, columns]
    return cols.reshape(c * kh * kw, n * oh * ow)


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1):
    """Add every column back onto the pixels it was read from: the adjoint of im2col.

    cols: (C*kh*kw, N*OH*OW) -> x: x_shape = (N, C, H, W), where OH, OW follow from H, W.
    Pixels that several receptive fields share receive the sum of their contributions.
    """
    kernels = _own_kernels(cols)
    if kernels is not None:
        return kernels.col2im(cols, x_shape, kernel_size, stride, padding, dilation)
    (kh, kw), stride, (ph, pw), dilation = (pair(v, "argument", "col2im") for v in
                                            (kernel_size, stride, padding, dilation))
    n, c, h, w = x_shape
    oh, ow = output_hw((h, w), (kh, kw), stride, (ph, pw), dilation)
    image = get_array_module(cols).zeros((c, n, h + 2 * ph, w + 2 * pw), cols.dtype)
    blocks = cols.reshape(c, kh, kw, n, oh, ow)
    for i in range(kh):
        for j in range(kw):
            rows, columns = _tap_slices(i, j, (oh, ow), stride, dilation)
            image[:, :, rows, columns] += blocks[:, i, j]
    return _cropped_batch_first(image, ph, pw, h, w)


def _padded_channels_first(x, ph, pw):
    """x: (N, C, H, W) -> (C, N, H + 2ph, W + 2pw), zeros around."""
    n, c, h, w = x.shape
    image = get_array_module(x).zeros((c, n, h + 2 * ph, w + 2 * pw), x.dtype)
    image[:, :, ph:ph + h, pw:pw + w] = x.transpose(1, 0, 2, 3)
    return image


def _cropped_batch_first(image, ph, pw, h, w):
    """The mirror of _padded_channels_first: (C, N, H + 2ph, W + 2pw) -> (N, C, H, W)."""
    return get_array_module(image).ascontiguousarray(image[:, :, ph:ph + h, pw:pw
                                                           + w].transpose(1, 0, 2, 3))


def _own_kernels(array):
    """minigan.cuda when `array` is a CuPy array and minigan's own kernels are selected, else
    None."""
    if get_array_module(array) is np:
        return None
    from minigan import cuda

    return cuda if cuda.own_kernels_enabled() else None


def _pad_grid(a, grid):
    """Zero-pad the last two dimensions of `a` (N, C, h, w) up to `grid` (a copy; rare, see
    above)."""
    if tuple(a.shape[2:]) == tuple(grid):
        return a
    padded = get_array_module(a).zeros(a.shape[:2] + tuple(grid), dtype=a.dtype)
    padded[:, :, :a.shape[2], :a.shape[3]] = a
    return padded


def _transposed_product(x, weight, stride, padding, dilation, output_size):
    """conv_transpose2d without bias: cols = weight^T @ x as columns, then col2im.

    x: (N, C_in, H, W), weight: (C_in, C_out, kh, kw) -> (N, C_out) + output_size.
    """
    xp = get_array_module(x)
    n, in_channels = x.shape[:2]
    out_channels, kernel_size = weight.shape[1], weight.shape[2:]
    x_rows = xp.ascontiguousarray(x.transpose(1, 0, 2, 3)).reshape(in_channels, -1)
    cols = matmul_arrays(weight.reshape(in_channels, -1).T, x_rows)  # (C_out*kh*kw, N*H*W)
    grid = output_hw(output_size, kernel_size, stride, padding, dilation)
    if tuple(x.shape[2:]) != grid:  # output rows no input pixel reaches: columns of zeros
        cols = _pad_grid(cols.reshape(-1, n, *x.shape[2:]), grid).reshape(cols.shape[0], -1)
    return col2im(cols, (n, out_channels) + tuple(output_size), kernel_size, stride, padding,
                  dilation)


# ----------------------------------------------------------------------------- 3. the three ops
# The Functions take (stride, padding, dilation) as checked (h, w) pairs and the spatial size
# they must produce; the functions below each check what users pass.


def _bias_grad(grad: Tensor, needed: bool):
    """dL/dbias of a convolution: dL/dy (N, O, OH, OW) summed over all but the channels."""
    return grad.sum((0, 2, 3)) if needed else None


def _check_4d(op: str, name: str, t: Tensor, what: str) -> None:
    if t.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D {name} {what}, got {name} of shape "
                         f"{tuple(t.shape)}")


def _check_geometry(op: str, stride, padding, dilation) -> tuple:
    stride, padding, dilation = pair(stride, "stride", op), pair(padding, "padding", op), \
        pair(dilation, "dilation", op)
    if min(stride) < 1:
        raise ValueError(f"{op}: stride must be at least 1, got stride={stride}")
    if min(dilation) < 1:
        raise ValueError(f"{op}: dilation must be at least 1, got dilation={dilation}")
    if min(padding) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got padding={padding}")
    return stride, padding, dilation


def _check_kernel_fits(op: str, image_hw, kernel_size, padding, dilation) -> None:
    """The dilated kernel must fit inside the padded input."""
    padded = tuple(s + 2 * p for s, p in zip(image_hw, padding))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel_size, dilation))
    if any(e > s for e, s in zip(extent, padded)):
        raise ValueError(
            f"{op}: kernel size {tuple(kernel_size)} (with dilation {dilation}: {extent}) is "
            f"larger "
            f"than the padded input {padded} (input {tuple(image_hw)}, padding {padding})"
        )


def _check_bias(op: str, bias, channels: int) -> None:
    if bias is not None and bias.shape != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},) (one per output channel), "
                         f"got bias of shape {tuple(bias.shape)}")


def _conv2d_of_columns(x_shape, weight, bias, cols, args, output_size, batch_last=False):
    """conv2d of an input of shape x_shape from its columns: weight as (O, C*kh*kw) @ cols, plus
    bias, as (N, O) + output_size. cols: im2col's (C*kh*kw, N*OH*OW), or with batch_last the
    fast paths' (C*kh*kw, OH*OW*N) (speed (f) in section 4)."""
    out_channels, n = weight.shape[0], x_shape[0]
    oh, ow = output_hw(x_shape[2:], weight.shape[2:], *args)
    y = matmul_arrays(weight.reshape(out_channels, -1), cols)  # (O, K), a new array
    if bias is not None:
        y += bias.reshape(out_channels, 1)
    if batch_last:
        y = y.reshape(out_channels, oh, ow, n).transpose(3, 0, 1, 2)
    else:
        y = y.reshape(out_channels, n, oh, ow).transpose(1, 0, 2, 3)
    return get_array_module(y).ascontiguousarray(y[:, :, :output_size[0], :output_size[1]])


def _gradient_rows(grad_output, grid, batch_last=False):
    """grad_output (N, O, OH, OW), zero-padded to the columns' grid (OH, OW), as rows (O, K) in
    the columns' order: (N, OH, OW), or with batch_last (OH, OW, N)."""
    g = _pad_grid(grad_output, grid)
    rows = g.transpose((1, 2, 3, 0) if batch_last else (1, 0, 2, 3))
    return get_array_module(g).ascontiguousarray(rows).reshape(g.shape[1], -1)


class Conv2dFunction(Function):
    """y = conv2d(x, weight) + bias.  x: (N, C, H, W), weight: (O, C, kh, kw), bias: (O,) or None
    -> y: (N, O) + output_size.

    dL/dx = conv_transpose2d(dL/dy, weight),  dL/dweight = conv2d_weight(x, dL/dy),
    dL/dbias = dL/dy summed over (N, OH, OW).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, output_size):
        cols = im2col(x, weight.shape[2:], stride, padding, dilation)  # (C*kh*kw, N*OH*OW)
        ctx.save_for_backward(x, weight)
        ctx.args = stride, padding, dilation
        return _conv2d_of_columns(x.shape, weight, bias, cols, ctx.args, output_size)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_x = grad_weight = None
        if needs[0]:  # dL/dx = conv_transpose2d(dL/dy, weight)
            grad_x = ConvTranspose2dFunction.apply(grad, weight, None, *ctx.args, x.shape[2:])
        if needs[1]:  # dL/dweight = conv2d_weight(x, dL/dy)
            grad_weight = Conv2dWeightGrad.apply(x, grad, weight.shape, *ctx.args)
        return grad_x, grad_weight, _bias_grad(grad, needs[2]), None, None, None, None

    # speed (a), (f), (g) in section 4: batch-last columns, kept for the weight gradient, or by
    # taps where the windows tile the input; a backward on raw arrays (a recorded backward,
    # create_graph=True, is the reference's)
    @staticmethod
    def fast_forward(ctx, x, weight, bias, stride, padding, dilation, output_size):
        ctx.save_for_backward(x, weight)
        ctx.args = stride, padding, dilation
        keep = ctx.needs_input_grad[1]  # x, prepared for the weight gradient
        if _windows_tile(x, weight.shape, ctx.args, x.shape[2:], output_size):
            image = _pixels_first(x)
            ctx.image, ctx.cols = image if keep else None, None
            return _conv2d_by_taps(image, weight, bias, stride, padding, output_size)
        batch_last = _batch_last(x, weight.shape, stride, dilation)
        cols = _fast_columns(x, weight.shape[2:], *ctx.args, batch_last)
        ctx.image, ctx.cols = None, cols if keep else None
        return _conv2d_of_columns(x.shape, weight, bias, cols, ctx.args, output_size, batch_last)

    @staticmethod
    def fast_backward(ctx, grad):
        if ctx.create_graph:  # the reference; x as prepared stays for this node's next backward
            return Conv2dFunction.backward(ctx, grad)  # (WGAN-GP's loss, through its penalty)
        cols, image = ctx.cols, ctx.image  # x as the fast paths prepared it: used once
        ctx.cols = ctx.image = None
        x, weight = (t.array for t in ctx.saved_tensors)
        needs, g = ctx.needs_input_grad, grad.array
        (stride, padding, _), output_size = ctx.args, x.shape[2:]
        grad_x = grad_weight = None
        if _windows_tile(x, weight.shape, ctx.args, output_size, g.shape[2:]):
            grid = _pixels_first(g)
            if needs[0]:
                grad_x = _transposed_product_by_taps(grid, weight, None, stride, padding,
                                                     output_size)
            if needs[1]:
                image = _pixels_first(x) if image is None else image  # retain_graph: again
                grad_weight = _weight_grad_by_taps(image, grid, weight.shape, stride, padding)
        else:
            if needs[0]:
                grad_x = _fast_transposed_product(g, weight, *ctx.args, output_size)
            if needs[1]:
                grad_weight = _fast_conv2d_weight(x, g, weight.shape, ctx.args, cols)
        # raw arrays: the walk makes Tensors of them (as of backward_on_arrays' results)
        return grad_x, grad_weight, _bias_grad(grad, needs[2]), None, None, None, None


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch's F.conv2d).

    input: (N, C, H, W), weight: (O, C / groups, kh, kw), bias: (O,) or None -> (N, O, OH, OW), with
    OH = floor((H + 2*padding - dilation*(kh - 1) - 1) / stride) + 1 (OW likewise).
    stride, padding, dilation: an int or an (h, w) pair. groups > 1: the input channels and the
    filters split into `groups` equal parts, each part convolved with its own filters (one conv2d
    per group, joined along the channels).
    """
    op = "conv2d"
    _check_4d(op, "input", input, "(N, C, H, W)")
    _check_4d(op, "weight", weight, "(out_channels, in_channels / groups, kh, kw)")
    stride, padding, dilation = _check_geometry(op, stride, padding, dilation)
    if groups < 1 or input.shape[1] % groups or weight.shape[0] % groups:
        raise ValueError(f"{op}: groups={groups} must divide the input channels "
                         f"({input.shape[1]}) and the output channels ({weight.shape[0]})")
    if weight.shape[1] * groups != input.shape[1]:
        per_group = f" * groups={groups}" if groups > 1 else ""
        raise ValueError(f"{op}: weight expects {weight.shape[1] * groups} input channels "
                         f"(weight.shape[1]{per_group}), got input with {input.shape[1]} channels")
    _check_bias(op, bias, weight.shape[0])
    _check_kernel_fits(op, input.shape[2:], weight.shape[2:], padding, dilation)
    output_size = output_hw(input.shape[2:], weight.shape[2:], stride, padding, dilation)
    if groups == 1:
        return Conv2dFunction.apply(input, weight, bias, stride, padding, dilation, output_size)
    from minigan.ops.shape import cat

    c, o = input.shape[1] // groups, weight.shape[0] // groups
    parts = [Conv2dFunction.apply(input[:, g * c:(g + 1) * c], weight[g * o:(g + 1) * o],
                                  None if bias is None else bias[g * o:(g + 1) * o],
                                  stride, padding, dilation, output_size) for g in range(groups)]
    return cat(parts, 1)


class ConvTranspose2dFunction(Function):
    """y = conv_transpose2d(x, weight) + bias.  x: (N, C_in, H, W), weight: (C_in, C_out, kh, kw),
    bias: (C_out,) or None -> y: (N, C_out) + output_size.

    cols = weight.reshape(C_in, C_out*kh*kw)^T @ x as (C_in, N*H*W);  y = col2im(cols).
    dL/dx = conv2d(dL/dy, weight),  dL/dweight = conv2d_weight(dL/dy, x),  dL/dbias = sum of dL/dy.
    product: the function computing those two steps (fast_forward passes speed (e)'s).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, output_size,
                product=_transposed_product):
        ctx.save_for_backward(x, weight)
        ctx.args = stride, padding, dilation
        y = product(x, weight, stride, padding, dilation, output_size)
        if bias is not None:
            y += bias.reshape(1, -1, 1, 1)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_x = grad_weight = None
        if needs[0]:  # dL/dx = conv2d(dL/dy, weight)
            grad_x = Conv2dFunction.apply(grad, weight, None, *ctx.args, x.shape[2:])
        if needs[1]:  # dL/dweight = conv2d_weight(dL/dy, x)
            grad_weight = Conv2dWeightGrad.apply(grad, x, weight.shape, *ctx.args)
        return grad_x, grad_weight, _bias_grad(grad, needs[2]), None, None, None, None

    # speed (e), (g) in section 4: the product by phases, on NumPy with more than one output
    # channel, or by taps where the windows tile the output
    @staticmethod
    def fast_forward(ctx, x, weight, bias, stride, padding, dilation, output_size):
        ctx.grid = None
        if not _windows_tile(x, weight.shape, (stride, padding, dilation), output_size,
                             x.shape[2:]):
            return ConvTranspose2dFunction.forward(ctx, x, weight, bias, stride, padding,
                                                   dilation, output_size,
                                                   _fast_transposed_product)
        ctx.save_for_backward(x, weight)
        ctx.args = stride, padding, dilation
        grid = _pixels_first(x)
        ctx.grid = grid if ctx.needs_input_grad[1] else None  # x, prepared for the weight gradient
        return _transposed_product_by_taps(grid, weight, bias, stride, padding, output_size)

    # speed (b), (f), (g) in section 4: batch-last im2col(grad) once, for both products, or by
    # taps where the windows tile the output; on raw arrays (a recorded backward,
    # create_graph=True, is the reference's)
    @staticmethod
    def fast_backward(ctx, grad):
        grid, ctx.grid = ctx.grid, None  # used once
        if ctx.create_graph:
            return ConvTranspose2dFunction.backward(ctx, grad)
        x, weight = (t.array for t in ctx.saved_tensors)
        needs, kernel_size, g = ctx.needs_input_grad, weight.shape[2:], grad.array
        (stride, padding, dilation), output_size = ctx.args, x.shape[2:]
        grad_x = grad_weight = None
        if _windows_tile(x, weight.shape, ctx.args, g.shape[2:], output_size):
            image = _pixels_first(g)
            if needs[0]:
                grad_x = _conv2d_by_taps(image, weight, None, stride, padding, output_size)
            if needs[1]:
                grid = _pixels_first(x) if grid is None else grid  # retain_graph: again
                grad_weight = _weight_grad_by_taps(image, grid, weight.shape, stride, padding)
        else:
            batch_last = _batch_last(g, weight.shape, stride, dilation)
            if needs[0] or needs[1]:
                cols = _fast_columns(g, kernel_size, *ctx.args, batch_last)
            if needs[0]:
                grad_x = _conv2d_of_columns(g.shape, weight, None, cols, ctx.args, output_size,
                                            batch_last)
            if needs[1]:
                grid_hw = output_hw(g.shape[2:], kernel_size, *ctx.args)
                grad_weight = _fast_weight_grad(cols, x, weight.shape, grid_hw, batch_last)
        # raw arrays: the walk makes Tensors of them (as of backward_on_arrays' results)
        return grad_x, grad_weight, _bias_grad(grad, needs[2]), None, None, None, None


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, dilation=1) -> Tensor:
    """2-D transposed convolution (PyTorch's F.conv_transpose2d, groups=1): the adjoint of conv2d.

    input: (N, C_in, H, W), weight: (C_in, C_out, kh, kw), bias: (C_out,) or None
    -> (N, C_out, H_out, W_out),
    H_out = (H - 1)*stride - 2*padding + dilation*(kh - 1) + output_padding + 1.
    output_padding adds rows/columns at the bottom/right; it must be smaller than stride or
    dilation.
    """
    op = "conv_transpose2d"
    _check_4d(op, "input", input, "(N, C_in, H, W)")
    _check_4d(op, "weight", weight, "(in_channels, out_channels, kh, kw)")
    stride, padding, dilation = _check_geometry(op, stride, padding, dilation)
    output_padding = pair(output_padding, "output_padding", op)
    if min(output_padding) < 0:
        raise ValueError(f"{op}: output_padding must be non-negative, got "
                         f"output_padding={output_padding}")
    for extra, s, d in zip(output_padding, stride, dilation):
        if extra >= s and extra >= d:
            raise ValueError(f"{op}: output_padding must be smaller than either stride or "
                             f"dilation, got "
                             f"output_padding={output_padding}, stride={stride}, "
                             f"dilation={dilation}")
    if weight.shape[0] != input.shape[1]:
        raise ValueError(f"{op}: weight expects {weight.shape[0]} input channels "
                         f"(weight.shape[0]), "
                         f"got input with {input.shape[1]} channels")
    _check_bias(op, bias, weight.shape[1])
    output_size = tuple(conv_transpose_output_size(*args) for args in
                        zip(input.shape[2:], weight.shape[2:], stride, padding, dilation,
                            output_padding))
    if min(output_size) < 1:
        raise ValueError(f"{op}: the output size {output_size} is not positive (input "
                         f"{input.shape[2:]}, "
                         f"kernel {weight.shape[2:]}, stride {stride}, padding {padding}, dilation "
                         f"{dilation}, output_padding {output_padding})")
    return ConvTranspose2dFunction.apply(input, weight, bias, stride, padding, dilation,
                                         output_size)


class Conv2dWeightGrad(Function):
    """The gradient of conv2d with respect to its weight: x: (N, C, H, W),
    grad_output: (N, O, OH, OW) -> (O, C, kh, kw) = weight_size.

    dweight[o, c, i, j] = sum_{n,oh,ow} grad_output[n, o, oh, ow]
                                        * x_padded[n, c, oh*sh + i*dh, ow*sw + j*dw],
    i.e. grad_output as (O, N*OH*OW) @ im2col(x)^T. Linear in both inputs; for an incoming
    gradient g:  d/dx = conv_transpose2d(grad_output, g),  d/dgrad_output = conv2d(x, g).
    """

    @staticmethod
    def forward(ctx, x, grad_output, weight_size, stride, padding, dilation):
        ctx.save_for_backward(x, grad_output)
        ctx.args = stride, padding, dilation
        kernel_size = weight_size[2:]
        cols = im2col(x, kernel_size, *ctx.args)  # (C*kh*kw, N*OH*OW)
        g_rows = _gradient_rows(grad_output, output_hw(x.shape[2:], kernel_size, *ctx.args))
        return matmul_arrays(g_rows, cols.T).reshape(weight_size)

    @staticmethod
    def backward(ctx, grad):
        x, grad_output = ctx.saved_tensors
        grad_x = grad_grad_output = None
        if ctx.needs_input_grad[0]:
            grad_x = ConvTranspose2dFunction.apply(grad_output, grad, None, *ctx.args, x.shape[2:])
        if ctx.needs_input_grad[1]:
            grad_grad_output = Conv2dFunction.apply(x, grad, None, *ctx.args, grad_output.shape[2:])
        return grad_x, grad_grad_output, None, None, None, None

    # speed (c), (f), (g) in section 4: batch-last columns, the product in OpenBLAS's faster
    # orientation; by taps where the windows tile x
    @staticmethod
    def fast_forward(ctx, x, grad_output, weight_size, stride, padding, dilation):
        ctx.save_for_backward(x, grad_output)
        ctx.args = stride, padding, dilation
        return _fast_conv2d_weight(x, grad_output, weight_size, ctx.args)


def conv2d_weight(input: Tensor, weight_size, grad_output: Tensor, stride=1, padding=0,
                  dilation=1) -> Tensor:
    """The gradient of conv2d with respect to its weight (PyTorch's torch.nn.grad.conv2d_weight).

    input: (N, C, H, W), weight_size: (O, C, kh, kw), grad_output: (N, O, OH, OW) -> (O, C, kh, kw).
    Differentiable in input and grad_output (each derivative is a convolution again).
    """
    op = "conv2d_weight"
    _check_4d(op, "input", input, "(N, C, H, W)")
    _check_4d(op, "grad_output", grad_output, "(N, out_channels, OH, OW)")
    weight_size = tuple(int(s) for s in weight_size)
    if len(weight_size) != 4:
        raise ValueError(f"{op}: weight_size must be (out_channels, in_channels, kh, kw), got "
                         f"{weight_size}")
    stride, padding, dilation = _check_geometry(op, stride, padding, dilation)
    if weight_size[1] != input.shape[1]:
        raise ValueError(f"{op}: weight_size expects {weight_size[1]} input channels "
                         f"(weight_size[1]), "
                         f"got input with {input.shape[1]} channels")
    _check_kernel_fits(op, input.shape[2:], weight_size[2:], padding, dilation)
    expected = (input.shape[0], weight_size[0]) + output_hw(input.shape[2:], weight_size[2:],
                                                            stride,
                                                            padding, dilation)
    if grad_output.shape != expected:
        raise ValueError(f"{op}: grad_output must have shape {expected} (the conv2d output for "
                         f"this input and weight_size), got grad_output of shape "
                         f"{tuple(grad_output.shape)}")
    return Conv2dWeightGrad.apply(input, grad_output, weight_size, stride, padding, dilation)


# ----------------------------------------------------------------------------- 4. speed
# The fast_forward and fast_backward of the three ops (minigan/fast_paths.py:
# mg.use_fast_paths(False)
# runs the references above instead). Nothing here changes a result beyond rounding; each trick is
# kept because of the measurement next to it (benchmarks/results/conv_cpu_notes.md and
# benchmarks/NOTES.md; 2 cores, OpenBLAS).
#
# (a) conv2d keeps its columns for the weight gradient instead of rebuilding them in backward
#     (ctx.cols, dropped once used): one im2col less per step; D.conv2 of DCGAN-28 went from 31.6
#     to 23.5 ms with 2 threads. Cost: the columns (12.8 MB there) live until backward. A
#     recorded backward (create_graph: WGAN-GP's penalty) leaves them for the node's next one,
#     which its loss's backward makes: 6 im2cols fewer per style-based GAN step (0.98x, one
#     thread, CPU time, 40 alternating blocks).
# (b) conv_transpose2d's backward builds im2col(grad) once for both of its products.
# (c) _weight_product: the weight gradient as cols @ g_rows^T, transposed afterwards. OpenBLAS runs
#     this orientation ~10% faster than g_rows @ cols^T on DCGAN's shapes (2.7 vs 3.1 ms, 2
#     threads). Where the columns have fewer rows than the output channels (C*kh*kw < O: a first
#     layer from one channel, DCGAN's G.convT2) g_rows @ cols^T is faster on NumPy, with the same
#     numbers (OpenBLAS sums each entry over K in the same order either way): (C*kh*kw, O, K) =
#     (16, 32, 12544) 0.355 -> 0.244 ms at two threads, 0.403 -> 0.319 at one; (9, 64, 12800)
#     0.48 -> 0.31 ms. Where C*kh*kw >= O it was slower on all 14 geometries of the lessons' models
#     tried (1.2-2.1x; benchmarks/NOTES.md, round seven).
# (f) On NumPy the fast paths order the columns (row, column, image) instead of im2col's (image,
#     row, column): cols[(c*kh + i)*kw + j, (oh*OW + ow)*N + n], from the image laid out as
#     (C, H, W, N). A tap's copy then moves runs of N numbers (64 in DCGAN-28) instead of OW (7 in
#     its D.conv2), and NumPy's cost per run, not the bytes, was most of im2col's time. The output
#     and the gradient's rows are transposed to match (both much smaller than the columns).
#     Measured on (64, 32, 14, 14), k4 s2 p1, the function alone: 1.50 ms (with the padded copy
#     0.17 ms more) -> 0.56 ms; D.conv2's forward + backward 11.9 -> 11.1 ms, G.convT1's 11.6 ->
#     10.5 ms (one thread, CPU time; benchmarks/NOTES.md, round four). On CuPy the columns keep
#     im2col's order (minigan's CUDA kernels write it).


def _weight_product(g_rows, cols):
    """g_rows @ cols^T, (O, K) x (C*kh*kw, K)^T -> (O, C*kh*kw), computed as (cols @ g_rows^T)^T
    unless the columns have fewer rows than g_rows on NumPy (speed (c))."""
    if cols.shape[0] < g_rows.shape[0] and get_array_module(cols) is np:
        return matmul_arrays(g_rows, cols.T)
    return matmul_arrays(cols, g_rows.T).T


def _batch_last(x, weight_shape, stride, dilation) -> bool:
    """Whether the fast paths order the columns of conv2d(x, weight) (row, column, image), speed
    (f): on NumPy, where the columns repeat the input (kernel area >= 2 x stride area, dilation 1),
    are larger than the output (C*kh*kw >= 2*O) and the runs of N images are longer than the rows
    (N >= 2*OW). Elsewhere the transposes of input, output and gradient cost more than the columns
    save: (64, 1 -> 32, 28 -> 14) 1.4 -> 1.8 ms, (128, 64 -> 128, k2 s2) 16.5 -> 17.7 ms, (4, 64 ->
    128, 32x32, k3 s2) 6.8 -> 7.5 ms (forward + backward, one thread, CPU time)."""
    (o, c, kh, kw), (sh, sw) = weight_shape, stride
    ow = (x.shape[3] - 1) // sw + 1  # at least the output's width (padding only adds to it)
    return (get_array_module(x) is np and dilation == (1, 1) and kh * kw >= 2 * sh * sw
            and c * kh * kw >= 2 * o and x.shape[0] >= 2 * ow)


def _fast_columns(x, kernel_size, stride, padding, dilation, batch_last):
    """im2col(x), or with batch_last its columns in the order (row, column, image):
    (C*kh*kw, OH*OW*N)."""
    if not batch_last:
        return im2col(x, kernel_size, stride, padding, dilation)
    n, c, h, w = x.shape
    (kh, kw), (ph, pw) = kernel_size, padding
    oh, ow = output_hw((h, w), kernel_size, stride, padding, dilation)
    image = np.zeros((c, h + 2 * ph, w + 2 * pw, n), x.dtype)
    image[:, ph:ph + h, pw:pw + w] = x.transpose(1, 2, 3, 0)
    cols = np.empty((c, kh, kw, oh, ow, n), x.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, columns = _tap_slices(i, j, (oh, ow), stride, dilation)
            cols[:, i, j] = image[:, rows, columns]
    return cols.reshape(c * kh * kw, oh * ow * n)


def _fast_weight_grad(cols, grad_output, weight_size, grid, batch_last):
    """conv2d_weight from the input's _fast_columns (grid: their (OH, OW)), in (c)'s orientation."""
    return _weight_product(_gradient_rows(grad_output, grid, batch_last), cols).reshape(weight_size)


def _fast_conv2d_weight(x, grad_output, weight_size, args, cols=None):
    """conv2d_weight(x, grad_output) on the fast paths: by taps (g) where the windows tile x, else
    from x's (batch-last) columns: `cols` if conv2d's forward kept them, else built here."""
    stride, padding, dilation = args
    if _windows_tile(x, weight_size, args, x.shape[2:], grad_output.shape[2:]):
        return _weight_grad_by_taps(_pixels_first(x), _pixels_first(grad_output), weight_size,
                                    stride, padding)
    batch_last = _batch_last(x, weight_size, stride, dilation)
    if cols is None:
        cols = _fast_columns(x, weight_size[2:], *args, batch_last)
    grid = output_hw(x.shape[2:], weight_size[2:], *args)
    return _fast_weight_grad(cols, grad_output, weight_size, grid, batch_last)


def _fast_transposed_product(x, weight, stride, padding, dilation, output_size):
    """conv_transpose2d without bias: by phases (e) on NumPy with more than one output channel,
    else the reference's col2im."""
    by_phase = get_array_module(x) is np and weight.shape[1] > 1
    product = _transposed_product_by_phase if by_phase else _transposed_product
    return product(x, weight, stride, padding, dilation, output_size)


# (e) _transposed_product_by_phase (NumPy; conv_transpose2d's forward and conv2d's input gradient):
#     col2im's additions as a few long contiguous runs instead of rows of OW pixels. The padded
#     output splits into stride x stride phases (rows a, a + sh, a + 2sh, ...; likewise columns),
#     and every kernel tap adds into exactly one phase, shifted by whole rows and columns. x is laid
#     out as (C_in, OH, N, Wq) (zeros beyond its own rows and columns, Wq the phase width), so the
#     product's columns come in the order (row, image, column): a tap's shift is then one offset
#     into its phase held as (C_out, rows, N, Wq), and each tap is one addition of C_out runs of
#     OH*N*Wq numbers (col2im: N*C_out*OH runs of OW). Then the phases are interleaved into the
#     output. Cost: a product Wq/OW times wider (8/7 for DCGAN-28's 7 -> 14 layer).
#     Measured (one thread, CPU time, the function alone): DCGAN-28's G.convT1 (64 -> 32 channels,
#     7 -> 14) 6.38 ms with col2im, 5.08 with phases in the layout (C_out, N, rows, Wq) (the runs
#     were OH*Wq numbers), 4.31 in this layout; one output channel (G.convT2) 0.54 / 0.55 / 0.50;
#     DeZero's 512 -> 256, 3 -> 4 layer 19.2 / 17.4 / 16.3 (benchmarks/NOTES.md, round three).
#     With stride 1 (one phase) against col2im: 0.74x on (8, 64 -> 64, 32x32, k3 p1), (16, 32 -> 32,
#     28x28, k3 p1) and (4, 64 -> 3, 32x32, k7 p3). With one output channel col2im has little to
#     add and the two are within noise (0.97-1.06x): col2im is kept there.
#     With one input channel the product has no sums, and _tap_products computes it a tap at a
#     time (below).


def _transposed_product_by_phase(x, weight, stride, padding, dilation, output_size):
    n, c_in, h, w = x.shape
    c_out, (kh, kw) = weight.shape[1], weight.shape[2:]
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    oh, ow = output_hw(output_size, (kh, kw), stride, padding, dilation)  # col2im's grid
    hq = -(-(output_size[0] + 2 * ph) // sh)  # rows and columns of one phase of the padded output
    wq = -(-(output_size[1] + 2 * pw) // sw)
    row = n * wq  # one row of every image of a phase: the unit of a tap's vertical shift
    x_rows = np.zeros((c_in, oh, n, wq), x.dtype)
    x_rows[:, :h, :, :w] = x.transpose(1, 2, 0, 3)
    tap_product = _tap_products(x_rows.reshape(c_in, -1), weight)  # (i, j) -> (C_out, OH*N*Wq)
    phases = np.empty((sh, sw, c_out, (hq + 1) * row), x.dtype)  # a spare row: zeros spill there
    written = set()  # the phases a tap has written: the first tap of a phase writes, the rest add
    for i in range(kh):
        for j in range(kw):
            start = (i * dh // sh) * row + j * dw // sw
            a, b = (i * dh) % sh, (j * dw) % sw
            if (a, b) in written:
                phases[a, b, :, start:start + oh * row] += tap_product(i, j)
            else:
                written.add((a, b))
                phases[a, b, :, :start] = 0
                phases[a, b, :, start:start + oh * row] = tap_product(i, j)
                phases[a, b, :, start + oh * row:] = 0
    for a, b in set(itertools.product(range(sh), range(sw))) - written:
        phases[a, b] = 0  # a phase no tap reaches (stride larger than the kernel)
    phases = phases.reshape(sh, sw, c_out, hq + 1, n, wq)
    y = np.empty((n, c_out) + tuple(output_size), x.dtype)
    for a in range(sh):
        q0 = max(0, -(-(ph - a) // sh))  # the first phase row inside the output (not its padding)
        rows = range(a - ph + sh * q0, output_size[0], sh)
        for b in range(sw):
            u0 = max(0, -(-(pw - b) // sw))
            columns = range(b - pw + sw * u0, output_size[1], sw)
            phase = phases[a, b, :, q0:q0 + len(rows), :, u0:u0 + len(columns)]
            y[:, :, rows.start::sh, columns.start::sw] = phase.transpose(2, 0, 1, 3)
    return y


def _tap_products(x_rows, weight):
    """(e)'s product weight^T @ x_rows, x_rows (C_in, K), weight (C_in, C_out, kh, kw), one kernel
    tap at a time: a function (i, j) -> the (C_out, K) block of tap (i, j), valid until the next
    call. With C_in > 1 the blocks of one product (C_out*kh*kw, K); with one input channel (a
    convolution's input gradient where it has one output channel: CycleGAN's, SRGAN's and the
    PatchGANs' last layers) there is no sum, only an outer product, so each block is computed
    when it is asked for, into one reused array, bit for bit the whole product's block.

    Measured (one thread, CPU time, (e) alone): (8, 1 -> 16, 28 -> 34, k7) 4.2 -> 1.4 ms, (16, 1
    -> 16, 28, k9 p4) 16.3 -> 5.7 ms, (8, 1 -> 64, 27 -> 28, k4 p1) 3.7 -> 1.6 ms: the whole
    product was C_out*kh*kw times the input (84 MB for SRGAN's), written to memory and read back
    once per tap; a tap's block stays in cache."""
    c_in, c_out, kh, kw = weight.shape
    if c_in > 1:
        blocks = matmul_arrays(weight.reshape(c_in, -1).T, x_rows).reshape(c_out, kh, kw, -1)
        return lambda i, j: blocks[:, i, j]
    columns = weight.reshape(c_out, kh, kw, 1)
    block = np.empty((c_out, x_rows.shape[1]), np.result_type(weight, x_rows))
    return lambda i, j: np.multiply(columns[:, i, j], x_rows, out=block)


# (g) Windows that tile the image (kernel = stride, dilation 1: DeZero's example GAN, every layer
#     but its first and last): every pixel lies in at most one window, under one tap (i, j), so
#     the convolution is a sum over taps of small products,
#         y[:, windows] += weight[:, :, i, j] @ (the pixels tap (i, j) reads in those windows),
#     each taken only over the windows whose tap lies inside the image. The columns of im2col hold
#     the padding's zeros too, and with padding 1 on a small image they are most of the product:
#     on (N, 256, 4, 4) -> (N, 512, 3, 3), k2 s2 p1, 16 of 36 window pixels are inside, so the
#     products by taps do 44% of the columns' multiplications. The transposed product writes each
#     tap's product into its own pixels (no additions), and the weight gradient is one product per
#     tap. The arrays are laid out (H, W, N, C), so that a tap's pixels are copied in runs of N*C
#     numbers and the products' rows are pixels (into that layout from (N, C, H, W): 0.22 ms for
#     (128, 256, 4, 4), against 1.46 ms into (f)'s (C, H, W, N)). Used on NumPy where both channel
#     counts and the batch are at least 16 (the products' sizes) and the padding is more than a
#     fifth of the windows' pixels (_windows_tile says when). DeZero's GAN step, one thread,
#     CPU time: 506 -> 359 ms; two threads, wall: 345 -> 280 ms (benchmarks/NOTES.md, round five).

TILE_MIN_SIZE = 16
TILE_MAX_INSIDE = 0.8


def _windows_tile(x, weight_shape, args, image_hw, grid_hw) -> bool:
    """Whether (g) computes this convolution of x (args: stride, padding, dilation; image_hw: the
    side the windows tile, grid_hw: the windows'): on NumPy, kernel = stride, dilation 1, at least
    TILE_MIN_SIZE channels on both sides of the weight and images in the batch, and padding that
    makes more than a fifth of the windows' pixels (at most TILE_MAX_INSIDE inside the image).
    Without padding the layout's copies cost more than the products save: forward + backward, one
    thread, CPU time, (32, 64, 32, 32) k2 s2 1.25x slower, (64, 64, 28, 28) k2 s2 p1 (87 % inside)
    1.09x slower, (64, 64, 14, 14) k2 s2 p1 (77 % inside) 0.81x, DeZero's layers (44-69 %)
    0.45-0.78x."""
    stride, padding, dilation = args
    if (get_array_module(x) is not np or tuple(weight_shape[2:]) != tuple(stride)
            or dilation != (1, 1) or min(weight_shape[0], weight_shape[1], x.shape[0])
            < TILE_MIN_SIZE):
        return False
    return _inside_share(stride, padding, image_hw, grid_hw) <= TILE_MAX_INSIDE


def _inside_share(stride, padding, image_hw, grid_hw) -> float:
    """The share of the windows' pixels (kernel = stride) that lie inside the image, not on its
    padding."""
    share = 1.0
    for s, p, image, grid in zip(stride, padding, image_hw, grid_hw):
        windows = (_tap_span(i, s, p, image, grid)[0] for i in range(s))
        share *= sum(w.stop - w.start for w in windows) / (s * grid)
    return share


def _tap_span(i, stride, padding, image_size, grid_size):
    """One axis of (g): the windows q in [lo, hi) (of grid_size) whose tap i reads a pixel inside
    the image (not its padding), and the slice of those pixels, q*stride - padding + i."""
    lo = max(0, -(-(padding - i) // stride))
    hi = max(lo, min(grid_size, (image_size - 1 + padding - i) // stride + 1))
    first = lo * stride - padding + i
    return slice(lo, hi), slice(first, first + stride * (hi - lo), stride)


def _taps(kernel_size, stride, padding, image_hw, grid_hw):
    """(i, j, windows, pixels) for each tap that reads inside the image: windows indexes the grid
    (OH, OW, N, C)'s first two axes, pixels the image (H, W, N, C)'s."""
    for i in range(kernel_size[0]):
        rows, pixel_rows = _tap_span(i, stride[0], padding[0], image_hw[0], grid_hw[0])
        for j in range(kernel_size[1]):
            columns, pixel_columns = _tap_span(j, stride[1], padding[1], image_hw[1], grid_hw[1])
            if rows.stop > rows.start and columns.stop > columns.start:
                yield i, j, (rows, columns), (pixel_rows, pixel_columns)


def _pixels_first(a):
    """(N, C, H, W) -> (g)'s layout (H, W, N, C), a copy. Through (N, H*W, C): two copies that each
    move whole rows of one image are faster than the one transposing copy (0.22 vs 0.37 ms for
    (128, 256, 4, 4), 0.40 vs 0.53 ms for (128, 64, 10, 10))."""
    n, c, h, w = a.shape
    per_image = np.ascontiguousarray(a.reshape(n, c, h * w).transpose(0, 2, 1))
    return np.ascontiguousarray(per_image.transpose(1, 0, 2)).reshape(h, w, n, c)


def _batch_first(a):
    """(g)'s layout (H, W, N, C) -> (N, C, H, W), a copy, through (N, H*W, C) as _pixels_first
    (0.27 vs 0.49 ms for (128, 256, 4, 4), 0.40 vs 2.34 ms for (128, 64, 10, 10))."""
    h, w, n, c = a.shape
    per_image = np.ascontiguousarray(a.reshape(h * w, n, c).transpose(1, 0, 2))
    return np.ascontiguousarray(per_image.transpose(0, 2, 1)).reshape(n, c, h, w)


def _pixel_rows(block):
    """A block (h, w, N, C) of (g)'s layout as a matrix (h*w*N, C): one row per pixel of each image
    (a copy unless the block is contiguous)."""
    return np.ascontiguousarray(block).reshape(-1, block.shape[-1])


def _conv2d_by_taps(image, weight, bias, stride, padding, output_size):
    """conv2d(x, weight) + bias by taps (g): image = x in (g)'s layout (H, W, N, C), weight (O, C,
    s, s) -> (N, O) + output_size."""
    y = np.zeros(tuple(output_size) + (image.shape[2], weight.shape[0]), image.dtype)
    for i, j, windows, pixels in _taps(weight.shape[2:], stride, padding, image.shape[:2],
                                       output_size):
        block = y[windows]
        block += matmul_arrays(_pixel_rows(image[pixels]), weight[:, :, i, j].T).reshape(
            block.shape)
    if bias is not None:
        y += bias
    return _batch_first(y)


def _transposed_product_by_taps(grid, weight, bias, stride, padding, output_size):
    """conv_transpose2d(x, weight) + bias by taps (g): grid = x in (g)'s layout (h, w, N, C_in),
    weight (C_in, C_out, s, s) -> (N, C_out) + output_size. Each output pixel is one tap of one
    input pixel: the taps' products are written, and only pixels that no input reaches are
    zeroed."""
    reached = all((size - 1 + p) // s < g for size, p, s, g in
                  zip(output_size, padding, stride, grid.shape[:2]))
    y = (np.empty if reached else np.zeros)(tuple(output_size) + (grid.shape[2], weight.shape[1]),
                                            grid.dtype)
    for i, j, windows, pixels in _taps(weight.shape[2:], stride, padding, output_size,
                                       grid.shape[:2]):
        block = y[pixels]
        block[...] = matmul_arrays(_pixel_rows(grid[windows]), weight[:, :, i, j]).reshape(
            block.shape)
    if bias is not None:
        y += bias
    return _batch_first(y)


def _weight_grad_by_taps(image, grid, weight_size, stride, padding):
    """conv2d_weight(x, grad_output) by taps (g), both in (g)'s layout: image = x (H, W, N, C),
    grid = grad_output (OH, OW, N, O) -> (O, C, s, s), one product (O, rows) @ (rows, C) per
    tap. A tap that reads only padding gets zeros."""
    grad_weight = np.zeros(weight_size, image.dtype)
    for i, j, windows, pixels in _taps(weight_size[2:], stride, padding, image.shape[:2],
                                       grid.shape[:2]):
        grad_weight[:, :, i, j] = matmul_arrays(_pixel_rows(grid[windows]).T,
                                                _pixel_rows(image[pixels]))
    return grad_weight
