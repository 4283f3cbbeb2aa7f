"""A plausible wrong answer to Exercise 19 (lesson 15):
drops the constant -1 per dimension from the KL: the gradients are right, the value is not (and
the KL of the prior with itself is no longer 0).

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_kl_against_numerical_integration"  # the test that must fail on this answer


def reparameterize(mu, logvar, eps):
    return mu + (0.5 * logvar).exp() * eps


def kl_to_standard_normal(mu, logvar):
    return 0.5 * (mu * mu + logvar.exp() - logvar).sum(dim=1)
