"""Exercise 11: the generator step."""

import math

import numpy as np
import pytest

import minigan as mg
from minigan import nn

pytestmark = pytest.mark.ex_g_step


def make_g():
    return nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 2))


def setup():
    G = make_g()
    D = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
    opt_g = mg.optim.Adam(G.parameters(), lr=0.01, betas=(0.5, 0.999))
    return G, D, opt_g, mg.randn(6, 2)


def snapshot(module):
    return [p.array.copy() for p in module.parameters()]


def test_loss_and_updated_generator(student):
    G, D, opt_g, z = setup()
    G2 = make_g()
    G2.load_state_dict(G.state_dict())
    opt = mg.optim.Adam(G2.parameters(), lr=0.01, betas=(0.5, 0.999))
    loss = mg.softplus(-D(G2(z))).mean()  # non-saturating: -log D(G(z))
    loss.backward()
    opt.step()
    got = student.g_step(G, D, opt_g, z)
    assert isinstance(got, float) and math.isclose(got, loss.item(), rel_tol=1e-10)
    for p, e in zip(G.parameters(), G2.parameters()):
        np.testing.assert_allclose(p.array, e.array, rtol=1e-10, atol=1e-12)


def test_discriminator_frozen_unchanged_and_restored(student):
    G, D, opt_g, z = setup()
    before = snapshot(D)
    student.g_step(G, D, opt_g, z)
    for p, b in zip(D.parameters(), before):
        np.testing.assert_array_equal(p.array, b)  # bit for bit
        assert p.grad is None, "D must be frozen (requires_grad_(False)) during the G step"
        assert p.requires_grad, "D's requires_grad must be restored after the G step"


def test_generator_receives_gradient(student):
    G, D, opt_g, z = setup()
    before = snapshot(G)
    student.g_step(G, D, opt_g, z)
    for p, b in zip(G.parameters(), before):
        assert p.grad is not None and np.abs(p.grad.array).sum() > 0
        assert not np.array_equal(p.array, b)
