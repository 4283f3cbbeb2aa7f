"""Exercise 25 (lesson 17), reference solution: CycleGAN's generator loss."""


def generator_loss(G_AB, G_BA, D_A, D_B, a, b, cycle_weight=10.0, identity_weight=5.0):
    """adversarial + cycle_weight * cycle + identity_weight * identity (the stub's formulas)."""
    fake_b, fake_a = G_AB(a), G_BA(b)
    adversarial = ((D_B(fake_b) - 1) ** 2).mean() + ((D_A(fake_a) - 1) ** 2).mean()
    cycle = (G_BA(fake_b) - a).abs().mean() + (G_AB(fake_a) - b).abs().mean()
    identity = (G_BA(a) - a).abs().mean() + (G_AB(b) - b).abs().mean()
    return adversarial + cycle_weight * cycle + identity_weight * identity
