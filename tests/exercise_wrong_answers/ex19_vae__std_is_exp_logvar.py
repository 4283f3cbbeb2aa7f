"""A plausible wrong answer to Exercise 19 (lesson 15):
takes sigma = exp(logvar) instead of exp(logvar / 2): logvar is log sigma^2, not log sigma.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_reparameterized_samples_have_the_right_moments"  # the test that must fail on this answer


def reparameterize(mu, logvar, eps):
    return mu + logvar.exp() * eps


def kl_to_standard_normal(mu, logvar):
    return 0.5 * (mu * mu + logvar.exp() - logvar - 1).sum(dim=1)
