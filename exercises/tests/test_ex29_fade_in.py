"""Exercise 29: the fade-in of a new block."""

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_fade_in


def _upsample(a):
    return a.repeat(2, axis=2).repeat(2, axis=3)


def test_alpha_zero_is_the_old_image_and_one_the_new(student):
    old, new = mg.randn(2, 1, 4, 4), mg.randn(2, 1, 8, 8)
    np.testing.assert_allclose(student.fade_in(old, new, 0.0).detach().numpy(), _upsample(old.numpy()), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(student.fade_in(old, new, 1.0).detach().numpy(), new.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("alpha", [0.25, 0.7])
def test_values_in_between(student, alpha):
    old, new = mg.randn(3, 2, 7, 7), mg.randn(3, 2, 14, 14)
    expected = (1 - alpha) * _upsample(old.numpy()) + alpha * new.numpy()
    out = student.fade_in(old, new, alpha).detach().numpy()
    assert out.shape == (3, 2, 14, 14)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


def test_gradients_split_by_alpha(student):
    old, new = mg.randn(1, 1, 2, 2, requires_grad=True), mg.randn(1, 1, 4, 4, requires_grad=True)
    student.fade_in(old, new, 0.3).sum().backward()
    np.testing.assert_allclose(old.grad.numpy(), np.full((1, 1, 2, 2), 0.7 * 4), rtol=1e-12)  # 4 copies
    np.testing.assert_allclose(new.grad.numpy(), np.full((1, 1, 4, 4), 0.3), rtol=1e-10, atol=1e-12)


def test_gradgradcheck(student):
    old, new = mg.randn(1, 2, 2, 2, requires_grad=True), mg.randn(1, 2, 4, 4, requires_grad=True)
    assert mg.gradgradcheck(lambda a, b: student.fade_in(a, b, 0.4), (old, new))
