"""A plausible wrong answer to Exercise 24 (lesson 18):
the channels split as (r, r, C) instead of (C, r, r).

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_forward_values"  # the test that must fail on this answer


import minigan as mg


class PixelShuffle(mg.Function):
    """(N, C*r*r, H, W) -> (N, C, H*r, W*r):  out[n, c, h*r + i, w*r + j] = x[n, c*r*r + i*r + j, h, w].

    Forward: split the channels into (C, r, r), move the two r's next to H and W, merge. The
    backward undoes it (pixel unshuffle): the same moves backwards, with Tensor operations.
    """

    @staticmethod
    def forward(ctx, x, r):
        n, crr, h, w = x.shape
        c = crr // (r * r)
        ctx.r = r
        return x.reshape(n, r, r, c, h, w).transpose(0, 3, 4, 1, 5, 2).reshape(n, c, h * r, w * r)

    @staticmethod
    def backward(ctx, grad):
        r = ctx.r
        n, c, hr, wr = grad.shape
        h, w = hr // r, wr // r
        return grad.reshape(n, c, h, r, w, r).permute(0, 1, 3, 5, 2, 4).reshape(n, c * r * r, h, w), None


def pixel_shuffle(x, r):
    return PixelShuffle.apply(x, r)
