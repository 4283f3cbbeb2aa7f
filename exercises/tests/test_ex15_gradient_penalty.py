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


def test_linear_critic_has_constant_gradient(student):
    """critic(x) = x @ w: the gradient is w for every sample, so the penalty is (||w|| - 1)^2."""
    w = mg.tensor([[3.0], [0.0], [4.0]])
    real, fake, eps = batch()
    penalty = student.gradient_penalty(lambda x: x @ w, real, fake, eps)
    assert penalty.shape == ()
    assert math.isclose(penalty.item(), 16.0, rel_tol=1e-12)


def test_per_sample_norms(student):
    """critic(x) = sum(x^2) / 2 has gradient x_hat: the norms are taken per sample, then averaged."""
    real, fake, eps = batch()
    penalty = student.gradient_penalty(lambda x: (x * x).sum(1) / 2, real, fake, eps)
    mixed = eps.numpy() * real.numpy() + (1 - eps.numpy()) * fake.numpy()
    expected = ((np.linalg.norm(mixed, axis=1) - 1) ** 2).mean()
    assert math.isclose(penalty.item(), expected, rel_tol=1e-12)


def test_penalty_reaches_the_critic_weights(student):
    """The penalty must be differentiable w.r.t. the critic: grad taken with create_graph=True."""
    real, fake, eps = batch()
    w1, w2 = mg.randn(5, 3, requires_grad=True), mg.randn(1, 5, requires_grad=True)
    student.gradient_penalty(mlp_critic(w1, w2), real, fake, eps).backward()
    assert w1.grad is not None and np.abs(w1.grad.array).sum() > 0
    assert w2.grad is not None and np.abs(w2.grad.array).sum() > 0


def test_gradcheck_wrt_critic_weights(student):
    real, fake, eps = batch()
    w1, w2 = mg.randn(4, 3, requires_grad=True), mg.randn(1, 4, requires_grad=True)
    assert mg.gradcheck(lambda a, b: student.gradient_penalty(mlp_critic(a, b), real, fake, eps), (w1, w2))


def test_gradgradcheck_wrt_critic_weights(student):
    real, fake, eps = mg.randn(2, 2), mg.randn(2, 2), mg.rand(2, 1)
    w1, w2 = mg.randn(3, 2, requires_grad=True), mg.randn(1, 3, requires_grad=True)
    assert mg.gradgradcheck(lambda a, b: student.gradient_penalty(mlp_critic(a, b), real, fake, eps), (w1, w2))
