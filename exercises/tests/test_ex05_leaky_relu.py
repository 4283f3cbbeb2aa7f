"""Exercise 5: LeakyReLU as a Function."""

import warnings

import numpy as np
import pytest

import minigan as mg
from exercise_oracles import gradgradcheck_of_a_right_backward

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
    assert gradgradcheck_of_a_right_backward(lambda t: student.leaky_relu(t, 0.2), (away_from_zero(3, 4),))


def test_the_mask_is_an_attribute_not_saved_for_backward(student):
    """Lesson 2's save rule: save_for_backward takes the Function's inputs and outputs; a constant of
    the backward such as the mask a > 0 is kept as an attribute (ctx.mask = a > 0)."""
    x = away_from_zero(3, 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mg.grad(student.leaky_relu(x, 0.2).sum(), x, create_graph=True)
    saved_constants = [w for w in caught if issubclass(w.category, mg.SavedConstantWarning)]
    assert saved_constants == [], (
        "SavedConstantWarning: save_for_backward was given an array that is neither an input nor the "
        "output (the mask a > 0?): keep it as an attribute, ctx.mask = a > 0 (lesson 2's save rule)")
