"""Exercise 14 (lesson 9): the feature-matching loss (Salimans et al. 2016).

    feature_matching_loss(real_features, fake_features) -> 0-d Tensor

real_features: (N, F), D's hidden features of real data; fake_features: (M, F), of G(z).
loss = sum over the F features of (mean over N of real - mean over M of fake)^2.
The real side is a fixed target for G: no gradient may reach real_features.
Grade it: pytest -m ex_feature_matching.  Hints: HINTS.md, exercise 14.
"""


def feature_matching_loss(real_features, fake_features):
    raise NotImplementedError("Exercise 14: write feature_matching_loss")
