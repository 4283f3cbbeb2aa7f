"""Convolutions: conv2d, conv_transpose2d and the weight gradient conv2d_weight, built on im2col.

A convolution is one matrix product once the input is unrolled into columns (im2col)::

    cols = im2col(x)                          # (C*kh*kw, N*OH*OW): one column per output pixel
    y    = weight.reshape(O, C*kh*kw) @ cols  # (O, N*OH*OW) -> (N, O, OH, OW)

    y[n, o, oh, ow] = sum_{c,i,j} weight[o, c, i, j] * x_padded[n, c, oh*sh + i*dh, ow*sw + j*dw]

Output size per spatial dimension: OH = floor((H + 2*padding - dilation*(k - 1) - 1) / stride) + 1.

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
must produce, crop or zero-pad to it, and the user-facing functions check the arguments.

The CUDA backend plugs its own kernels in at three points, which is why they take raw arrays:
`im2col`, `col2im` and `minigan.ops.arithmetic.matmul_arrays`.
"""

from __future__ import annotations

import numpy as np

from minigan.autograd import Function, Tensor
from minigan.backend import get_array_module
from minigan.ops.arithmetic import matmul_arrays

# ----------------------------------------------------------------------------- sizes and arguments


def _pair(value, name: str, op: str) -> tuple:
    """An int or a pair of ints -> (height value, width value); TypeError otherwise."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if (isinstance(value, (tuple, list)) and len(value) == 2
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)):
        return int(value[0]), int(value[1])
    raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """OH = floor((H + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1 (one spatial dimension)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output_size(size, kernel, stride, padding, dilation, output_padding=0) -> int:
    """H_out = (H - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def _grid(image_hw, kernel_size, stride, padding, dilation) -> tuple:
    """(OH, OW): the column positions im2col makes for an image of size image_hw."""
    return tuple(conv_output_size(*args) for args in zip(image_hw, kernel_size, stride, padding, dilation))


def _pad_grid(a, grid):
    """Zero-pad the last two dimensions of `a` (N, C, h, w) up to `grid` (a copy; rare, see above)."""
    if tuple(a.shape[2:]) == tuple(grid):
        return a
    xp = get_array_module(a)
    padded = xp.zeros(a.shape[:2] + tuple(grid), dtype=a.dtype)
    padded[:, :, :a.shape[2], :a.shape[3]] = a
    return padded


# ----------------------------------------------------------------------------- im2col and col2im


def _cuda_kernels(array):
    """minigan.cuda when `array` is a CuPy array and minigan's own kernels are selected, else None.

    On CuPy, im2col/col2im run as hand-written CUDA kernels (minigan/cuda/kernels/im2col.cu) with
    the same layout; minigan.cuda.use_cublas(True) falls back to the CuPy code below.
    """
    if get_array_module(array) is np:
        return None
    from minigan import cuda

    return None if cuda.cublas_enabled() else cuda


def im2col(x, kernel_size, stride, padding, dilation):
    """Unroll every receptive field of x into a column.

    x: (N, C, H, W) -> cols: (C*kh*kw, N*OH*OW), with
    cols[(c*kh + i)*kw + j, (n*OH + oh)*OW + ow] = x_padded[n, c, oh*sh + i*dh, ow*sw + j*dw].

    Built as a strided view of the zero-padded input with shape (C, kh, kw, N, OH, OW): stepping
    i moves dh rows, stepping oh moves sh rows. Reshaping that view copies it into the columns.
    """
    kernels = _cuda_kernels(x)
    if kernels is not None:
        return kernels.im2col(x, kernel_size, stride, padding, dilation)
    xp = get_array_module(x)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = (_pair(v, "argument", "im2col") for v in
                                              (kernel_size, stride, padding, dilation))
    n, c, h, w = x.shape
    oh, ow = _grid((h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw))
    if ph or pw:
        padded = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
        padded[:, :, ph:ph + h, pw:pw + w] = x
    else:
        padded = x
    s_n, s_c, s_h, s_w = padded.strides
    windows = xp.lib.stride_tricks.as_strided(
        padded, shape=(c, kh, kw, n, oh, ow),
        strides=(s_c, s_h * dh, s_w * dw, s_n, s_h * sh, s_w * sw),
    )
    return windows.reshape(c * kh * kw, n * oh * ow)


def col2im(cols, x_shape, kernel_size, stride, padding, dilation):
    """Add every column back onto the pixels it was read from: the adjoint of im2col.

    cols: (C*kh*kw, N*OH*OW) -> x: x_shape = (N, C, H, W), where OH, OW follow from H, W.
    Pixels that several receptive fields share receive the sum of their contributions. One
    strided addition per kernel offset (i, j): all N*C*OH*OW pixels it touches at once.
    """
    kernels = _cuda_kernels(cols)
    if kernels is not None:
        return kernels.col2im(cols, x_shape, kernel_size, stride, padding, dilation)
    xp = get_array_module(cols)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = (_pair(v, "argument", "col2im") for v in
                                              (kernel_size, stride, padding, dilation))
    n, c, h, w = x_shape
    oh, ow = _grid((h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw))
    blocks = cols.reshape(c, kh, kw, n, oh, ow)
    padded = xp.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)  # summed as (C, N, ...)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            padded[:, :, rows, j * dw:j * dw + sw * (ow - 1) + 1:sw] += blocks[:, i, j]
    return xp.ascontiguousarray(padded[:, :, ph:ph + h, pw:pw + w].transpose(1, 0, 2, 3))


# ----------------------------------------------------------------------------- the three ops


class Conv2d(Function):
    """y = conv2d(x, weight) + bias.  x: (N, C, H, W), weight: (O, C, kh, kw), bias: (O,) or None
    -> y: (N, O, OH, OW) with (OH, OW) = output_size.

    dL/dx = conv_transpose2d(dL/dy, weight),  dL/dweight = conv2d_weight(x, dL/dy),
    dL/dbias = dL/dy summed over (N, OH, OW).
    `cols` may bring im2col(x) when the caller has it already; the columns are kept for the
    weight gradient (memory for speed: no second im2col in backward).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, output_size, cols=None):
        out_channels = weight.shape[0]
        if cols is None:
            cols = im2col(x, weight.shape[2:], stride, padding, dilation)
        ctx.save_for_backward(x, weight, cols if ctx.needs_input_grad[1] else None)
        ctx.args = stride, padding, dilation
        y = matmul_arrays(weight.reshape(out_channels, -1), cols)  # (O, N*OH*OW), a new array
        if bias is not None:
            y += bias.reshape(out_channels, 1)
        oh, ow = _grid(x.shape[2:], weight.shape[2:], stride, padding, dilation)
        y = y.reshape(out_channels, x.shape[0], oh, ow).transpose(1, 0, 2, 3)
        return get_array_module(y).ascontiguousarray(y[:, :, :output_size[0], :output_size[1]])

    @staticmethod
    def backward(ctx, grad):
        x, weight, cols = ctx.saved_tensors
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_x = ConvTranspose2d.apply(grad, weight, None, *ctx.args, x.shape[2:])
        if ctx.needs_input_grad[1]:
            grad_weight = Conv2dWeight.apply(x, grad, weight.shape, *ctx.args, cols=cols.array)
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum((0, 2, 3))
        return grad_x, grad_weight, grad_bias, None, None, None, None


class ConvTranspose2d(Function):
    """y = conv_transpose2d(x, weight) + bias.  x: (N, C_in, H, W), weight: (C_in, C_out, kh, kw),
    bias: (C_out,) or None -> y: (N, C_out) + output_size.

    cols = weight.reshape(C_in, C_out*kh*kw)^T @ x as (C_in, N*H*W);  y = col2im(cols).
    dL/dx = conv2d(dL/dy, weight),  dL/dweight = conv2d_weight(dL/dy, x),  dL/dbias = sum of dL/dy.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, output_size):
        ctx.save_for_backward(x, weight)
        ctx.args = stride, padding, dilation
        xp = get_array_module(x)
        n, in_channels = x.shape[:2]
        out_channels, kernel_size = weight.shape[1], weight.shape[2:]
        x_rows = xp.ascontiguousarray(x.transpose(1, 0, 2, 3)).reshape(in_channels, -1)
        cols = matmul_arrays(weight.reshape(in_channels, -1).T, x_rows)  # (C_out*kh*kw, N*H*W)
        grid = _grid(output_size, kernel_size, stride, padding, dilation)
        if tuple(x.shape[2:]) != grid:  # output rows no input pixel reaches: columns of zeros
            cols = _pad_grid(cols.reshape(-1, n, *x.shape[2:]), grid).reshape(cols.shape[0], -1)
        y = col2im(cols, (n, out_channels) + tuple(output_size), kernel_size, stride, padding, dilation)
        if bias is not None:
            y += bias.reshape(1, out_channels, 1, 1)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        grad_x = grad_weight = grad_bias = None
        grad_cols = None  # im2col(grad), shared by the two products when both are needed
        if ctx.needs_input_grad[0] and ctx.needs_input_grad[1]:
            grad_cols = im2col(grad.array, weight.shape[2:], *ctx.args)
        if ctx.needs_input_grad[0]:
            grad_x = Conv2d.apply(grad, weight, None, *ctx.args, x.shape[2:], cols=grad_cols)
        if ctx.needs_input_grad[1]:
            grad_weight = Conv2dWeight.apply(grad, x, weight.shape, *ctx.args, cols=grad_cols)
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum((0, 2, 3))
        return grad_x, grad_weight, grad_bias, None, None, None, None


class Conv2dWeight(Function):
    """The gradient of conv2d with respect to its weight: x: (N, C, H, W), grad_output: (N, O, OH, OW)
    -> (O, C, kh, kw) = weight_size.

    dweight[o, c, i, j] = sum_{n,oh,ow} grad_output[n, o, oh, ow] * x_padded[n, c, oh*sh + i*dh, ow*sw + j*dw],
    i.e. grad_output as (O, N*OH*OW) @ im2col(x)^T. Linear in both inputs:
    d/dx = conv_transpose2d(grad_output, g),  d/dgrad_output = conv2d(x, g)  for an incoming gradient g.
    `cols` may bring im2col(x) when the caller has it already.
    """

    @staticmethod
    def forward(ctx, x, grad_output, weight_size, stride, padding, dilation, cols=None):
        ctx.save_for_backward(x, grad_output)
        ctx.args = stride, padding, dilation
        xp = get_array_module(x)
        out_channels, kernel_size = weight_size[0], weight_size[2:]
        if cols is None:
            cols = im2col(x, kernel_size, stride, padding, dilation)  # (C*kh*kw, N*OH*OW)
        grid = _grid(x.shape[2:], kernel_size, stride, padding, dilation)
        g = _pad_grid(grad_output, grid)
        g_rows = xp.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(out_channels, -1)
        # computed transposed, cols @ g_rows^T: OpenBLAS runs this orientation ~10% faster
        return matmul_arrays(cols, g_rows.T).T.reshape(weight_size)

    @staticmethod
    def backward(ctx, grad):
        x, grad_output = ctx.saved_tensors
        grad_x = grad_grad_output = None
        if ctx.needs_input_grad[0]:
            grad_x = ConvTranspose2d.apply(grad_output, grad, None, *ctx.args, x.shape[2:])
        if ctx.needs_input_grad[1]:
            grad_grad_output = Conv2d.apply(x, grad, None, *ctx.args, grad_output.shape[2:])
        return grad_x, grad_grad_output, None, None, None, None


# ----------------------------------------------------------------------------- checking arguments


def _check_4d(op: str, name: str, t: Tensor, what: str) -> None:
    if t.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D {name} {what}, got {name} of shape {t.shape}")


def _check_geometry(op: str, stride, padding, dilation) -> tuple:
    stride, padding, dilation = (_pair(v, n, op) for v, n in
                                 ((stride, "stride"), (padding, "padding"), (dilation, "dilation")))
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
            f"{op}: kernel size {tuple(kernel_size)} (with dilation {dilation}: {extent}) is larger "
            f"than the padded input {padded} (input {tuple(image_hw)}, padding {padding})"
        )


def _check_bias(op: str, bias, channels: int) -> None:
    if bias is not None and bias.shape != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},) (one per output channel), "
                         f"got bias of shape {bias.shape}")


# ----------------------------------------------------------------------------- user-facing functions


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch's F.conv2d).

    input: (N, C, H, W), weight: (O, C, kh, kw), bias: (O,) or None -> (N, O, OH, OW), with
    OH = floor((H + 2*padding - dilation*(kh - 1) - 1) / stride) + 1 (OW likewise).
    stride, padding, dilation: an int or an (h, w) pair.
    """
    op = "conv2d"
    _check_4d(op, "input", input, "(N, C, H, W)")
    _check_4d(op, "weight", weight, "(out_channels, in_channels, kh, kw)")
    stride, padding, dilation = _check_geometry(op, stride, padding, dilation)
    if weight.shape[1] != input.shape[1]:
        raise ValueError(f"{op}: weight expects {weight.shape[1]} input channels (weight.shape[1]), "
                         f"got input with {input.shape[1]} channels")
    _check_bias(op, bias, weight.shape[0])
    _check_kernel_fits(op, input.shape[2:], weight.shape[2:], padding, dilation)
    output_size = _grid(input.shape[2:], weight.shape[2:], stride, padding, dilation)
    return Conv2d.apply(input, weight, bias, stride, padding, dilation, output_size)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, dilation=1) -> Tensor:
    """2-D transposed convolution (PyTorch's F.conv_transpose2d, groups=1): the adjoint of conv2d.

    input: (N, C_in, H, W), weight: (C_in, C_out, kh, kw), bias: (C_out,) or None
    -> (N, C_out, H_out, W_out), H_out = (H - 1)*stride - 2*padding + dilation*(kh - 1) + output_padding + 1.
    output_padding adds rows/columns at the bottom/right; it must be smaller than stride or dilation.
    """
    op = "conv_transpose2d"
    _check_4d(op, "input", input, "(N, C_in, H, W)")
    _check_4d(op, "weight", weight, "(in_channels, out_channels, kh, kw)")
    stride, padding, dilation = _check_geometry(op, stride, padding, dilation)
    output_padding = _pair(output_padding, "output_padding", op)
    if min(output_padding) < 0:
        raise ValueError(f"{op}: output_padding must be non-negative, got output_padding={output_padding}")
    for extra, s, d in zip(output_padding, stride, dilation):
        if extra >= s and extra >= d:
            raise ValueError(f"{op}: output_padding must be smaller than either stride or dilation, got "
                             f"output_padding={output_padding}, stride={stride}, dilation={dilation}")
    if weight.shape[0] != input.shape[1]:
        raise ValueError(f"{op}: weight expects {weight.shape[0]} input channels (weight.shape[0]), "
                         f"got input with {input.shape[1]} channels")
    _check_bias(op, bias, weight.shape[1])
    output_size = tuple(conv_transpose_output_size(*args) for args in
                        zip(input.shape[2:], weight.shape[2:], stride, padding, dilation, output_padding))
    if min(output_size) < 1:
        raise ValueError(f"{op}: the output size {output_size} is not positive (input {input.shape[2:]}, "
                         f"kernel {weight.shape[2:]}, stride {stride}, padding {padding}, dilation "
                         f"{dilation}, output_padding {output_padding})")
    return ConvTranspose2d.apply(input, weight, bias, stride, padding, dilation, output_size)


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
        raise ValueError(f"{op}: weight_size must be (out_channels, in_channels, kh, kw), got {weight_size}")
    stride, padding, dilation = _check_geometry(op, stride, padding, dilation)
    if weight_size[1] != input.shape[1]:
        raise ValueError(f"{op}: weight_size expects {weight_size[1]} input channels (weight_size[1]), "
                         f"got input with {input.shape[1]} channels")
    _check_kernel_fits(op, input.shape[2:], weight_size[2:], padding, dilation)
    expected = (input.shape[0], weight_size[0]) + _grid(input.shape[2:], weight_size[2:], stride,
                                                        padding, dilation)
    if grad_output.shape != expected:
        raise ValueError(f"{op}: grad_output must have shape {expected} (the conv2d output for this "
                         f"input and weight_size), got grad_output of shape {grad_output.shape}")
    return Conv2dWeight.apply(input, grad_output, weight_size, stride, padding, dilation)
