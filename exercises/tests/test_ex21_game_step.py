"""Exercise 21: one step of gradient play on a two-player game."""

import math

import numpy as np
import pytest

import minigan as mg
from minigan import gan

pytestmark = pytest.mark.ex_game_step


def bilinear():
    """min_x max_y x*y: x minimises xy, y minimises -xy."""
    return (lambda x, y: (x * y).sum()), (lambda x, y: -(x * y).sum())


def leaf(value):
    return mg.tensor(np.atleast_1d(np.asarray(value, dtype=np.float64)), requires_grad=True)


def test_simultaneous_bilinear_step(student):
    loss_x, loss_y = bilinear()
    x, y = student.game_step(loss_x, loss_y, leaf(1.0), leaf(2.0), 0.1, 0.3, "simultaneous")
    assert math.isclose(x.item(), 1.0 - 0.1 * 2.0, rel_tol=1e-14)      # x - lr_x * y
    assert math.isclose(y.item(), 2.0 + 0.3 * 1.0, rel_tol=1e-14)      # y + lr_y * x (y ascends xy)


def test_alternating_uses_the_new_y(student):
    loss_x, loss_y = bilinear()
    x, y = student.game_step(loss_x, loss_y, leaf(1.0), leaf(2.0), 0.1, 0.3, "alternating")
    assert math.isclose(y.item(), 2.0 + 0.3 * 1.0, rel_tol=1e-14)      # y first, from the old x
    assert math.isclose(x.item(), 1.0 - 0.1 * 2.3, rel_tol=1e-14)      # then x against the new y


def test_spiral_out_or_circle(student):
    """Simultaneous play grows the distance by exactly sqrt(1 + lr^2) per step; alternating play
    keeps x^2 + lr*x*y + y^2 constant (y first) and stays at distance ~1."""
    loss_x, loss_y = bilinear()
    lr, steps = 0.2, 50
    for order in ("simultaneous", "alternating"):
        x, y = leaf(1.0), leaf(0.0)
        for _ in range(steps):
            x, y = student.game_step(loss_x, loss_y, x, y, lr, lr, order)
        r = math.hypot(x.item(), y.item())
        if order == "simultaneous":
            assert math.isclose(r, (1 + lr * lr) ** (steps / 2), rel_tol=1e-12)
        else:
            assert math.isclose(x.item() ** 2 + lr * x.item() * y.item() + y.item() ** 2, 1.0, rel_tol=1e-12)


def test_dirac_gan_step_with_minigan_losses(student):
    """The Dirac-GAN of lesson 8: data at 0, G at theta, D(x) = psi * x; D minimises BCE, G the
    non-saturating loss. The gradients are sigma(psi theta) theta and -sigma(-psi theta) psi."""
    d_loss = lambda theta, psi: gan.d_loss_bce(psi * 0.0, psi * theta.detach())
    g_loss = lambda theta, psi: gan.g_loss_nonsaturating(psi * theta)
    sigmoid = lambda a: 1 / (1 + math.exp(-a))
    theta0, psi0, lr = 0.8, -0.6, 0.5
    for order in ("simultaneous", "alternating"):
        theta, psi = student.game_step(g_loss, d_loss, leaf(theta0), leaf(psi0), lr, lr, order)
        psi_expected = psi0 - lr * sigmoid(psi0 * theta0) * theta0
        psi_for_g = psi_expected if order == "alternating" else psi0
        theta_expected = theta0 + lr * sigmoid(-psi_for_g * theta0) * psi_for_g
        assert math.isclose(psi.item(), psi_expected, rel_tol=1e-12), order
        assert math.isclose(theta.item(), theta_expected, rel_tol=1e-12), order


def test_inputs_untouched_and_outputs_are_leaves(student):
    loss_x, loss_y = bilinear()
    x, y = leaf([1.0, -2.0]), leaf([0.5, 3.0])
    for order in ("simultaneous", "alternating"):
        new_x, new_y = student.game_step(loss_x, loss_y, x, y, 0.1, 0.1, order)
        np.testing.assert_array_equal(x.detach().numpy(), [1.0, -2.0])
        np.testing.assert_array_equal(y.detach().numpy(), [0.5, 3.0])
        assert new_x.requires_grad and new_y.requires_grad and new_x.grad_fn is None and new_y.grad_fn is None
        assert new_x.shape == (2,) and new_y.shape == (2,)
    with pytest.raises(ValueError, match="simultaneous.*alternating"):
        student.game_step(loss_x, loss_y, x, y, 0.1, 0.1, "random")
