"""Exercise 10: the discriminator step."""

import math

import numpy as np
import pytest

import minigan as mg
from minigan import nn

pytestmark = pytest.mark.ex_d_step


def setup():
    G = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 2))
    D = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
    opt_d = mg.optim.Adam(D.parameters(), lr=0.01, betas=(0.5, 0.999))
    return G, D, opt_d, mg.randn(6, 2) + 2, mg.randn(6, 2)


def snapshot(module):
    return [p.array.copy() for p in module.parameters()]


def expected_after_step(G, D, real, z):
    """The reference step, written out: D's parameters after one Adam step on the BCE loss."""
    D2 = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
    D2.load_state_dict(D.state_dict())
    opt = mg.optim.Adam(D2.parameters(), lr=0.01, betas=(0.5, 0.999))
    fake = G(z).detach()
    loss = mg.softplus(-D2(real)).mean() + mg.softplus(D2(fake)).mean()  # -log D(x) - log(1 - D(G(z)))
    loss.backward()
    opt.step()
    return loss.item(), snapshot(D2)


def test_loss_and_updated_discriminator(student):
    G, D, opt_d, real, z = setup()
    loss, params = expected_after_step(G, D, real, z)
    got = student.d_step(G, D, opt_d, real, z)
    assert isinstance(got, float) and math.isclose(got, loss, rel_tol=1e-10)
    for p, e in zip(D.parameters(), params):
        np.testing.assert_allclose(p.array, e, rtol=1e-10, atol=1e-12)


def test_generator_untouched_and_without_gradient(student):
    G, D, opt_d, real, z = setup()
    before = snapshot(G)
    student.d_step(G, D, opt_d, real, z)
    for p, b in zip(G.parameters(), before):
        assert p.grad is None, "the fakes must not carry a graph back into G (detach or no_grad)"
        np.testing.assert_array_equal(p.array, b)


def test_stale_gradients_are_cleared(student):
    """A leftover gradient in D (from an earlier backward) must not leak into this step."""
    G, D, opt_d, real, z = setup()
    loss, params = expected_after_step(G, D, real, z)
    for p in D.parameters():
        p.grad = mg.ones(*p.shape) * 100
    student.d_step(G, D, opt_d, real, z)
    for p, e in zip(D.parameters(), params):
        np.testing.assert_allclose(p.array, e, rtol=1e-10, atol=1e-12)
