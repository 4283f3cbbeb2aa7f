"""A plausible wrong answer to Exercise 29 (lesson 19):
alpha weighs the old image instead of the new block (lerp's arguments swapped): at the start of the
fade the untrained new block takes over at once.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_alpha_zero_is_the_old_image_and_one_the_new"  # the test that must fail on this answer

from minigan import functional as F


def fade_in(old, new, alpha):
    return new.lerp(F.interpolate(old, scale_factor=2, mode="nearest"), alpha)
