"""Exercise 23 (lesson 17): reflection padding, forward and backward.

x: (N, C, H, W); p: an int with 0 <= p < H and p < W. The output (N, C, H + 2p, W + 2p) has x in
its middle and, around it, x mirrored at its border pixel (the edge itself is not repeated):
padding the row [a, b, c, d] with p = 2 gives [c, b, a, b, c, d, c, b]. This is nn.ReflectionPad2d,
the padding CycleGAN's generators use, so that convolutions at the edge see image, not zeros.

Backward: every padded position is a copy of some pixel of x, so the gradient of a pixel is the sum
of the gradients of all its copies: a pixel next to the border receives its own gradient plus that
of its mirror image. (Cropping the middle of the gradient misses those.)
Rules: forward on raw arrays (index arrays work: x[:, :, rows]); backward with Tensor operations, so
it can be differentiated again (gradgradcheck). One way: padding is linear, out = R_h @ x @ R_w.T
with 0/1 matrices R; then grad_x = R_h.T @ grad @ R_w. Return None for p.
Grade it: pytest -m ex_reflection_pad.  Hints: HINTS.md, exercise 23.
"""

import minigan as mg


class ReflectionPad2d(mg.Function):
    @staticmethod
    def forward(ctx, x, p):
        raise NotImplementedError("Exercise 23: write ReflectionPad2d.forward (mirror the border)")

    @staticmethod
    def backward(ctx, grad):
        """Return (grad_x, None)."""
        raise NotImplementedError("Exercise 23: write ReflectionPad2d.backward (add up the copies)")


def reflection_pad2d(x, p):
    return ReflectionPad2d.apply(x, p)
