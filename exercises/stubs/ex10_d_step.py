"""Exercise 10 (lesson 5): one training step of the discriminator.

    d_step(G, D, opt_d, real, z) -> float

G: generator Module (z -> fake samples), D: discriminator Module (samples -> logits (N, 1)),
opt_d: an optimizer over D's parameters only, real: a batch of real samples, z: a batch of codes.
Do, in order: make the fakes G(z) so that no gradient reaches G; clear D's old gradients;
loss = BCE-with-logits(D(real), label 1) + BCE-with-logits(D(fake), label 0), each a mean
(minigan.functional.binary_cross_entropy_with_logits); backward; step D. Return loss.item().

Checked: D's new parameters; G unchanged with p.grad still None for every G parameter; stale
gradients left in D before the call do not change the result.
Grade it: pytest -m ex_d_step.  Hints: HINTS.md, exercise 10.
"""

import minigan as mg
from minigan import functional as F


def d_step(G, D, opt_d, real, z):
    raise NotImplementedError("Exercise 10: write d_step")
