"""Exercise 19: the VAE's reparameterisation and KL term."""

import math

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_vae


def numerical_kl(m, logvar):
    """KL(N(m, s^2) || N(0, 1)) by the trapezoid rule on a fine grid."""
    s = math.exp(logvar / 2)
    z = np.linspace(m - 14 * s, m + 14 * s, 200001)
    log_q = -0.5 * ((z - m) / s) ** 2 - math.log(s) - 0.5 * math.log(2 * math.pi)
    log_p = -0.5 * z ** 2 - 0.5 * math.log(2 * math.pi)
    return np.trapezoid(np.exp(log_q) * (log_q - log_p), z)


def test_kl_against_numerical_integration(student):
    mu = np.array([[0.3, -1.2, 2.0], [0.0, 0.5, -0.7]])
    logvar = np.array([[0.0, -2.0, 0.7], [1.5, 0.1, -0.4]])
    kl = student.kl_to_standard_normal(mg.tensor(mu), mg.tensor(logvar))
    assert kl.shape == (2,)
    expected = [sum(numerical_kl(m, lv) for m, lv in zip(mu[i], logvar[i])) for i in range(2)]
    np.testing.assert_allclose(kl.numpy(), expected, rtol=1e-7)


def test_kl_is_zero_exactly_at_the_prior(student):
    zeros = mg.zeros(3, 4)
    np.testing.assert_array_equal(student.kl_to_standard_normal(zeros, zeros).numpy(), np.zeros(3))
    assert (student.kl_to_standard_normal(mg.randn(5, 4), mg.randn(5, 4)).numpy() > 0).all()


def test_reparameterized_samples_have_the_right_moments(student):
    n = 200000
    mu = mg.tensor(np.tile([[1.5, -0.5]], (n, 1)))
    logvar = mg.tensor(np.tile([[math.log(0.25), math.log(4.0)]], (n, 1)))
    z = student.reparameterize(mu, logvar, mg.randn(n, 2)).numpy()
    np.testing.assert_allclose(z.mean(0), [1.5, -0.5], atol=0.02)
    np.testing.assert_allclose(z.var(0), [0.25, 4.0], rtol=0.02)


def test_gradients_reach_mu_and_logvar(student):
    """dz/dmu = 1 and dz/dlogvar = exp(logvar / 2) * eps / 2: the randomness is in eps alone."""
    mu, logvar = mg.randn(3, 2, requires_grad=True), mg.randn(3, 2, requires_grad=True)
    eps = mg.randn(3, 2)
    student.reparameterize(mu, logvar, eps).sum().backward()
    np.testing.assert_allclose(mu.grad.numpy(), np.ones((3, 2)), rtol=1e-12)
    np.testing.assert_allclose(logvar.grad.numpy(), 0.5 * np.exp(logvar.detach().numpy() / 2) * eps.numpy(), rtol=1e-12)


def negative_elbo(student, x, eps):
    """A tiny VAE loss assembled from the student's pieces: a linear decoder x_hat = 2 z - 0.5,
    Gaussian pixel noise 0.7, one z per row."""
    def loss(mu, logvar):
        z = student.reparameterize(mu, logvar, eps)
        return ((x - (2 * z - 0.5)) ** 2).sum(dim=1) / (2 * 0.49) + student.kl_to_standard_normal(mu, logvar)
    return loss


def elbo_inputs(seed, rows):
    rng = np.random.default_rng(seed)
    x, eps = mg.tensor(rng.standard_normal((rows, 2))), mg.tensor(rng.standard_normal((rows, 2)))
    mu = mg.tensor(rng.standard_normal((rows, 2)), requires_grad=True)
    logvar = mg.tensor(0.5 * rng.standard_normal((rows, 2)), requires_grad=True)
    return x, eps, (mu, logvar)


def test_gradcheck_of_the_elbo(student):
    x, eps, params = elbo_inputs(0, 3)
    assert mg.gradcheck(negative_elbo(student, x, eps), params)


def test_gradgradcheck_of_the_elbo(student):
    x, eps, params = elbo_inputs(1, 2)
    assert mg.gradgradcheck(negative_elbo(student, x, eps), params)
