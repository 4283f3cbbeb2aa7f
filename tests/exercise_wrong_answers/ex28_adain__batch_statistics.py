"""A plausible wrong answer to Exercise 28 (lesson 20):
the statistics taken over the batch and the pixels (batch norm), not over each sample's pixels.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_each_sample_is_normalised_alone"  # the test that must fail on this answer



def adain(x, style, eps=1e-5):
    n, c = x.shape[0], x.shape[1]
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = ((x - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
    style = style.reshape(n, 2, c, 1, 1)
    return (1 + style[:, 0]) * (x - mean) / (var + eps).sqrt() + style[:, 1]
