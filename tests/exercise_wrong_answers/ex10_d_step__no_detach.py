"""A plausible wrong answer to Exercise 10 (lesson 5):
the fakes keep their graph, so the D loss's backward also fills G's gradients.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_generator_untouched_and_without_gradient"  # the test that must fail on this answer

import minigan as mg
from minigan import functional as F


def d_step(G, D, opt_d, real, z):
    """One update of D: loss = BCE(D(real), 1) + BCE(D(G(z)), 0), D outputs logits. Returns the loss."""
    fake = G(z)
    opt_d.zero_grad()
    real_logits, fake_logits = D(real), D(fake)
    loss = (F.binary_cross_entropy_with_logits(real_logits, mg.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, mg.zeros_like(fake_logits)))
    loss.backward()
    opt_d.step()
    return loss.item()
