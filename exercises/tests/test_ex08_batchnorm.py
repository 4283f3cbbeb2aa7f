"""Exercise 8: batch norm's backward in training mode."""

import numpy as np
import pytest

import minigan as mg
from exercise_oracles import gradgradcheck_of_a_right_backward
from minigan import functional as F

pytestmark = pytest.mark.ex_batchnorm

SHAPES = [(5, 3), (3, 2, 2, 2)]


def inputs(shape):
    c = shape[1]
    return (mg.randn(*shape, requires_grad=True), (mg.randn(c) + 1.5).requires_grad_(),
            mg.randn(c, requires_grad=True))


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_values(student, shape):
    x, w, b = inputs(shape)
    expected = F.batch_norm(x, None, None, w, b, training=True, eps=1e-5)
    np.testing.assert_allclose(student.batch_norm_train(x, w, b).detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_autograd_of_the_formula(student, shape):
    """The same gradients as minigan's graph of mean, var and the normalisation, op by op."""
    x, w, b = inputs(shape)
    g = mg.randn(*shape)
    student.batch_norm_train(x, w, b).backward(g)
    got = [x.grad.numpy(), w.grad.numpy(), b.grad.numpy()]
    x2, w2, b2 = (t.detach().requires_grad_() for t in (x, w, b))
    dims = (0,) + tuple(range(2, len(shape)))
    view = (1, shape[1]) + (1,) * (len(shape) - 2)
    mean = x2.mean(dims, keepdim=True)
    var = ((x2 - mean) ** 2).mean(dims, keepdim=True)
    y = (x2 - mean) / (var + 1e-5).sqrt() * w2.reshape(view) + b2.reshape(view)
    y.backward(g)
    for a, e in zip(got, [x2.grad, w2.grad, b2.grad]):
        np.testing.assert_allclose(a, e.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("shape", SHAPES)
def test_gradcheck(student, shape):
    assert mg.gradcheck(student.batch_norm_train, inputs(shape))


def test_gradgradcheck(student):
    assert gradgradcheck_of_a_right_backward(student.batch_norm_train, inputs((4, 2)))
