"""Exercise 18 (lesson 11), reference solution: the f-GAN losses."""

import minigan as mg

DIVERGENCES = ("kl", "reverse_kl", "pearson", "gan")


def activation(v, divergence):
    """g_f: the raw output v -> T in the domain of f*."""
    if divergence == "reverse_kl":
        return -(-v).exp()
    if divergence == "gan":
        return -mg.softplus(-v)
    return v                                   # kl, pearson: f* is defined on every real t


def conjugate(t, divergence):
    """f*(t) = t u - f(u) at the u with f'(u) = t."""
    if divergence == "kl":                     # f' = 1 + log u  ->  u = exp(t - 1)
        return (t - 1).exp()
    if divergence == "reverse_kl":             # f' = -1/u       ->  u = -1/t, t < 0
        return -1 - (-t).log()
    if divergence == "pearson":                # f' = 2(u - 1)   ->  u = 1 + t/2
        return t * t / 4 + t
    return -(1 - t.exp()).log()                # gan: f' = log(u / (u + 1)) -> u = e^t / (1 - e^t), t < 0


def f_gan_losses(real_v, fake_v, divergence):
    """(D's loss, G's loss): minus the variational bound E_P[T] - E_Q[f*(T)], and minus its G part."""
    if divergence not in DIVERGENCES:
        raise ValueError(f"divergence must be one of {', '.join(DIVERGENCES)}, got {divergence!r}")
    fake_term = conjugate(activation(fake_v, divergence), divergence).mean()
    return -(activation(real_v, divergence).mean() - fake_term), -fake_term
