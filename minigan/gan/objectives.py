"""What the generator's step minimises, given D: g_step(objective=...).

Every objective is called as ``objective(D, fake, labels=None, real=None, instance_noise=0.0)`` and
returns (G's loss, D's scores of the fakes). D is frozen when it is called (gan.g_step).

    Adversarial(loss)          the paper's: loss.g_loss of D(G(z)) (g_step's default)
    FeatureMatching()          Salimans et al. 2016: match the mean of D's features on real data
    Unrolled(loss, k, lr)      Metz et al. 2017: G's loss through D after k more steps of D

The last two are remedies for mode collapse (minigan/gan/remedies.py lists them all); they need the
real batch (``needs_real``).
"""

from __future__ import annotations

import minigan as mg
from minigan.gan.losses import GANLoss, g_loss_feature_matching
from minigan.gan.remedies import add_instance_noise


def call(model, x, labels):
    """model(x), or model(x, labels) for the conditional models."""
    return model(x) if labels is None else model(x, labels)


class Adversarial:
    """G's loss as the paper has it: loss.g_loss(D(G(z))) (non-saturating, minimax, Wasserstein
    ...)."""

    needs_real = False

    def __init__(self, loss: GANLoss):
        self.loss = loss

    def __call__(self, D, fake, labels=None, real=None, instance_noise: float = 0.0):
        scores = call(D, fake, labels)
        return self.loss.g_loss(scores), scores


class FeatureMatching:
    """Feature matching (Salimans et al. 2016, sec. 3.1): G's loss is
    gan.g_loss_feature_matching(D.features(real), D.features(G(z))), the real features a constant.
    The scores returned (for the history) are D's on the fakes, computed without a graph."""

    needs_real = True

    def __call__(self, D, fake, labels=None, real=None, instance_noise: float = 0.0):
        with mg.no_grad():
            real_features = call(D.features, add_instance_noise(real, instance_noise), labels)
        loss_g = g_loss_feature_matching(real_features, call(D.features, fake, labels))
        with mg.no_grad():
            scores = call(D, fake.detach(), labels)
        return loss_g, scores


class Unrolled:
    """The unrolled GAN (Metz et al. 2017): G's loss on the scores of D after `steps` SGD steps of
    D's loss with learning rate `lr` (unrolled_scores), so that G sees how D would answer its
    move."""

    needs_real = True

    def __init__(self, loss: GANLoss, steps: int, lr: float):
        self.loss, self.steps, self.lr = loss, steps, lr

    def __call__(self, D, fake, labels=None, real=None, instance_noise: float = 0.0):
        params = list(D.parameters())
        frozen = [p.requires_grad for p in params]
        for p in params:  # the unrolled steps differentiate D's loss w.r.t. D's parameters
            p.requires_grad_(True)
        try:
            scores = unrolled_scores(D, add_instance_noise(real, instance_noise), fake, self.loss,
                                     self.steps, self.lr, labels)
        finally:  # frozen again: backward() then leaves D's parameters without gradients
            for p, flag in zip(params, frozen):
                p.requires_grad_(flag)
        return self.loss.g_loss(scores), scores


class _SwappedParameters:
    """Inside `with`, `module`'s parameters are the given tensors (graph tensors allowed), so
    module(x) is a function of them; the Parameters are put back on exit. This is what an unrolled
    D step needs: D evaluated at theta - lr * grad(theta), differentiable w.r.t. theta and x."""

    def __init__(self, module, tensors):
        self.slots = [(m, name) for m in module.modules() for name,
                      p in m._parameters.items() if p is not None]
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
    optimizer); D's own parameters are not changed. Each step is mg.grad(create_graph=True), so D's
    parameters must require grad (Unrolled sees to it).
    """
    params = list(D.parameters())
    theta = params
    for _ in range(steps):
        with _SwappedParameters(D, theta):
            loss_d = loss.d_loss(call(D, real, labels), call(D, fake, labels))
        grads = mg.grad(loss_d, theta, create_graph=True)
        theta = [t - lr * g for t, g in zip(theta, grads)]
    with _SwappedParameters(D, theta):
        return call(D, fake, labels)


def objective_for(loss: GANLoss, feature_matching: bool = False, unroll: int = 0,
                  unroll_lr: float = 1e-2):
    """The objective of the keyword switches (a TrainConfig's, or g_step's): Adversarial(loss),
    FeatureMatching() or Unrolled(loss, unroll, unroll_lr)."""
    if feature_matching and unroll:
        raise ValueError("g_step: choose feature matching or unrolling, not both")
    if feature_matching:
        return FeatureMatching()
    if unroll:
        return Unrolled(loss, unroll, unroll_lr)
    return Adversarial(loss)
