"""pixel_shuffle and pixel_unshuffle: trade channels for resolution (SRGAN's and ESRGAN's
upsampling).

pixel_shuffle with factor r turns (*, C r^2, H, W) into (*, C, H r, W r): the r^2 channels of each
output channel become the r x r pixels of each input pixel's block,

    out[c, h r + i, w r + j] = x[c r^2 + i r + j, h, w]

pixel_unshuffle is its inverse. Both are a reshape, a permutation of the axes and a reshape, so
their gradients (the inverse rearrangement) come from those ops.
"""

from __future__ import annotations

from minigan.autograd import Tensor
from minigan.ops._operands import as_tensor


def _check(op: str, input: Tensor, factor: int, what: str) -> None:
    if input.ndim < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{op} expects a positive {what}, but got {factor}")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r) with r = upscale_factor."""
    input, r = as_tensor(input), int(upscale_factor)
    _check("pixel_shuffle", input, r, "upscale_factor")
    *batch, channels, h, w = input.shape
    if channels % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but "
                           f"input.size(-3)={channels} is not divisible by {r * r}")
    lead = len(batch)
    blocks = input.reshape(*batch, channels // (r * r), r, r, h, w)           # (*, C, i, j, H, W)
    order = tuple(range(lead)) + tuple(lead + d for d in (0, 3, 1, 4, 2))     # (*, C, H, i, W, j)
    return blocks.permute(*order).reshape(*batch, channels // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W) with r = downscale_factor: pixel_shuffle undone."""
    input, r = as_tensor(input), int(downscale_factor)
    _check("pixel_unshuffle", input, r, "downscale_factor")
    *batch, channels, h, w = input.shape
    for name, size, dim in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({dim})={size} is not divisible "
                               f"by {r}")
    lead = len(batch)
    blocks = input.reshape(*batch, channels, h // r, r, w // r, r)           # (*, C, H, i, W, j)
    order = tuple(range(lead)) + tuple(lead + d for d in (0, 2, 4, 1, 3))     # (*, C, i, j, H, W)
    return blocks.permute(*order).reshape(*batch, channels * r * r, h // r, w // r)
