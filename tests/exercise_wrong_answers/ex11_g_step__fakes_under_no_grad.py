"""A plausible wrong answer to Exercise 11 (lesson 5):
the fakes made under no_grad, copied from the D step: G gets no gradient.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_generator_receives_gradient"  # the test that must fail on this answer

import minigan as mg
from minigan import functional as F


def g_step(G, D, opt_g, z):
    """One update of G with the non-saturating loss BCE(D(G(z)), 1), D frozen. Returns the loss."""
    flags = [(p, p.requires_grad) for p in D.parameters()]
    for p, _ in flags:
        p.requires_grad_(False)  # D is a fixed function during this step: no gradient for it
    try:
        opt_g.zero_grad()
        with mg.no_grad():
            fake = G(z)
        logits = D(fake)
        loss = F.binary_cross_entropy_with_logits(logits, mg.ones_like(logits))
        loss.backward()
        opt_g.step()
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)
    return loss.item()
