"""A plausible wrong answer to Exercise 14 (lesson 9):
the real features are not detached: the loss also pushes D's real features.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_gradient_reaches_fake_only"  # the test that must fail on this answer


def feature_matching_loss(real_features, fake_features):
    """G's loss || mean_n f(x) - mean_n f(G(z)) ||^2 (Salimans et al. 2016), summed over features.

    real_features: (N, F) from D's hidden layer on real data, fake_features: (M, F) on G(z).
    The real side is a target: detached, so no gradient reaches it.
    """
    diff = real_features.mean(0) - fake_features.mean(0)
    return (diff * diff).sum()
