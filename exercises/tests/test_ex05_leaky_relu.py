"""Exercise 5: LeakyReLU as a Function."""

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_leaky_relu


def away_from_zero(*shape):
    x = mg.randn(*shape)
    return (x + mg.where(x > 0, 0.1, -0.1)).requires_grad_()  # |x| >= 0.1: no kink within eps


@pytest.mark.parametrize("slope", [0.01, 0.2])
def test_values(student, slope):
    x = mg.tensor([-3.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(student.leaky_relu(x, slope).numpy(),
                               [-3 * slope, -0.5 * slope, 0.0, 0.5, 3.0], rtol=1e-12)


def test_default_slope_is_001(student):
    np.testing.assert_allclose(student.leaky_relu(mg.tensor([-2.0])).numpy(), [-0.02], rtol=1e-12)


def test_gradient_including_zero(student):
    x = mg.tensor([-3.0, 0.0, 2.0], requires_grad=True)
    student.leaky_relu(x, 0.2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.2, 0.2, 1.0], rtol=1e-12)  # at 0: the slope, as PyTorch


def test_gradcheck(student):
    assert mg.gradcheck(lambda t: student.leaky_relu(t, 0.2), (away_from_zero(3, 4),))


def test_gradgradcheck(student):
    assert mg.gradgradcheck(lambda t: student.leaky_relu(t, 0.2), (away_from_zero(3, 4),))
