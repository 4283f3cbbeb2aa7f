"""A plausible wrong answer to Exercise 28 (lesson 20):
the style's scale used as s instead of 1 + s (the paper's affine map written without the offset).

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_the_output_statistics_come_from_the_style"  # the test that must fail on this answer



def adain(x, style, eps=1e-5):
    n, c = x.shape[0], x.shape[1]
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = ((x - mean) ** 2).mean(dim=(2, 3), keepdim=True)
    style = style.reshape(n, 2, c, 1, 1)
    return style[:, 0] * (x - mean) / (var + eps).sqrt() + style[:, 1]
