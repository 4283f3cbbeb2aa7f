"""Exercise 22: instance normalisation, forward and backward."""

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_instance_norm

SHAPES = [(2, 3, 4, 4), (3, 1, 2, 5)]


def formula(x, eps=1e-5):
    """The normalisation op by op (minigan differentiates it): the oracle for values and gradients."""
    mean = x.mean((2, 3), keepdim=True)
    var = ((x - mean) ** 2).mean((2, 3), keepdim=True)
    return (x - mean) / (var + eps).sqrt()


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_values(student, shape):
    x = mg.randn(*shape) * 3 + 1
    y = student.instance_norm(x).numpy()
    np.testing.assert_allclose(y, formula(x).numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.mean(axis=(2, 3)), 0, atol=1e-12)  # every image's channel on its own


def test_each_image_is_normalised_alone(student):
    """Scaling one image of the batch changes no other image's output (batch statistics would)."""
    x = mg.randn(3, 2, 3, 3)
    scaled = x.numpy().copy()
    scaled[0] *= 10
    a, b = student.instance_norm(x).numpy(), student.instance_norm(mg.tensor(scaled)).numpy()
    np.testing.assert_allclose(a[1:], b[1:], rtol=1e-10)


@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_autograd_of_the_formula(student, shape):
    x = mg.randn(*shape, requires_grad=True)
    g = mg.randn(*shape)
    student.instance_norm(x).backward(g)
    x2 = x.detach().requires_grad_()
    formula(x2).backward(g)
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_gradcheck(student):
    assert mg.gradcheck(student.instance_norm, (mg.randn(2, 2, 3, 3, requires_grad=True),))


def test_gradgradcheck(student):
    assert mg.gradgradcheck(student.instance_norm, (mg.randn(2, 1, 2, 3, requires_grad=True),))
