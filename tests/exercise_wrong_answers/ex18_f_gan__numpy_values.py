"""A plausible wrong answer to Exercise 18 (lesson 11):
computes the right numbers in NumPy and wraps them in a Tensor: nothing can be trained through them.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_gradcheck"  # the test that must fail on this answer

import numpy as np

import minigan as mg


def f_gan_losses(real_v, fake_v, divergence):
    if divergence not in ("kl", "reverse_kl", "pearson", "gan"):
        raise ValueError(f"divergence must be one of kl, reverse_kl, pearson, gan, got {divergence!r}")
    r, f = real_v.detach().numpy(), fake_v.detach().numpy()
    act = {"kl": lambda v: v, "reverse_kl": lambda v: -np.exp(-v), "pearson": lambda v: v,
           "gan": lambda v: -np.logaddexp(0, -v)}[divergence]
    conj = {"kl": lambda t: np.exp(t - 1), "reverse_kl": lambda t: -1 - np.log(-t), "pearson": lambda t: t * t / 4 + t,
            "gan": lambda t: -np.log(1 - np.exp(t))}[divergence]
    fake_term = conj(act(f)).mean()
    return mg.tensor(-(act(r).mean() - fake_term)), mg.tensor(-fake_term)
