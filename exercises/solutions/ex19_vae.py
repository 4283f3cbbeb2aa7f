"""Exercise 19 (lesson 15), reference solution: the reparameterisation and the KL term of a VAE."""

import minigan as mg


def reparameterize(mu, logvar, eps):
    """z = mu + exp(logvar / 2) * eps: differentiable in mu and logvar, random only through eps."""
    return mu + (0.5 * logvar).exp() * eps


def kl_to_standard_normal(mu, logvar):
    """Per row: 1/2 sum_j (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1), with sigma^2 = exp(logvar)."""
    return 0.5 * (mu * mu + logvar.exp() - logvar - 1).sum(dim=1)
