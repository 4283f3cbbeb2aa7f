"""A plausible wrong answer to Exercise 19 (lesson 15):
draws z with NumPy from the right distribution: the sample is correct, but it is a constant to the
engine, so no gradient reaches the encoder through it.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_gradients_reach_mu_and_logvar"  # the test that must fail on this answer

import numpy as np

import minigan as mg


def reparameterize(mu, logvar, eps):
    return mg.tensor(mu.detach().numpy() + np.exp(logvar.detach().numpy() / 2) * eps.numpy())


def kl_to_standard_normal(mu, logvar):
    return 0.5 * (mu * mu + logvar.exp() - logvar - 1).sum(dim=1)
