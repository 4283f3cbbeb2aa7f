"""A plausible wrong answer to Exercise 26 (lesson 19):
the mean square taken over the batch (dimension 0) instead of the channels, as batch norm would.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_every_pixel_has_mean_square_one_on_its_own"  # the test that must fail on this answer



def pixel_norm(x, eps=1e-8):
    return x / ((x * x).mean(dim=0, keepdim=True) + eps).sqrt()
