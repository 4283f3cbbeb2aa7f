"""Exercise 14 (lesson 9), reference solution: the feature-matching loss."""


def feature_matching_loss(real_features, fake_features):
    """G's loss || mean_n f(x) - mean_n f(G(z)) ||^2 (Salimans et al. 2016), summed over features.

    real_features: (N, F) from D's hidden layer on real data, fake_features: (M, F) on G(z).
    The real side is a target: detached, so no gradient reaches it.
    """
    diff = real_features.detach().mean(0) - fake_features.mean(0)
    return (diff * diff).sum()
