"""Exercise 24 (lesson 18): PixelShuffle, the rearrangement behind SRGAN's sub-pixel convolution.

x: (N, C*r*r, H, W); r: an int >= 1. The output (N, C, H*r, W*r) turns the r*r channels of each
group into an r x r block of pixels:
    out[n, c, h*r + i, w*r + j] = x[n, c*r*r + i*r + j, h, w]
SRGAN upsamples with a convolution to 4x the channels followed by PixelShuffle(2): the network
computes every new pixel at low resolution, where it is cheap, with no transposed convolution's
checkerboard.

Backward: the inverse rearrangement (pixel unshuffle), out -> x, applied to the gradient.
Rules: forward on raw arrays (reshape and transpose are enough: split the channels into (C, r, r),
move the r's next to H and W, merge); backward with Tensor operations (reshape, permute), so it
can be differentiated again. Return None for r.
Grade it: pytest -m ex_pixel_shuffle.  Hints: HINTS.md, exercise 24.
"""

import minigan as mg


class PixelShuffle(mg.Function):
    @staticmethod
    def forward(ctx, x, r):
        raise NotImplementedError("Exercise 24: write PixelShuffle.forward")

    @staticmethod
    def backward(ctx, grad):
        """Return (grad_x, None)."""
        raise NotImplementedError("Exercise 24: write PixelShuffle.backward (the inverse rearrangement)")


def pixel_shuffle(x, r):
    return PixelShuffle.apply(x, r)
