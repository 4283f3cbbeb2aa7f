"""GAN losses, each a small function of the discriminator's raw outputs (logits or scores).

Notation: D(x) is the discriminator's output on real data, D(G(z)) on generated data. For the
BCE-based losses D outputs a logit and the probability "real" is sigmoid(D(.)); the logs are
written with softplus, which is exact and never overflows:

    -log sigmoid(a)     = softplus(-a)
    -log(1 - sigmoid(a)) = softplus(a)

Each loss is a pair (discriminator loss, generator loss); `LOSSES[name]` holds the pairs under the
names the command line uses: bce, minimax, wgan, wgan-gp, hinge, lsgan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import minigan as mg
from minigan import functional as F


# ----------------------------------------------------------------------------- the original GAN


def d_loss_bce(real_logits, fake_logits, label_smoothing: float = 0.0):
    """Discriminator BCE:  -E[log D(x)] - E[log(1 - D(G(z)))].

    One-sided label smoothing (Salimans et al. 2016) replaces the real label 1 by 1 - s:
    -(1 - s) log D(x) - s log(1 - D(x)); the fake label stays 0.
    """
    real_term = F.softplus(-real_logits)
    if label_smoothing:
        real_term = (1 - label_smoothing) * real_term + label_smoothing * F.softplus(real_logits)
    return real_term.mean() + F.softplus(fake_logits).mean()


def g_loss_nonsaturating(fake_logits):
    """Non-saturating generator loss:  -E[log D(G(z))].

    Its gradient is large when D confidently rejects the fakes, which is exactly early in training.
    """
    return F.softplus(-fake_logits).mean()


def g_loss_minimax(fake_logits):
    """The original minimax (saturating) generator loss:  E[log(1 - D(G(z)))], minimised by G.

    When D rejects the fakes (D(G(z)) -> 0) its gradient vanishes: the generator stops learning.
    Lesson 3 shows this next to the non-saturating loss.
    """
    return -F.softplus(fake_logits).mean()


# ----------------------------------------------------------------------------- Wasserstein


def d_loss_wasserstein(real_scores, fake_scores):
    """Wasserstein critic loss:  E[D(G(z))] - E[D(x)]  (the critic maximises the difference)."""
    return fake_scores.mean() - real_scores.mean()


def g_loss_wasserstein(fake_scores):
    """Wasserstein generator loss:  -E[D(G(z))]."""
    return -fake_scores.mean()


def gradient_penalty(critic, real, fake, labels=None):
    """WGAN-GP penalty (Gulrajani et al. 2017):  E[(||grad_x D(x_hat)||_2 - 1)^2].

    x_hat = eps * x + (1 - eps) * G(z) with eps ~ U[0, 1] per sample. The gradient is taken with
    create_graph=True, so the penalty can itself be differentiated w.r.t. the critic's weights.
    """
    eps = mg.rand(real.shape[0], *([1] * (real.ndim - 1)), dtype=real.dtype)
    mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_()
    scores = critic(mixed) if labels is None else critic(mixed, labels)
    (grad,) = mg.grad(scores.sum(), mixed, create_graph=True)
    norms = (grad.reshape(grad.shape[0], -1) ** 2).sum(dim=1).sqrt()
    return ((norms - 1) ** 2).mean()


# ----------------------------------------------------------------------------- hinge and least squares


def d_loss_hinge(real_scores, fake_scores):
    """Hinge discriminator loss:  E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]."""
    return mg.relu(1 - real_scores).mean() + mg.relu(1 + fake_scores).mean()


def d_loss_least_squares(real_scores, fake_scores):
    """Least-squares (LSGAN) discriminator loss:  1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]."""
    return 0.5 * ((real_scores - 1) ** 2).mean() + 0.5 * (fake_scores ** 2).mean()


def g_loss_least_squares(fake_scores):
    """Least-squares generator loss:  1/2 E[(D(G(z)) - 1)^2]."""
    return 0.5 * ((fake_scores - 1) ** 2).mean()


# ----------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class GANLoss:
    """A named pair of losses and how the training loop treats the discriminator.

    probabilities: D outputs logits (report sigmoid(D) as D(x), D(G(z)));
    clip: weight clipping of the critic after each step (WGAN); penalty: use gradient_penalty.
    """

    name: str
    d_loss: Callable
    g_loss: Callable
    probabilities: bool = True
    clip: bool = False
    penalty: bool = False


LOSSES = {
    "bce": GANLoss("bce", d_loss_bce, g_loss_nonsaturating),
    "minimax": GANLoss("minimax", d_loss_bce, g_loss_minimax),
    "wgan": GANLoss("wgan", d_loss_wasserstein, g_loss_wasserstein, probabilities=False, clip=True),
    "wgan-gp": GANLoss("wgan-gp", d_loss_wasserstein, g_loss_wasserstein, probabilities=False, penalty=True),
    "hinge": GANLoss("hinge", d_loss_hinge, g_loss_wasserstein, probabilities=False),
    "lsgan": GANLoss("lsgan", d_loss_least_squares, g_loss_least_squares, probabilities=False),
}


def get_loss(name: str) -> GANLoss:
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {name!r}")
    return LOSSES[name]
