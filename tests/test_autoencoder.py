"""The autoencoder and VAE of minigan.gan.autoencoder (lesson 15), and the two image checks lesson 15
and lesson 22 use from minigan.gan.metrics: nearest_neighbours (copies) and laplacian_sharpness (blur)."""

import math

import numpy as np
import pytest

import minigan as mg
from minigan import gan
from minigan.gan import autoencoder as ae
from minigan.gan.metrics import laplacian_sharpness, nearest_neighbours


def test_shapes_of_the_autoencoder_and_the_vae():
    x = mg.randn(3, 1, 28, 28)
    model = ae.Autoencoder(latent_dim=5, width=4)
    assert model.encoder(x).shape == (3, 5)
    assert model(x).shape == (3, 1, 28, 28)
    vae = ae.VAE(latent_dim=5, width=4)
    x_hat, mu, logvar = vae(x)
    assert x_hat.shape == (3, 1, 28, 28) and mu.shape == (3, 5) and logvar.shape == (3, 5)
    loss, nll, kl = vae.loss(x)
    assert loss.shape == nll.shape == kl.shape == ()
    assert loss.item() == pytest.approx(nll.item() + kl.item(), rel=1e-6)
    assert kl.item() >= 0
    # the decoder is the DCGAN generator: gan.sample draws from the VAE's prior through it
    assert type(vae.decoder) is gan.DCGANGenerator28 and vae.decoder.latent_dim == 5
    assert gan.sample(vae.decoder, 7, seed=0).shape == (7, 1, 28, 28)


def test_the_vae_refuses_a_pixel_sigma_that_is_not_positive():
    with pytest.raises(ValueError, match="pixel_sigma must be a positive number, got 0"):
        ae.VAE(pixel_sigma=0)


def test_kl_formula_against_numerical_integration():
    """KL(N(mu, s^2) || N(0, 1)) by the trapezoid rule on a fine grid, per dimension, summed."""
    mu, logvar = np.array([[0.3, -1.2, 2.0]]), np.array([[0.0, -2.0, 0.7]])
    z = np.linspace(-15, 15, 300001)
    expected = 0.0
    for m, lv in zip(mu[0], logvar[0]):
        s = math.exp(lv / 2)
        q = np.exp(-0.5 * ((z - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))
        log_q = -0.5 * ((z - m) / s) ** 2 - math.log(s * math.sqrt(2 * math.pi))
        log_p = -0.5 * z ** 2 - 0.5 * math.log(2 * math.pi)
        expected += np.trapezoid(q * (log_q - log_p), z)
    got = ae.kl_to_standard_normal(mg.tensor(mu), mg.tensor(logvar)).numpy()
    assert got.shape == (1,)
    assert got[0] == pytest.approx(expected, rel=1e-7)
    zero = ae.kl_to_standard_normal(mg.zeros(2, 4, dtype=mg.float64), mg.zeros(2, 4, dtype=mg.float64))
    np.testing.assert_array_equal(zero.numpy(), [0.0, 0.0])


def test_reparameterized_samples_have_the_requested_mean_and_variance():
    mu = mg.tensor(np.tile([[1.5, -0.5]], (200000, 1)))
    logvar = mg.tensor(np.tile([[math.log(0.25), math.log(4.0)]], (200000, 1)))
    z = ae.reparameterize(mu, logvar).numpy()
    np.testing.assert_allclose(z.mean(0), [1.5, -0.5], atol=0.02)
    np.testing.assert_allclose(z.var(0), [0.25, 4.0], rtol=0.02)


def test_gradcheck_of_the_reparameterised_loss():
    """The negative ELBO with eps held fixed is a smooth function of (mu, logvar): first and second
    derivatives through the reparameterisation agree with central differences in float64."""
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((3, 2)))
    eps = mg.tensor(rng.standard_normal((3, 2)))
    mu = mg.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    logvar = mg.tensor(0.5 * rng.standard_normal((3, 2)), requires_grad=True)

    def loss(m, lv):
        z = ae.reparameterize(m, lv, eps)
        return ae.negative_elbo(x, 2.0 * z - 0.5, m, lv, pixel_sigma=0.7)

    assert mg.gradcheck(loss, (mu, logvar))
    assert mg.gradgradcheck(loss, (mu, logvar))


def test_the_elbo_is_log_p_x_for_the_true_posterior_and_below_it_otherwise():
    """A linear-Gaussian model where everything is known: z ~ N(0, 1), x | z ~ N(a z, s^2), so
    p(x) = N(0, a^2 + s^2) and the posterior is N(a x / (a^2 + s^2), s^2 / (a^2 + s^2)). With q the
    posterior the ELBO equals log p(x) (the one-sample estimate averages to it); with any other q it
    is smaller by KL(q || posterior)."""
    a, s, x_value = 1.7, 0.6, 0.9
    n = 100000
    x = mg.tensor(np.full((n, 1), x_value))
    log_p_x = -0.5 * x_value ** 2 / (a * a + s * s) - 0.5 * math.log(2 * math.pi * (a * a + s * s))
    post_mu = np.full((n, 1), a * x_value / (a * a + s * s))
    post_logvar = np.full((n, 1), math.log(s * s / (a * a + s * s)))
    for shift, exact in ((0.0, True), (0.5, False)):
        mu, logvar = mg.tensor(post_mu + shift), mg.tensor(post_logvar)
        z = ae.reparameterize(mu, logvar)
        bound = ae.negative_elbo(x, a * z, mu, logvar, pixel_sigma=s).numpy()
        error = 4 * bound.std() / math.sqrt(n)                         # four standard errors
        if exact:
            assert abs(bound.mean() - (-log_p_x)) < error
        else:   # KL(N(m + d, v) || N(m, v)) = d^2 / (2 v)
            gap = shift ** 2 / (2 * math.exp(post_logvar[0, 0]))
            assert abs(bound.mean() - (-log_p_x + gap)) < error


def test_gaussian_nll_is_the_log_density_summed_over_pixels():
    x, x_hat = mg.tensor(np.array([[[0.5, -0.25]]])), mg.tensor(np.array([[[0.0, 0.0]]]))
    sigma = 0.3
    expected = sum(0.5 * (v / sigma) ** 2 + math.log(sigma * math.sqrt(2 * math.pi)) for v in (0.5, -0.25))
    assert ae.gaussian_nll(x, x_hat, sigma).numpy() == pytest.approx([expected], rel=1e-12)


def test_a_vae_learns_to_reconstruct_a_few_images():
    """Sixty Adam steps on four images (a bright square in each quadrant): the reconstruction term
    falls to a fraction of its start, and each image's reconstruction (decoding mu, D in eval mode)
    is closer to that image than to the three others."""
    mg.manual_seed(0)
    images = np.full((4, 1, 28, 28), -1.0, np.float32)
    for i, (r, c) in enumerate(((2, 2), (2, 16), (16, 2), (16, 16))):
        images[i, 0, r:r + 10, c:c + 10] = 1.0
    x = mg.tensor(images)
    vae = ae.VAE(latent_dim=4, width=8, pixel_sigma=0.5)
    opt = mg.optim.Adam(vae.parameters(), lr=5e-3)
    constant = 0.5 * 784 * math.log(2 * math.pi * 0.25)             # the nll of a perfect reconstruction
    errors = []
    for _ in range(60):
        loss, nll, _ = vae.loss(x)
        errors.append(nll.item() - constant)
        opt.zero_grad()
        loss.backward()
        opt.step()
    vae.eval()
    with mg.no_grad():
        recon = vae.decoder(vae.encode(x)[0]).numpy()
    assert np.mean(errors[-5:]) < 0.3 * errors[0]
    distance = ((recon[:, None] - images[None]) ** 2).sum(axis=(2, 3, 4))    # (reconstruction, image)
    assert (distance.argmin(axis=1) == np.arange(4)).all()


# ----------------------------------------------------------------------------- metrics: copies and blur


def test_nearest_neighbours_agree_with_brute_force_and_find_exact_copies():
    rng = np.random.default_rng(1)
    reference = rng.standard_normal((50, 1, 4, 4))
    queries = np.concatenate([rng.standard_normal((20, 1, 4, 4)), reference[[7, 31]]])
    distances, indices = nearest_neighbours(queries, reference, batch=6)
    brute = np.sqrt(((queries.reshape(22, 1, -1) - reference.reshape(1, 50, -1)) ** 2).sum(-1))
    np.testing.assert_array_equal(indices, brute.argmin(1))
    np.testing.assert_allclose(distances, brute.min(1), rtol=1e-12)
    assert distances[-2:].tolist() == [0.0, 0.0] and indices[-2:].tolist() == [7, 31]
    with pytest.raises(ValueError, match="rows of the same size"):
        nearest_neighbours(queries, reference[:, :, :2])


def test_laplacian_sharpness_falls_when_an_image_is_blurred():
    rng = np.random.default_rng(2)
    sharp = rng.uniform(-1, 1, (5, 1, 12, 12))
    blurred = sharp.copy()
    blurred[:, :, 1:-1, 1:-1] = (sharp[:, :, 1:-1, 1:-1] + sharp[:, :, :-2, 1:-1] + sharp[:, :, 2:, 1:-1]
                                 + sharp[:, :, 1:-1, :-2] + sharp[:, :, 1:-1, 2:]) / 5
    assert (laplacian_sharpness(blurred) < 0.5 * laplacian_sharpness(sharp)).all()
    flat = np.full((1, 1, 5, 5), 0.3)
    assert laplacian_sharpness(flat).tolist() == [0.0]
    ramp = np.broadcast_to(np.arange(5.0), (1, 1, 5, 5))               # a linear ramp has no curvature
    assert laplacian_sharpness(ramp).tolist() == [0.0]
    with pytest.raises(ValueError, match=r"got \(5, 5\)"):
        laplacian_sharpness(np.zeros((5, 5)))
