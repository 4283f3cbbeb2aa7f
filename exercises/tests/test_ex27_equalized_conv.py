"""Exercise 27: the equalized-learning-rate convolution."""

import math

import numpy as np
import pytest

import minigan as mg
from minigan import functional as F

pytestmark = pytest.mark.ex_equalized_conv


@pytest.mark.parametrize("c_in, c_out, k, padding", [(3, 5, 3, 1), (6, 2, 1, 0), (2, 4, 4, 2)])
def test_values_are_a_convolution_with_the_scaled_weight(student, c_in, c_out, k, padding):
    x, weight, bias = mg.randn(2, c_in, 6, 6), mg.randn(c_out, c_in, k, k), mg.randn(c_out)
    c = math.sqrt(2) / math.sqrt(c_in * k * k)
    expected = F.conv2d(x, weight * c, bias, padding=padding).numpy()
    np.testing.assert_allclose(student.equalized_conv2d(x, weight, bias, padding).detach().numpy(), expected,
                               rtol=1e-10, atol=1e-12)


def test_gain_one_for_an_output_layer(student):
    x, weight, bias = mg.randn(2, 8, 3, 3), mg.randn(1, 8, 1, 1), mg.zeros(1)
    expected = F.conv2d(x, weight / math.sqrt(8), bias).numpy()
    np.testing.assert_allclose(student.equalized_conv2d(x, weight, bias, gain=1.0).detach().numpy(), expected,
                               rtol=1e-10, atol=1e-12)


def test_unit_weights_keep_the_signal_at_he_scale(student):
    """N(0, 1) weights, inputs of unit variance: the output variance is about gain^2 = 2."""
    x = mg.randn(16, 32, 8, 8)
    out = student.equalized_conv2d(x, mg.randn(64, 32, 3, 3), mg.zeros(64), padding=1).detach().numpy()
    assert out[:, :, 1:-1, 1:-1].var() == pytest.approx(2.0, rel=0.1)


def test_the_stored_weights_gradient_is_c_times_the_effective_ones(student):
    x = mg.randn(2, 3, 5, 5)
    weight, bias = mg.randn(4, 3, 3, 3, requires_grad=True), mg.randn(4, requires_grad=True)
    upstream = mg.randn(2, 4, 5, 5)
    (student.equalized_conv2d(x, weight, bias, padding=1) * upstream).sum().backward()
    c = math.sqrt(2 / 27)
    effective = (weight.detach() * c).requires_grad_()
    (F.conv2d(x, effective, bias.detach(), padding=1) * upstream).sum().backward()
    np.testing.assert_allclose(weight.grad.numpy(), c * effective.grad.numpy(), rtol=1e-10)


def test_gradgradcheck(student):
    x, weight, bias = (mg.randn(1, 2, 3, 3, requires_grad=True), mg.randn(2, 2, 3, 3, requires_grad=True),
                       mg.randn(2, requires_grad=True))
    assert mg.gradgradcheck(lambda a, w, b: student.equalized_conv2d(a, w, b, padding=1), (x, weight, bias))
