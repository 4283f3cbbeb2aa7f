"""One training step of each network, as functions a lesson can call one at a time.

    stats = d_step(G, D, opt_d, real, z, loss)    # train D on a real batch and detached fakes
    stats = g_step(G, D, opt_g, z, loss)          # train G through a frozen D

For the conditional models pass `labels` (N,) to both. The Trainer is only a loop around these two.
"""

from __future__ import annotations

import math

import minigan as mg
from minigan.gan.losses import GANLoss, d_loss_bce, gradient_penalty


def _call(model, x, labels):
    return model(x) if labels is None else model(x, labels)


def grad_norm(module) -> float:
    """The L2 norm of all of a module's parameter gradients together (0 when there are none)."""
    total = 0.0
    for p in module.parameters():
        if p.grad is not None:
            total += float((p.grad.array.astype("float64") ** 2).sum())
    return math.sqrt(total)


def _mean_output(scores, probabilities: bool) -> float:
    """What the history calls D(x) / D(G(z)): the mean probability "real" for logit outputs, the
    mean raw score otherwise."""
    return (mg.sigmoid(scores) if probabilities else scores).mean().item()


def d_step(G, D, opt_d, real, z, loss: GANLoss, labels=None, gp_weight: float = 10.0,
           clip_value: float = 0.01, label_smoothing: float = 0.0) -> dict:
    """Train D once: its loss on a real batch (label 1) and on G(z) (label 0), G untouched.

    The fakes are made under no_grad: no graph through G is built, and G's parameters receive no
    gradient. WGAN adds weight clipping after the update, WGAN-GP a gradient penalty.
    Returns d_loss, d_real (D(x)), d_fake (D(G(z))), d_grad_norm (before the update).
    """
    with mg.no_grad():
        fake = _call(G, z, labels)
    opt_d.zero_grad()
    real_scores, fake_scores = _call(D, real, labels), _call(D, fake, labels)
    if label_smoothing and loss.probabilities:
        loss_d = d_loss_bce(real_scores, fake_scores, label_smoothing)
    else:
        loss_d = loss.d_loss(real_scores, fake_scores)
    if loss.penalty:
        loss_d = loss_d + gp_weight * gradient_penalty(D, real, fake, labels)
    loss_d.backward()
    norm = grad_norm(D)
    opt_d.step()
    if loss.clip:
        with mg.no_grad():
            for p in D.parameters():
                p.array[...] = p.array.clip(-clip_value, clip_value)
    return {
        "d_loss": loss_d.item(),
        "d_real": _mean_output(real_scores.detach(), loss.probabilities),
        "d_fake": _mean_output(fake_scores.detach(), loss.probabilities),
        "d_grad_norm": norm,
    }


def g_step(G, D, opt_g, z, loss: GANLoss, labels=None) -> dict:
    """Train G once: its loss on D(G(z)), with D frozen.

    D's parameters are switched to requires_grad=False for the step (so no gradient is computed
    for them, and they cannot change) and restored afterwards, even if the step fails.
    Returns g_loss, g_grad_norm and d_fake_after (D(G(z)) seen by this step).
    """
    frozen = [(p, p.requires_grad) for p in D.parameters()]
    for p, _ in frozen:
        p.requires_grad_(False)
    try:
        opt_g.zero_grad()
        fake_scores = _call(D, _call(G, z, labels), labels)
        loss_g = loss.g_loss(fake_scores)
        loss_g.backward()
        norm = grad_norm(G)
        opt_g.step()
    finally:
        for p, flag in frozen:
            p.requires_grad_(flag)
    return {"g_loss": loss_g.item(), "g_grad_norm": norm,
            "d_fake_after": _mean_output(fake_scores.detach(), loss.probabilities)}
