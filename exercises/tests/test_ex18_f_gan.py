"""Exercise 18: the f-GAN losses."""

import numpy as np
import pytest

import minigan as mg
from minigan import gan

pytestmark = pytest.mark.ex_f_gan

DIVERGENCES = ("kl", "reverse_kl", "pearson", "gan")


def softplus(x):
    return np.logaddexp(0, x)


# (T = g_f(v), f*(T)) written in NumPy, and f for the divergence itself
ORACLE = {
    "kl": (lambda v: v, lambda t: np.exp(t - 1), lambda u: u * np.log(u)),
    "reverse_kl": (lambda v: -np.exp(-v), lambda t: -1 - np.log(-t), lambda u: -np.log(u)),
    "pearson": (lambda v: v, lambda t: t * t / 4 + t, lambda u: (u - 1) ** 2),
    "gan": (lambda v: -softplus(-v), lambda t: -np.log(1 - np.exp(t)), lambda u: u * np.log(u) - (u + 1) * np.log(u + 1)),
}


@pytest.mark.parametrize("divergence", DIVERGENCES)
def test_values(student, divergence):
    rng = np.random.default_rng(1)
    real, fake = rng.standard_normal((6, 1)), rng.standard_normal(5)
    d_loss, g_loss = student.f_gan_losses(mg.tensor(real), mg.tensor(fake), divergence)
    act, conj, _ = ORACLE[divergence]
    assert d_loss.shape == () and g_loss.shape == ()
    np.testing.assert_allclose(d_loss.item(), -(act(real).mean() - conj(act(fake)).mean()), rtol=1e-10)
    np.testing.assert_allclose(g_loss.item(), -conj(act(fake)).mean(), rtol=1e-10)


def test_gan_divergence_is_the_original_gan(student):
    """The f-GAN of the "gan" f is the GAN: D's loss is BCE, G's the minimax (saturating) loss."""
    real, fake = mg.randn(8, 1), mg.randn(8, 1)
    d_loss, g_loss = student.f_gan_losses(real, fake, "gan")
    np.testing.assert_allclose(d_loss.item(), gan.d_loss_bce(real, fake).item(), rtol=1e-12)
    np.testing.assert_allclose(g_loss.item(), gan.g_loss_minimax(fake).item(), rtol=1e-12)


@pytest.mark.parametrize("divergence", DIVERGENCES)
def test_optimal_bound_is_the_divergence(student, divergence):
    """P and Q on four points. Real samples: the points repeated 1, 2, 3, 4 times (P = 0.1 .. 0.4);
    fake samples: each point once (Q uniform). At the optimal T* = f'(p/q) the bound, -d_loss,
    equals D_f(P || Q) = sum_x q f(p/q); a T away from T* gives less."""
    p, q = np.array([0.1, 0.2, 0.3, 0.4]), np.full(4, 0.25)
    u = p / q
    v_star = {"kl": 1 + np.log(u), "reverse_kl": np.log(u), "pearson": 2 * (u - 1), "gan": np.log(u)}[divergence]
    real = np.repeat(v_star, [1, 2, 3, 4])
    d_loss, _ = student.f_gan_losses(mg.tensor(real), mg.tensor(v_star), divergence)
    divergence_value = (q * ORACLE[divergence][2](u)).sum()
    np.testing.assert_allclose(-d_loss.item(), divergence_value, rtol=1e-10, atol=1e-12)
    shifted, _ = student.f_gan_losses(mg.tensor(np.repeat(v_star + 0.3, [1, 2, 3, 4])), mg.tensor(v_star + 0.3), divergence)
    assert -shifted.item() < -d_loss.item()


@pytest.mark.parametrize("divergence", DIVERGENCES)
def test_gradcheck(student, divergence):
    real = mg.tensor(np.random.default_rng(2).standard_normal(3) * 0.5, requires_grad=True)
    fake = mg.tensor(np.random.default_rng(3).standard_normal(4) * 0.5, requires_grad=True)
    both = lambda r, f: sum(student.f_gan_losses(r, f, divergence))
    assert mg.gradcheck(both, (real, fake))
    assert mg.gradgradcheck(both, (real, fake))


def test_unknown_divergence(student):
    with pytest.raises(ValueError, match="kl, reverse_kl, pearson, gan"):
        student.f_gan_losses(mg.randn(2), mg.randn(2), "wasserstein")
