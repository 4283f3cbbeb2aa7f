"""One training step of each network, as functions a lesson can call one at a time.

    stats = d_step(G, D, opt_d, real, z, loss)    # train D on a real batch and detached fakes
    stats = g_step(G, D, opt_g, z, loss)          # train G through a frozen D

For the conditional models pass `labels` (N,) to both. The Trainer is only a loop around these two.

Remedies for mode collapse that change a step (each off by default; see docs in the README):

    instance_noise=sigma      N(0, sigma^2) noise added to every input of D, real and fake (d_step, g_step)
    real=..., feature_matching=True   G matches D's mean features on `real` (g_step)
    real=..., unroll=k        G's loss is taken through D after k differentiable D steps (g_step)

The other remedies live elsewhere: label smoothing in the loss (gan.get_loss), minibatch
discrimination / standard deviation and packing in the discriminator (gan.models), two time-scale
learning rates in the optimizers (lr_d, lr_g).
"""

from __future__ import annotations

import math

import minigan as mg
from minigan.gan.losses import GANLoss, g_loss_feature_matching, gradient_penalty


def _call(model, x, labels):
    return model(x) if labels is None else model(x, labels)


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
    mean raw score otherwise."""
    return (mg.sigmoid(scores) if probabilities else scores).mean().item()


def _noisy(x, sigma: float):
    """Instance noise (Sonderby et al. 2017; Arjovsky & Bottou 2017): x + sigma * N(0, I).

    Real and generated distributions overlap once both are blurred, so D cannot separate them
    perfectly and its gradient to G stays informative."""
    if not sigma:
        return x
    return x + sigma * mg.randn(*x.shape, dtype=x.dtype)


def d_step(G, D, opt_d, real, z, loss: GANLoss, labels=None, gp_weight: float = 10.0,
           clip_value: float = 0.01, instance_noise: float = 0.0) -> dict:
    """Train D once: its loss on a real batch (label 1) and on G(z) (label 0), G untouched.

    The fakes are made under no_grad: no graph through G is built, and G's parameters receive no
    gradient. WGAN adds weight clipping after the update, WGAN-GP a gradient penalty. Label
    smoothing is part of `loss` (gan.get_loss(name, label_smoothing=s)).
    Returns d_loss, d_real (D(x)), d_fake (D(G(z))), d_grad_norm (before the update).
    """
    with mg.no_grad():
        fake = _call(G, z, labels)
    real, fake = _noisy(real, instance_noise), _noisy(fake, instance_noise)
    opt_d.zero_grad()
    real_scores, fake_scores = _call(D, real, labels), _call(D, fake, labels)
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


class _SwappedParameters:
    """Inside `with`, `module`'s parameters are the given tensors (graph tensors allowed), so
    module(x) is a function of them; the Parameters are put back on exit. This is what an unrolled
    D step needs: D evaluated at theta - lr * grad(theta), differentiable w.r.t. theta and x."""

    def __init__(self, module, tensors):
        self.slots = [(m, name) for m in module.modules() for name, p in m._parameters.items() if p is not None]
        self.tensors = tensors

    def __enter__(self):
        self.saved = [m._parameters[name] for m, name in self.slots]
        for (m, name), t in zip(self.slots, self.tensors):
            m._parameters[name] = t

    def __exit__(self, *exc):
        for (m, name), p in zip(self.slots, self.saved):
            m._parameters[name] = p


def unrolled_scores(D, real, fake, loss: GANLoss, steps: int, lr: float, labels=None):
    """D's scores on `fake` after `steps` gradient-descent steps of D's loss, differentiable w.r.t.
    `fake` through all of them (Metz et al. 2017, eq. 6-7):

        theta_0 = theta,   theta_{k+1} = theta_k - lr * d loss_D(theta_k, x, G(z)) / d theta_k
        G's loss is f(theta_K(theta_G), theta_G): the gradient flows through every theta_k, so G
        sees how D would answer its move, and a jump onto one mode is anticipated and punished.

    The unrolled steps are plain SGD with learning rate `lr` (the paper unrolls its Adam
    optimizer); D's own parameters are not changed. Each step is mg.grad(create_graph=True).
    """
    params = list(D.parameters())
    theta = params
    for _ in range(steps):
        with _SwappedParameters(D, theta):
            loss_d = loss.d_loss(_call(D, real, labels), _call(D, fake, labels))
        grads = mg.grad(loss_d, theta, create_graph=True)
        theta = [t - lr * g for t, g in zip(theta, grads)]
    with _SwappedParameters(D, theta):
        return _call(D, fake, labels)


def g_step(G, D, opt_g, z, loss: GANLoss, labels=None, real=None, feature_matching: bool = False,
           instance_noise: float = 0.0, unroll: int = 0, unroll_lr: float = 1e-2) -> dict:
    """Train G once: its loss on D(G(z)), with D frozen.

    D's parameters are switched to requires_grad=False for the step (so no gradient is computed
    for them, and they cannot change) and restored afterwards, even if the step fails.
    feature_matching: G's loss is gan.g_loss_feature_matching(D.features(real), D.features(G(z)));
    unroll=k: G's loss is taken on the scores of D after k unrolled steps (unrolled_scores).
    Both need the real batch `real`. Returns g_loss, g_grad_norm and d_fake_after (D(G(z)) seen by
    this step).
    """
    if (feature_matching or unroll) and real is None:
        raise ValueError("g_step: feature matching and unrolling need the real batch (real=...)")
    if feature_matching and unroll:
        raise ValueError("g_step: choose feature matching or unrolling, not both")
    frozen = [(p, p.requires_grad) for p in D.parameters()]
    for p, _ in frozen:
        p.requires_grad_(bool(unroll))  # the unrolled steps differentiate D's loss w.r.t. D's parameters
    try:
        opt_g.zero_grad()
        fake = _noisy(_call(G, z, labels), instance_noise)
        if feature_matching:
            with mg.no_grad():
                real_features = _call(D.features, _noisy(real, instance_noise), labels)
            fake_features = _call(D.features, fake, labels)
            loss_g = g_loss_feature_matching(real_features, fake_features)
            with mg.no_grad():
                fake_scores = _call(D, fake.detach(), labels)
        elif unroll:
            fake_scores = unrolled_scores(D, _noisy(real, instance_noise), fake, loss, unroll, unroll_lr, labels)
            loss_g = loss.g_loss(fake_scores)
        else:
            fake_scores = _call(D, fake, labels)
            loss_g = loss.g_loss(fake_scores)
        if unroll:  # only G's gradients: D's parameters are in the graph, but not G's to train
            for p, g in zip(G.parameters(), mg.grad(loss_g, list(G.parameters()))):
                p.grad = g
        else:
            loss_g.backward()
        norm = grad_norm(G)
        opt_g.step()
    finally:
        for p, flag in frozen:
            p.requires_grad_(flag)
    return {"g_loss": loss_g.item(), "g_grad_norm": norm,
            "d_fake_after": _mean_output(fake_scores.detach(), loss.probabilities)}
