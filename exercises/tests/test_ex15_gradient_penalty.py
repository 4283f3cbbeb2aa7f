"""Exercise 15: the WGAN-GP gradient penalty."""

import math

import numpy as np
import pytest

import minigan as mg
from minigan import functional as F

pytestmark = pytest.mark.ex_gradient_penalty


def batch():
    return mg.randn(4, 3) + 1, mg.randn(4, 3), mg.rand(4, 1)


def mlp_critic(w1, w2):
    return lambda x: F.linear(mg.tanh(F.linear(x, w1)), w2)


def square_critic(x):
    """critic(x) = sum(x^2) / 2 per sample: its gradient at x is x itself, so ||grad|| = ||x||."""
    return (x * x).sum(1) / 2


def penalty_at(points):
    """The penalty of square_critic at these points: mean over samples of (||x|| - 1)^2."""
    return ((np.linalg.norm(points, axis=1) - 1) ** 2).mean()


def test_linear_critic_has_constant_gradient(student):
    """critic(x) = x @ w: the gradient is w for every sample, so the penalty is (||w|| - 1)^2."""
    w = mg.tensor([[3.0], [0.0], [4.0]])
    real, fake, eps = batch()
    penalty = student.gradient_penalty(lambda x: x @ w, real, fake, eps)
    assert penalty.shape == (), f"the penalty is one number (a 0-d Tensor), got shape {penalty.shape}"
    assert math.isclose(penalty.item(), 16.0, rel_tol=1e-12), \
        f"gradient w = (3, 0, 4) everywhere, so (||w|| - 1)^2 = 16; got {penalty.item()}"


def test_per_sample_norms(student):
    """One norm per sample, then the mean of (norm - 1)^2. Here real == fake, so where between them the
    penalty is taken cannot matter: only how the norms are formed is tested."""
    real, _, eps = batch()
    penalty = student.gradient_penalty(square_critic, real, real, eps).item()
    x = real.numpy()
    whole_batch = (np.linalg.norm(x) - 1) ** 2
    assert not math.isclose(penalty, whole_batch, rel_tol=1e-9), \
        "one norm over the whole batch: take ||grad|| per sample (over every dimension but the first), then the mean"
    assert math.isclose(penalty, penalty_at(x), rel_tol=1e-12), \
        f"expected the mean over samples of (||grad_i|| - 1)^2 = {penalty_at(x)}, got {penalty}"


def test_penalty_is_taken_between_real_and_fake(student):
    """The penalty belongs at x_hat = eps * real + (1 - eps) * fake: on the segments between the real and
    the fake samples, where the optimal critic has gradient norm 1."""
    real, fake, eps = batch()
    penalty = student.gradient_penalty(square_critic, real, fake, eps).item()
    r, f, e = real.numpy(), fake.numpy(), eps.numpy()
    wrong_places = {"at the real samples": penalty_at(r), "at the fake samples": penalty_at(f),
                    "at (1 - eps) * real + eps * fake (eps on the wrong side)": penalty_at((1 - e) * r + e * f)}
    for where, value in wrong_places.items():
        assert not math.isclose(penalty, value, rel_tol=1e-9), \
            f"the penalty was taken {where}; it belongs at x_hat = eps * real + (1 - eps) * fake"
    expected = penalty_at(e * r + (1 - e) * f)
    assert math.isclose(penalty, expected, rel_tol=1e-12), \
        f"expected {expected} at x_hat = eps * real + (1 - eps) * fake, got {penalty}"


def test_penalty_reaches_the_critic_weights(student):
    """The penalty must be differentiable w.r.t. the critic: grad taken with create_graph=True."""
    real, fake, eps = batch()
    w1, w2 = mg.randn(5, 3, requires_grad=True), mg.randn(1, 5, requires_grad=True)
    student.gradient_penalty(mlp_critic(w1, w2), real, fake, eps).backward()
    hint = "no gradient reached the critic's weights: take the gradient with mg.grad(..., create_graph=True)"
    assert w1.grad is not None and np.abs(w1.grad.array).sum() > 0, hint
    assert w2.grad is not None and np.abs(w2.grad.array).sum() > 0, hint


def test_gradcheck_wrt_critic_weights(student):
    real, fake, eps = batch()
    w1, w2 = mg.randn(4, 3, requires_grad=True), mg.randn(1, 4, requires_grad=True)
    assert mg.gradcheck(lambda a, b: student.gradient_penalty(mlp_critic(a, b), real, fake, eps), (w1, w2))


def test_gradgradcheck_wrt_critic_weights(student):
    real, fake, eps = mg.randn(2, 2), mg.randn(2, 2), mg.rand(2, 1)
    w1, w2 = mg.randn(3, 2, requires_grad=True), mg.randn(1, 3, requires_grad=True)
    assert mg.gradgradcheck(lambda a, b: student.gradient_penalty(mlp_critic(a, b), real, fake, eps), (w1, w2))
