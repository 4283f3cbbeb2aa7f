"""One training step of each network, as functions a lesson can call one at a time.

    stats = d_step(G, D, opt_d, real, z, loss)    # train D on a real batch and detached fakes
    stats = g_step(G, D, opt_g, z, loss)          # train G through a frozen D

For the conditional models pass `labels` (N,) to both. The Trainer is only a loop around these two.
The remedies for mode collapse are composed onto them, not written into them
(minigan/gan/remedies.py): a different model D, a different objective for G
(g_step(objective=...), minigan/gan/objectives.py), or instance noise on D's inputs
(instance_noise=sigma, off by default).
"""

from __future__ import annotations

import contextlib
import math

import minigan as mg
from minigan.gan.losses import GANLoss, gradient_penalty
from minigan.gan.objectives import call, objective_for
from minigan.gan.remedies import add_instance_noise
from minigan.ops.elementwise import sigmoid_array


def grad_norm(module) -> float:
    """The L2 norm of all of a module's parameter gradients together (0 when there are none).

    Summed on the parameters' device and read back once (one device sync on CuPy, not one per
    parameter)."""
    total = None
    for p in module.parameters():
        if p.grad is not None:
            squares = (p.grad.array.astype("float64") ** 2).sum()
            total = squares if total is None else total + squares
    return 0.0 if total is None else math.sqrt(float(total))


def _mean_output(scores, probabilities: bool) -> float:
    """What the history calls D(x) / D(G(z)): the mean probability "real" for logit outputs, the
    mean raw score otherwise. Computed on the raw array, with the NumPy calls of
    mg.sigmoid(scores).mean() (speed: no graph nodes for a number that is only logged)."""
    a = sigmoid_array(scores.array) if probabilities else scores.array
    return a.mean(axis=tuple(range(a.ndim))).item()


def d_step(G, D, opt_d, real, z, loss: GANLoss, labels=None, gp_weight: float = 10.0,
           clip_value: float = 0.01, instance_noise: float = 0.0, drift: float = 0.0) -> dict:
    """Train D once: its loss on a real batch (label 1) and on G(z) (label 0), G untouched.

    The fakes are made under no_grad: no graph through G is built, and G's parameters receive no
    gradient. WGAN adds weight clipping after the update, WGAN-GP a gradient penalty. Label
    smoothing is part of `loss` (gan.get_loss(name, label_smoothing=s)). drift > 0 adds
    Progressive GAN's epsilon-drift term, drift * mean(D(x)^2), which keeps a critic's scores
    near 0 (a Wasserstein loss sees only their differences).
    Returns d_loss, d_real (D(x)), d_fake (D(G(z))), d_grad_norm (before the update).
    """
    with mg.no_grad():
        fake = call(G, z, labels)
    real, fake = add_instance_noise(real, instance_noise), add_instance_noise(fake, instance_noise)
    opt_d.zero_grad()
    real_scores, fake_scores = call(D, real, labels), call(D, fake, labels)
    loss_d = loss.d_loss(real_scores, fake_scores)
    if loss.penalty:
        loss_d = loss_d + gp_weight * gradient_penalty(D, real, fake, labels)
    if drift:
        loss_d = loss_d + drift * (real_scores * real_scores).mean()
    loss_d.backward()
    norm = grad_norm(D)
    opt_d.step()
    if loss.clip:
        with mg.no_grad():
            for p in D.parameters():
                p.array[...] = p.array.clip(-clip_value, clip_value)
    return {
        "d_loss": loss_d.item(),
        "d_real": _mean_output(real_scores, loss.probabilities),
        "d_fake": _mean_output(fake_scores, loss.probabilities),
        "d_grad_norm": norm,
    }


@contextlib.contextmanager
def frozen(D):
    """Inside `with`, D's parameters do not require grad (no gradient is computed for them, so they
    cannot change); their flags are restored afterwards, even if the step fails."""
    flags = [(p, p.requires_grad) for p in D.parameters()]
    for p, _ in flags:
        p.requires_grad_(False)
    try:
        yield D
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)


def g_step(G, D, opt_g, z, loss: GANLoss, labels=None, real=None, objective=None,
           instance_noise: float = 0.0, feature_matching: bool = False, unroll: int = 0,
           unroll_lr: float = 1e-2) -> dict:
    """Train G once: its loss on D(G(z)), with D frozen.

    objective: how G's loss is computed from D (gan.objectives): by default Adversarial(loss), the
    paper's loss.g_loss(D(G(z))); FeatureMatching() and Unrolled(loss, k, lr) need the real batch
    `real`. feature_matching=True and unroll=k are those two by keyword.
    Returns g_loss, g_grad_norm and d_fake_after (D(G(z)) seen by this step).
    """
    if objective is None:
        objective = objective_for(loss, feature_matching, unroll, unroll_lr)
    if objective.needs_real and real is None:
        raise ValueError("g_step: feature matching and unrolling need the real batch (real=...)")
    with frozen(D):
        opt_g.zero_grad()
        fake = add_instance_noise(call(G, z, labels), instance_noise)
        loss_g, fake_scores = objective(D, fake, labels=labels, real=real,
                                        instance_noise=instance_noise)
        loss_g.backward()
        norm = grad_norm(G)
        opt_g.step()
    return {"g_loss": loss_g.item(), "g_grad_norm": norm,
            "d_fake_after": _mean_output(fake_scores, loss.probabilities)}
