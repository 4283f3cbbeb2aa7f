"""Convolution geometry, written once: argument pairs and output sizes (pure Python, no arrays).

Every spatial argument of a 2-D convolution (kernel_size, stride, padding, dilation,
output_padding) is an int or an (height, width) pair. Along one spatial dimension, with input
size H, kernel k, stride s, padding p, dilation d:

    conv2d:            OH = floor((H + 2p - d (k - 1) - 1) / s) + 1
    conv_transpose2d:  OH = (H - 1) s - 2p + d (k - 1) + output_padding + 1

The NumPy ops (minigan/ops/conv.py), the layers (minigan/nn/conv.py) and the CUDA kernels'
wrappers (minigan/cuda/) all take their sizes from here.
"""

from __future__ import annotations

import numbers


class PairError(TypeError, ValueError):
    """An argument that is neither an int nor a pair of ints.

    Both a TypeError (what F.conv2d raises for a wrong type, as PyTorch does) and a ValueError
    (what the layers raise for every bad constructor argument), so either `except` catches it.
    """


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def pair(value, name: str, op: str) -> tuple:
    """An int or a pair of ints -> (height value, width value): 4 -> (4, 4), (1, 2) -> (1, 2)."""
    if type(value) is tuple and len(value) == 2 and type(value[0]) is int and type(value[1]) is int:
        return value  # the common case, already normalised (checked in one step)
    if _is_int(value):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        return int(value[0]), int(value[1])
    raise PairError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """floor((size + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1 (may be <= 0: no fit)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
                               output_padding: int = 0) -> int:
    """(size - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def output_hw(image_hw, kernel_size, stride, padding, dilation) -> tuple:
    """(OH, OW) of conv2d for an image (H, W); every argument an (h, w) pair."""
    return (conv_output_size(image_hw[0], kernel_size[0], stride[0], padding[0], dilation[0]),
            conv_output_size(image_hw[1], kernel_size[1], stride[1], padding[1], dilation[1]))


def pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int = 1,
                     ceil_mode: bool = False) -> int:
    """Pooling's output size: conv2d's, rounded up instead of down with ceil_mode, except that the
    last window must start inside the input or its left padding (PyTorch's rule)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out
