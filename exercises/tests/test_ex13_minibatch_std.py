"""Exercise 13: the minibatch standard deviation layer."""

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_minibatch_std


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3, 3)])
def test_values_and_shape(student, shape):
    x = mg.randn(*shape)
    out = student.minibatch_stddev(x)
    assert out.shape == (shape[0], shape[1] + 1) + shape[2:]
    a = x.numpy()
    s = np.sqrt(a.var(axis=0) + 1e-8).mean()
    np.testing.assert_array_equal(out.numpy()[:, :shape[1]], a)
    np.testing.assert_allclose(out.numpy()[:, shape[1]:], np.full((shape[0], 1) + shape[2:], s), rtol=1e-12)


def test_a_collapsed_batch_shows_sqrt_eps(student):
    x = mg.ones(6, 4) * 0.7
    out = student.minibatch_stddev(x, eps=1e-8)
    np.testing.assert_allclose(out.numpy()[:, 4], np.full(6, 1e-4), rtol=1e-6)


def test_gradcheck(student):
    x = mg.randn(4, 2, 2, 2, requires_grad=True)
    assert mg.gradcheck(student.minibatch_stddev, (x,))


def test_gradgradcheck(student):
    x = mg.randn(4, 3, requires_grad=True)
    assert mg.gradgradcheck(student.minibatch_stddev, (x,))
