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

import dataclasses
import functools
from dataclasses import dataclass
from typing import Callable

import minigan as mg
from minigan import functional as F


# ----------------------------------------------------------------------------- the original GAN


def d_loss_bce(real_logits, fake_logits, label_smoothing: float = 0.0, two_sided: bool = False):
    """Discriminator BCE:  -E[log D(x)] - E[log(1 - D(G(z)))], with optional label smoothing.

    BCE with target t on a logit a is  t softplus(-a) + (1 - t) softplus(a).  Without smoothing the
    targets are 1 (real) and 0 (fake). Label smoothing with s in [0, 1):

        one-sided (Salimans et al. 2016, sec. 3.4):  real target 1 - s, fake target 0
        two-sided (for contrast):                    real target 1 - s, fake target s

    The paper smooths only the real side: a fake target s > 0 rewards D for giving fakes some
    probability of being real wherever p_g is, so D* = (p_data (1 - s) + s p_g) / (p_data + p_g)
    no longer pushes G away from where it already is.
    """
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"d_loss_bce: label_smoothing must be in [0, 1), got {label_smoothing!r}")
    real_term = F.softplus(-real_logits)
    fake_term = F.softplus(fake_logits)
    if label_smoothing:
        s = label_smoothing
        real_term = (1 - s) * real_term + s * F.softplus(real_logits)
        if two_sided:
            fake_term = (1 - s) * fake_term + s * F.softplus(-fake_logits)
    return real_term.mean() + fake_term.mean()


def g_loss_nonsaturating(fake_logits):
    """Non-saturating generator loss:  -E[log D(G(z))].

    Its gradient is large when D confidently rejects the fakes, which is exactly early in training.
    """
    return F.softplus(-fake_logits).mean()


def g_loss_minimax(fake_logits):
    """The original minimax (saturating) generator loss:  E[log(1 - D(G(z)))], minimised by G.

    When D rejects the fakes (D(G(z)) -> 0) its gradient vanishes: the generator stops learning.
    Lesson 4 shows this next to the non-saturating loss.
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


# ----------------------------------------------------------------------------- hinge and least
# squares


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
    "wgan-gp": GANLoss("wgan-gp", d_loss_wasserstein, g_loss_wasserstein, probabilities=False,
                       penalty=True),
    "hinge": GANLoss("hinge", d_loss_hinge, g_loss_wasserstein, probabilities=False),
    "lsgan": GANLoss("lsgan", d_loss_least_squares, g_loss_least_squares, probabilities=False),
}


def get_loss(name: str, label_smoothing: float = 0.0, two_sided: bool = False) -> GANLoss:
    """The loss pair called `name`; label smoothing (see d_loss_bce) makes its D loss smoothed.

    Smoothing is defined for the BCE losses only (bce, minimax): asking it of another loss is an
    error rather than a setting that is silently ignored.
    """
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {name!r}")
    loss = LOSSES[name]
    if not label_smoothing:
        return loss
    if loss.d_loss is not d_loss_bce:
        bce = ", ".join(k for k, v in LOSSES.items() if v.d_loss is d_loss_bce)
        raise ValueError(f"label smoothing applies to the BCE losses ({bce}), got loss {name!r}")
    if not 0.0 < label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
    side = "two-sided" if two_sided else "one-sided"
    d_loss = functools.partial(d_loss_bce, label_smoothing=label_smoothing, two_sided=two_sided)
    return dataclasses.replace(loss, name=f"{name} ({side} smoothing {label_smoothing:g})",
                               d_loss=d_loss)


# ----------------------------------------------------------------------------- feature matching


def g_loss_feature_matching(real_features, fake_features):
    """Feature matching (Salimans et al. 2016, sec. 3.1):  || E_x f(x) - E_z f(G(z)) ||_2^2.

    f is an intermediate layer of D (the models' `D.features(x)`, (N, F)); G is trained to match the
    mean of D's features on real data instead of maximising D's output, so it has no single point
    to collapse onto. The real features are a constant for G (pass them detached or computed under
    no_grad). The paper writes the squared L2 norm; it is not divided by F.
    """
    if (real_features.ndim != 2 or fake_features.ndim != 2
            or real_features.shape[1] != fake_features.shape[1]):
        raise ValueError("g_loss_feature_matching expects features of shape (N, F) and (M, F), "
                         f"got {tuple(real_features.shape)} and {tuple(fake_features.shape)}")
    diff = real_features.mean(dim=0) - fake_features.mean(dim=0)
    return (diff * diff).sum()
