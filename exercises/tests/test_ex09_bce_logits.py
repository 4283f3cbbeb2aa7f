"""Exercise 9: binary cross-entropy from logits."""

import math

import numpy as np
import pytest

import minigan as mg
from exercise_oracles import gradgradcheck_of_a_right_backward

pytestmark = pytest.mark.ex_bce_logits


def exact(x: float, y: float) -> float:
    p = 1 / (1 + math.exp(-x))
    return -(y * math.log(p) + (1 - y) * math.log(1 - p))


def test_values(student):
    x, y = [-2.0, -0.3, 0.0, 1.5, 4.0], [0.0, 1.0, 0.5, 1.0, 0.2]
    loss = student.binary_cross_entropy_with_logits(mg.tensor(x), mg.tensor(y))
    assert loss.shape == ()
    assert math.isclose(loss.item(), sum(exact(a, b) for a, b in zip(x, y)) / 5, rel_tol=1e-12)


def test_large_logits_give_finite_exact_losses(student):
    """Logit 100 with label 0 costs 100 nats (sigmoid(100) rounds to 1, log(1 - 1) would be -inf)."""
    x, y = mg.tensor([100.0, -100.0, 100.0, -100.0]), mg.tensor([0.0, 1.0, 1.0, 0.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = student.binary_cross_entropy_with_logits(x, y)
    assert math.isclose(loss.item(), 200 / 4, rel_tol=1e-12)


def test_gradient_is_sigmoid_minus_target_over_n(student):
    x = mg.tensor([-100.0, 0.0, 3.0, 100.0], requires_grad=True)
    y = mg.tensor([1.0, 0.0, 0.5, 0.0])
    student.binary_cross_entropy_with_logits(x, y).backward()
    p = np.array([0.0, 0.5, 1 / (1 + math.exp(-3)), 1.0])
    np.testing.assert_allclose(x.grad.numpy(), (p - y.numpy()) / 4, rtol=1e-12, atol=1e-30)


def test_target_gradient_is_minus_x_over_n(student):
    """dl/dy = -x (per element, then the mean's 1/n): a soft target is an input too (label smoothing)."""
    x = mg.tensor([-2.0, 0.0, 3.0, 5.0])
    y = mg.tensor([1.0, 0.0, 0.5, 0.2], requires_grad=True)
    student.binary_cross_entropy_with_logits(x, y).backward()
    assert y.grad is not None, "no gradient reached the target: backward must return dl/dy = -x too"
    np.testing.assert_allclose(y.grad.numpy(), -x.numpy() / 4, rtol=1e-12, atol=1e-30,
                               err_msg="dl/dy should be -x / n")


def test_gradcheck(student):
    x, y = (mg.randn(3, 4) * 3).requires_grad_(), mg.rand(3, 4, requires_grad=True)
    assert mg.gradcheck(student.binary_cross_entropy_with_logits, (x, y))


def test_gradgradcheck(student):
    x, y = (mg.randn(3, 4) * 3).requires_grad_(), mg.rand(3, 4, requires_grad=True)
    assert gradgradcheck_of_a_right_backward(student.binary_cross_entropy_with_logits, (x, y))
