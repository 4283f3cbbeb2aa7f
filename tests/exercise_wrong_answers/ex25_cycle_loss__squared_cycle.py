"""A plausible wrong answer to Exercise 25 (lesson 17):
the cycle loss squared (L2) instead of L1.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_value_matches_the_formula"  # the test that must fail on this answer



def generator_loss(G_AB, G_BA, D_A, D_B, a, b, cycle_weight=10.0, identity_weight=5.0):
    """adversarial + cycle_weight * cycle + identity_weight * identity (the stub's formulas)."""
    fake_b, fake_a = G_AB(a), G_BA(b)
    adversarial = ((D_B(fake_b) - 1) ** 2).mean() + ((D_A(fake_a) - 1) ** 2).mean()
    cycle = ((G_BA(fake_b) - a) ** 2).mean() + ((G_AB(fake_a) - b) ** 2).mean()
    identity = (G_BA(a) - a).abs().mean() + (G_AB(b) - b).abs().mean()
    return adversarial + cycle_weight * cycle + identity_weight * identity
