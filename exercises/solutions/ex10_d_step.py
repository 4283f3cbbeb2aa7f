"""Exercise 10 (lesson 5), reference solution: the discriminator step."""

import minigan as mg
from minigan import functional as F


def d_step(G, D, opt_d, real, z):
    """One update of D: loss = BCE(D(real), 1) + BCE(D(G(z)), 0), D outputs logits. Returns the loss."""
    with mg.no_grad():  # no graph through G: G gets no gradient and nothing is stored for it
        fake = G(z)
    opt_d.zero_grad()
    real_logits, fake_logits = D(real), D(fake)
    loss = (F.binary_cross_entropy_with_logits(real_logits, mg.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, mg.zeros_like(fake_logits)))
    loss.backward()
    opt_d.step()
    return loss.item()
