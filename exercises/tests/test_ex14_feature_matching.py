"""Exercise 14: the feature-matching loss."""

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_feature_matching


def test_value(student):
    real, fake = mg.randn(6, 4), mg.randn(5, 4)
    diff = real.numpy().mean(0) - fake.numpy().mean(0)
    loss = student.feature_matching_loss(real, fake)
    assert loss.shape == ()
    np.testing.assert_allclose(loss.item(), (diff ** 2).sum(), rtol=1e-12)


def test_gradient_reaches_fake_only(student):
    real = mg.randn(6, 4, requires_grad=True)
    fake = mg.randn(5, 4, requires_grad=True)
    student.feature_matching_loss(real, fake).backward()
    assert real.grad is None, "the real features are a fixed target: detach them"
    expected = -2 * (real.detach().numpy().mean(0) - fake.detach().numpy().mean(0)) / 5
    np.testing.assert_allclose(fake.grad.numpy(), np.broadcast_to(expected, (5, 4)), rtol=1e-12)


def test_gradcheck(student):
    real, fake = mg.randn(6, 3), mg.randn(5, 3, requires_grad=True)
    assert mg.gradcheck(lambda f: student.feature_matching_loss(real, f), (fake,))


def test_gradgradcheck(student):
    real, fake = mg.randn(6, 3), mg.randn(5, 3, requires_grad=True)
    assert mg.gradgradcheck(lambda f: student.feature_matching_loss(real, f), (fake,))
