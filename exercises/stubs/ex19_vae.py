"""Exercise 19 (lesson 15): the two pieces that make a variational autoencoder trainable.

    reparameterize(mu, logvar, eps) -> z
        one sample of N(mu, diag(exp(logvar))) as a differentiable function of mu and logvar:
        z = mu + sigma * eps with sigma = exp(logvar / 2) (logvar is log sigma^2), eps ~ N(0, I) given.
    kl_to_standard_normal(mu, logvar) -> (N,)
        KL(N(mu, diag(exp(logvar))) || N(0, I)) for each row, in nats, in closed form.

mu, logvar, eps: (N, L) Tensors. Use Tensor operations (.exp(), *, +, .sum(dim=1)): the ELBO is
trained through both, first and second derivatives included. Derive the KL one dimension at a time:
KL(N(m, s^2) || N(0, 1)) = E_q[log q(z) - log p(z)] with log N(z; m, s^2) = -(z-m)^2/(2 s^2) - log s - log(2 pi)/2.
Grade it: pytest -m ex_vae.  Hints: HINTS.md, exercise 19.
"""

import minigan as mg


def reparameterize(mu, logvar, eps):
    raise NotImplementedError("Exercise 19: write reparameterize")


def kl_to_standard_normal(mu, logvar):
    raise NotImplementedError("Exercise 19: write kl_to_standard_normal")
