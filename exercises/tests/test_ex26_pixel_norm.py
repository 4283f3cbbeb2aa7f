"""Exercise 26: pixel-wise feature normalisation."""

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_pixel_norm


@pytest.mark.parametrize("shape", [(3, 5, 4, 4), (6, 7)])
def test_values(student, shape):
    x = mg.randn(*shape) * 3 + 1
    a = x.numpy()
    expected = a / np.sqrt((a ** 2).mean(axis=1, keepdims=True) + 1e-8)
    np.testing.assert_allclose(student.pixel_norm(x).detach().numpy(), expected, rtol=1e-12)


def test_every_pixel_has_mean_square_one_on_its_own(student):
    """Scaling one pixel of one sample changes nothing: the statistic is that pixel's alone."""
    x = mg.randn(2, 4, 3, 3)
    scale = np.ones((2, 1, 3, 3))
    scale[1, 0, 2, 1] = 50.0
    y = student.pixel_norm(x).detach().numpy()
    np.testing.assert_allclose((y ** 2).mean(axis=1), 1.0, rtol=1e-7)
    np.testing.assert_allclose(student.pixel_norm(x * mg.tensor(scale)).detach().numpy(), y, rtol=1e-7)


def test_eps_keeps_a_zero_pixel_finite(student):
    y = student.pixel_norm(mg.zeros(2, 3, 2, 2), eps=1e-8).detach().numpy()
    assert np.all(y == 0)


def test_gradcheck(student):
    x = mg.randn(2, 3, 2, 2, requires_grad=True)
    assert mg.gradcheck(student.pixel_norm, (x,))


def test_gradgradcheck(student):
    x = mg.randn(3, 4, requires_grad=True)
    assert mg.gradgradcheck(student.pixel_norm, (x,))
