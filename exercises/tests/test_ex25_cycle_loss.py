"""Exercise 25: CycleGAN's generator loss."""

import numpy as np
import pytest

import minigan as mg
from minigan import nn

pytestmark = pytest.mark.ex_cycle_loss


def networks():
    """Small convolutional stand-ins: two generators (1 -> 1 channel), two patch critics."""
    G_AB = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.Tanh(), nn.Conv2d(3, 1, 3, padding=1))
    G_BA = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.Tanh(), nn.Conv2d(3, 1, 3, padding=1))
    D_A, D_B = nn.Conv2d(1, 1, 3, stride=2), nn.Conv2d(1, 1, 3, stride=2)
    return G_AB, G_BA, D_A, D_B


def reference(G_AB, G_BA, D_A, D_B, a, b, cycle_weight, identity_weight):
    fake_b, fake_a = G_AB(a), G_BA(b)
    terms = {"adversarial": ((D_B(fake_b) - 1) ** 2).mean() + ((D_A(fake_a) - 1) ** 2).mean(),
             "cycle": (G_BA(fake_b) - a).abs().mean() + (G_AB(fake_a) - b).abs().mean(),
             "identity": (G_BA(a) - a).abs().mean() + (G_AB(b) - b).abs().mean()}
    return terms["adversarial"] + cycle_weight * terms["cycle"] + identity_weight * terms["identity"], terms


def batches():
    return mg.randn(3, 1, 5, 5), mg.randn(3, 1, 5, 5)


@pytest.mark.parametrize("cycle_weight, identity_weight", [(10.0, 5.0), (1.0, 0.0), (0.0, 2.0)])
def test_value_matches_the_formula(student, cycle_weight, identity_weight):
    nets, (a, b) = networks(), batches()
    got = student.generator_loss(*nets, a, b, cycle_weight, identity_weight)
    expected, _ = reference(*nets, a, b, cycle_weight, identity_weight)
    assert got.shape == ()
    np.testing.assert_allclose(got.item(), expected.item(), rtol=1e-12)


def test_each_term_is_weighted_by_its_own_weight(student):
    nets, (a, b) = networks(), batches()
    _, terms = reference(*nets, a, b, 0.0, 0.0)
    base = student.generator_loss(*nets, a, b, 0.0, 0.0).item()
    np.testing.assert_allclose(base, terms["adversarial"].item(), rtol=1e-12)
    np.testing.assert_allclose(student.generator_loss(*nets, a, b, 1.0, 0.0).item() - base,
                               terms["cycle"].item(), rtol=1e-9)
    np.testing.assert_allclose(student.generator_loss(*nets, a, b, 0.0, 1.0).item() - base,
                               terms["identity"].item(), rtol=1e-9)


def test_gradients_match_the_formula(student):
    """Both generators get the gradient of both cycles (a -> b -> a trains G_AB through G_BA)."""
    nets, (a, b) = networks(), batches()
    student.generator_loss(*nets, a, b, 10.0, 0.0).backward()
    got = [p.grad.numpy().copy() for net in nets[:2] for p in net.parameters()]
    for net in nets:
        net.zero_grad()
    reference(*nets, a, b, 10.0, 0.0)[0].backward()
    for g, p in zip(got, [p for net in nets[:2] for p in net.parameters()]):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-9, atol=1e-12)
