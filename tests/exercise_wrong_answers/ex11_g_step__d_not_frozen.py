"""A plausible wrong answer to Exercise 11 (lesson 5):
D is left trainable: the G step also computes (and leaves) gradients in D.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_discriminator_frozen_unchanged_and_restored"  # the test that must fail on this answer

import minigan as mg
from minigan import functional as F


def g_step(G, D, opt_g, z):
    """One update of G with the non-saturating loss BCE(D(G(z)), 1), D frozen. Returns the loss."""
    flags = [(p, p.requires_grad) for p in D.parameters()]
    for p, _ in flags:
        pass
    try:
        opt_g.zero_grad()
        logits = D(G(z))
        loss = F.binary_cross_entropy_with_logits(logits, mg.ones_like(logits))
        loss.backward()
        opt_g.step()
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)
    return loss.item()
