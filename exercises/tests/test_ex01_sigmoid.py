"""Exercise 1: a sigmoid that never overflows."""

import math

import numpy as np
import pytest

import minigan as mg
from exercise_oracles import gradgradcheck_of_a_right_backward

pytestmark = pytest.mark.ex_sigmoid


def exact(v: float) -> float:
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


def test_values_up_to_1000_without_overflow(student):
    points = [-1000.0, -700.0, -30.0, -1.0, 0.0, 0.5, 30.0, 700.0, 1000.0]
    with np.errstate(over="raise", invalid="raise"):  # an overflowing exp raises FloatingPointError here
        y = student.sigmoid(mg.tensor(points, dtype=mg.float64))
    assert y.dtype == np.float64 and y.shape == (9,)
    np.testing.assert_allclose(y.numpy(), [exact(v) for v in points], rtol=1e-12, atol=0)


def test_float32_stays_float32_and_finite(student):
    x = mg.tensor([-100.0, -20.0, 0.0, 20.0, 100.0], dtype=mg.float32)
    with np.errstate(over="raise", invalid="raise"):
        y = student.sigmoid(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), [exact(v) for v in x.numpy().tolist()], rtol=1e-6, atol=1e-42)


def test_gradient_is_y_times_1_minus_y_even_when_saturated(student):
    x = mg.tensor([-40.0, -2.0, 0.0, 3.0, 40.0], requires_grad=True)
    with np.errstate(over="raise", invalid="raise"):
        student.sigmoid(x).sum().backward()
    y = np.array([exact(v) for v in x.detach().numpy().tolist()])
    np.testing.assert_allclose(x.grad.numpy(), y * (1 - y), rtol=1e-10, atol=0)


def test_gradcheck(student):
    x = (mg.randn(3, 4) * 3).requires_grad_()
    assert mg.gradcheck(student.sigmoid, (x,))


def test_gradgradcheck(student):
    x = (mg.randn(3, 4) * 3).requires_grad_()
    assert gradgradcheck_of_a_right_backward(student.sigmoid, (x,))
