"""Exercise 11 (lesson 5): one training step of the generator.

    g_step(G, D, opt_g, z) -> float

opt_g: an optimizer over G's parameters only. Freeze D for the step (p.requires_grad_(False)
for each of its parameters, restored afterwards even if something fails), clear G's old
gradients, loss = BCE-with-logits(D(G(z)), label 1) (the non-saturating loss -log D(G(z))),
backward, step G. Return loss.item().

Checked: G's new parameters; D bit-for-bit unchanged, with p.grad still None and requires_grad
True again after the call; every G parameter received a nonzero gradient.
Grade it: pytest -m ex_g_step.  Hints: HINTS.md, exercise 11.
"""

import minigan as mg
from minigan import functional as F


def g_step(G, D, opt_g, z):
    raise NotImplementedError("Exercise 11: write g_step")
