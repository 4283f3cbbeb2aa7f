"""A plausible wrong answer to Exercise 18 (lesson 11):
for KL, uses exp(t) as f* (the conjugate without the shift t - 1), a slip when solving f'(u) = t.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_optimal_bound_is_the_divergence"  # the test that must fail on this answer

import minigan as mg

DIVERGENCES = ("kl", "reverse_kl", "pearson", "gan")


def f_gan_losses(real_v, fake_v, divergence):
    if divergence not in DIVERGENCES:
        raise ValueError(f"divergence must be one of {', '.join(DIVERGENCES)}, got {divergence!r}")
    act = {"kl": lambda v: v, "reverse_kl": lambda v: -(-v).exp(), "pearson": lambda v: v,
           "gan": lambda v: -mg.softplus(-v)}[divergence]
    conj = {"kl": lambda t: t.exp(), "reverse_kl": lambda t: -1 - (-t).log(), "pearson": lambda t: t * t / 4 + t,
            "gan": lambda t: -(1 - t.exp()).log()}[divergence]
    fake_term = conj(act(fake_v)).mean()
    return -(act(real_v).mean() - fake_term), -fake_term
