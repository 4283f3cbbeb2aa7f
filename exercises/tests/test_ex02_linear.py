"""Exercise 2: Linear forward and backward."""

import numpy as np
import pytest

import minigan as mg
from exercise_oracles import gradgradcheck_of_a_right_backward

pytestmark = pytest.mark.ex_linear


def inputs(bias=True):
    x = mg.randn(4, 3, requires_grad=True)
    w = mg.randn(5, 3, requires_grad=True)
    b = mg.randn(5, requires_grad=True) if bias else None
    return x, w, b


def test_forward_values(student):
    x, w, b = inputs()
    y = student.linear(x, w, b)
    assert y.shape == (4, 5)
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy() @ w.detach().numpy().T + b.detach().numpy(), rtol=1e-12)


def test_forward_without_bias(student):
    x, w, _ = inputs(bias=False)
    np.testing.assert_allclose(student.linear(x, w).detach().numpy(), x.detach().numpy() @ w.detach().numpy().T, rtol=1e-12)


def test_backward_is_gT_x(student):
    x, w, b = inputs()
    g = np.random.default_rng(1).standard_normal((4, 5))
    student.linear(x, w, b).backward(mg.tensor(g))
    np.testing.assert_allclose(w.grad.detach().numpy(), g.T @ x.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.detach().numpy(), g @ w.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), g.sum(0), rtol=1e-12)


def test_gradcheck(student):
    assert mg.gradcheck(student.linear, inputs())


def test_gradgradcheck(student):
    assert gradgradcheck_of_a_right_backward(student.linear, inputs())
