"""Exercise 27 (lesson 19): the equalized learning rate of a convolution (Karras et al. 2018,
sec. 4.1).

    equalized_conv2d(x, weight, bias, padding=0, gain=sqrt(2)) -> Tensor

x: (N, C_in, H, W); weight: (C_out, C_in, k, k), stored at N(0, 1); bias: (C_out,).
The layer scales the stored weight at run time by He's constant

    c = gain / sqrt(fan_in),   fan_in = C_in * k * k

and convolves with it: conv2d(x, weight * c, bias, padding). Its output is what a convolution
initialised at N(0, c^2) gives, but Adam moves every stored weight by about lr, so each layer's
effective weights change by lr * c: the same relative speed for every layer.

Rules: compute c from the weight's shape; use mg.nn.functional.conv2d and Tensor operations, so
that the gradient reaching the stored weight is c times the gradient of the effective weight.
Grade it: pytest -m ex_equalized_conv.  Hints: HINTS.md, exercise 27.
"""

import math

import minigan as mg
from minigan import functional as F


def equalized_conv2d(x, weight, bias, padding=0, gain=math.sqrt(2)):
    raise NotImplementedError("Exercise 27: write equalized_conv2d")
