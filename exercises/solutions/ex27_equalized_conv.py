"""Exercise 27 (lesson 19), reference solution: the equalized-learning-rate convolution."""

import math

import minigan as mg
from minigan import functional as F


def equalized_conv2d(x, weight, bias, padding=0, gain=math.sqrt(2)):
    """conv2d(x, weight * c, bias, padding) with c = gain / sqrt(C_in * k * k)."""
    fan_in = weight.shape[1] * weight.shape[2] * weight.shape[3]
    return F.conv2d(x, weight * (gain / math.sqrt(fan_in)), bias, padding=padding)
