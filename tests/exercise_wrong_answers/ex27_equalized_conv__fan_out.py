"""A plausible wrong answer to Exercise 27 (lesson 19):
He's constant from the output channels (weight.shape[0]) instead of the fan-in C_in * k * k.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_values_are_a_convolution_with_the_scaled_weight"  # the test that must fail on this answer

import math

from minigan import functional as F


def equalized_conv2d(x, weight, bias, padding=0, gain=math.sqrt(2)):
    fan = weight.shape[0] * weight.shape[2] * weight.shape[3]
    return F.conv2d(x, weight * (gain / math.sqrt(fan)), bias, padding=padding)
