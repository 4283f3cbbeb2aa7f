"""Exercise 7 (lesson 3): col2im and conv2d's gradient with respect to its input.

1. col2im(cols, x_shape, kernel_size, stride=1, padding=0) -> x
   The adjoint of im2col (exercise 6, same layout): cols (C*k*k, N*OH*OW) -> x (N, C, H, W) =
   x_shape. Every entry of cols is ADDED onto the pixel im2col read it from; a pixel inside
   several windows receives the sum. Padding positions are dropped at the end.
2. conv2d_input_grad(grad_output, weight, x_shape, stride=1, padding=0) -> dL/dx
   For y = conv2d(x, weight, stride, padding) = W_flat @ im2col(x) (W_flat = weight as (O, C*k*k)):
   grad_output (N, O, OH, OW), weight (O, C, k, k) -> dL/dx (N, C, H, W). The columns' gradient
   is W_flat^T @ G, with G = grad_output as (O, N*OH*OW); col2im brings it back to pixels.
All raw arrays. Grade it: pytest -m ex_col2im.  Hints: HINTS.md, exercise 7.
"""

import minigan as mg


def col2im(cols, x_shape, kernel_size, stride=1, padding=0):
    raise NotImplementedError("Exercise 7: write col2im")


def conv2d_input_grad(grad_output, weight, x_shape, stride=1, padding=0):
    raise NotImplementedError("Exercise 7: write conv2d_input_grad")
