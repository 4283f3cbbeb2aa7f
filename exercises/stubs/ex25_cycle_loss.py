"""Exercise 25 (lesson 17): CycleGAN's generator loss.

    generator_loss(G_AB, G_BA, D_A, D_B, a, b, cycle_weight=10.0, identity_weight=5.0) -> Tensor

G_AB translates images of domain A into B, G_BA back; D_A and D_B score images of A and B (least
squares: 1 means real). a, b: batches of the two domains (unpaired). With fake_b = G_AB(a) and
fake_a = G_BA(b), the loss both generators minimise together is

    adversarial = mean((D_B(fake_b) - 1)^2) + mean((D_A(fake_a) - 1)^2)
    cycle       = mean|G_BA(fake_b) - a| + mean|G_AB(fake_a) - b|      there and back again (L1)
    identity    = mean|G_BA(a) - a| + mean|G_AB(b) - b|                leave the target domain alone
    loss        = adversarial + cycle_weight * cycle + identity_weight * identity

(means over every element). The cycle term is what ties G_AB(a) to a when no pair says what it
should be: without it, G_AB may turn every outline into the same convincing garment.
Rules: Tensor operations only. Both generators must receive the gradient of both cycles: G_AB is
trained by a -> b -> a through G_BA's input, so do not detach the translations.
Grade it: pytest -m ex_cycle_loss.  Hints: HINTS.md, exercise 25.
"""


def generator_loss(G_AB, G_BA, D_A, D_B, a, b, cycle_weight=10.0, identity_weight=5.0):
    raise NotImplementedError("Exercise 25: write generator_loss (adversarial + cycle + identity)")
