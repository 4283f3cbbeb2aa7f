"""Autoencoders and variational autoencoders on 28x28 images, for comparison with the GAN.

Both decode with the DCGAN generator itself (`DCGANGenerator28`), so a GAN, an autoencoder and a
VAE built with the same `latent_dim` and `width` differ only in how they are trained (lesson 15):

    ae  = Autoencoder(latent_dim=16)      x -> encoder -> z -> decoder -> x_hat;  loss |x - x_hat|^2
    vae = VAE(latent_dim=16)              x -> encoder -> (mu, logvar) -> z = mu + sigma * eps
                                            -> decoder -> x_hat;  loss: the negative ELBO below

The VAE (Kingma and Welling 2014). The encoder gives a Gaussian q(z|x) = N(mu(x), diag sigma(x)^2),
the prior is p(z) = N(0, I), and the decoder a Gaussian p(x|z) = N(decoder(z), s^2 I) with a fixed
pixel noise s (`pixel_sigma`). For every image x the evidence lower bound

    log p(x) >= ELBO(x) = E_{z ~ q(z|x)}[log p(x|z)] - KL(q(z|x) || p(z))

holds; training maximises it (minimises `negative_elbo`). The expectation is estimated with one
z per image, drawn by the reparameterisation z = mu + sigma * eps, eps ~ N(0, I): the randomness
is moved into eps, so z is a differentiable function of mu and sigma. The KL term is in closed form:

    KL(N(mu, diag sigma^2) || N(0, I)) = 1/2 sum_j (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1)

and -log p(x|z) = |x - decoder(z)|^2 / (2 s^2) + D/2 log(2 pi s^2) for D = 784 pixels. Everything is
in nats per image. The encoder outputs logvar = log sigma^2 (any real number) rather than sigma.
"""

from __future__ import annotations

import math

import minigan as mg
from minigan import nn
from minigan.gan.models import DCGANGenerator28, dcgan_init


class Encoder28(nn.Module):
    """x: (N, channels, 28, 28) -> (N, out_features).

    The DCGAN discriminator's layers with `out_features` outputs instead of one score:
    Conv 4/2/1 -> (width, 14, 14) -> LeakyReLU(0.2) -> Conv 4/2/1 -> (2*width, 7, 7) -> BN
    -> LeakyReLU(0.2) -> Flatten -> Linear(2*width*7*7, out_features).
    """

    def __init__(self, out_features: int, width: int = 32, channels: int = 1):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * width * 7 * 7, out_features),
        )
        dcgan_init(self)

    def forward(self, x):
        return self.net(x)


class Autoencoder(nn.Module):
    """x: (N, channels, 28, 28) -> reconstruction (N, channels, 28, 28) in [-1, 1], through a code
    z = encoder(x) of latent_dim numbers. Trained on the squared error |x - x_hat|^2 alone, it
    has no prior over z: decoding z ~ N(0, I) is not sampling from anything it learned."""

    def __init__(self, latent_dim: int = 16, width: int = 32, channels: int = 1):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = Encoder28(latent_dim, width, channels)
        self.decoder = DCGANGenerator28(latent_dim, width, channels)

    def forward(self, x):
        return self.decoder(self.encoder(x))


def reparameterize(mu, logvar, eps=None):
    """z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) of mu's shape unless given: one sample of
    N(mu, diag exp(logvar)), differentiable in mu and logvar. mu, logvar, eps: (N, L)."""
    if eps is None:
        eps = mg.randn(*mu.shape, dtype=mu.dtype)
    return mu + (0.5 * logvar).exp() * eps


def kl_to_standard_normal(mu, logvar):
    """KL(N(mu, diag exp(logvar)) || N(0, I)) per row, in nats: (N, L) -> (N,).

    1/2 sum_j (mu_j^2 + exp(logvar_j) - logvar_j - 1); zero exactly when mu = 0 and logvar = 0."""
    return 0.5 * (mu * mu + logvar.exp() - logvar - 1).sum(dim=1)


def gaussian_nll(x, x_hat, pixel_sigma: float):
    """-log N(x; x_hat, pixel_sigma^2 I) per image, in nats: (N, ...) -> (N,).

    |x - x_hat|^2 / (2 s^2) + D/2 log(2 pi s^2), summed over the D values of each image."""
    diff = (x - x_hat).reshape(x.shape[0], -1)
    d = diff.shape[1]
    variance = pixel_sigma ** 2
    return (diff * diff).sum(dim=1) / (2 * variance) + 0.5 * d * math.log(2 * math.pi * variance)


def negative_elbo(x, x_hat, mu, logvar, pixel_sigma: float):
    """-ELBO per image (N,): gaussian_nll(x, x_hat) + kl_to_standard_normal(mu, logvar), where
    x_hat decodes one reparameterised z of N(mu, diag exp(logvar)). An upper bound on -log p(x)."""
    return gaussian_nll(x, x_hat, pixel_sigma) + kl_to_standard_normal(mu, logvar)


class VAE(nn.Module):
    """A variational autoencoder: x (N, channels, 28, 28) -> (x_hat, mu, logvar), with x_hat the
    decoding of one z = reparameterize(mu, logvar); mu, logvar: (N, latent_dim).

    `loss(x)` is the batch mean of `negative_elbo`; `decoder(z)` with z ~ N(0, I) samples the model
    (use gan.sample(vae.decoder, n): the decoder has `latent_dim`, as a generator does).
    pixel_sigma: the decoder's fixed noise s in [-1, 1] pixel units.
    """

    def __init__(self, latent_dim: int = 16, width: int = 32, channels: int = 1,
                 pixel_sigma: float = 0.2):
        super().__init__()
        if not pixel_sigma > 0:
            raise ValueError(f"VAE: pixel_sigma must be a positive number, got {pixel_sigma!r}")
        self.latent_dim, self.pixel_sigma = latent_dim, float(pixel_sigma)
        self.encoder = Encoder28(2 * latent_dim, width, channels)
        self.decoder = DCGANGenerator28(latent_dim, width, channels)

    def encode(self, x):
        """(mu, logvar) of q(z|x), each (N, latent_dim)."""
        h = self.encoder(x)
        return h[:, :self.latent_dim], h[:, self.latent_dim:]

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decoder(reparameterize(mu, logvar)), mu, logvar

    def loss(self, x):
        """(mean -ELBO, mean reconstruction term, mean KL term) over the batch, in nats per
        image."""
        x_hat, mu, logvar = self(x)
        nll = gaussian_nll(x, x_hat, self.pixel_sigma)
        kl = kl_to_standard_normal(mu, logvar)
        return (nll + kl).mean(), nll.mean(), kl.mean()
