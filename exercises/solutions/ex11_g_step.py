"""Exercise 11 (lesson 5), reference solution: the generator step."""

import minigan as mg
from minigan import functional as F


def g_step(G, D, opt_g, z):
    """One update of G with the non-saturating loss BCE(D(G(z)), 1), D frozen. Returns the loss."""
    flags = [(p, p.requires_grad) for p in D.parameters()]
    for p, _ in flags:
        p.requires_grad_(False)  # D is a fixed function during this step: no gradient for it
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
