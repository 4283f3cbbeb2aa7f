"""Exercise 7: col2im and conv2d's input gradient."""

import numpy as np
import pytest

import minigan as mg
from minigan import functional as F
from exercise_oracles import col2im_loop, conv_output, im2col_loop

pytestmark = pytest.mark.ex_col2im

GEOMETRIES = [(3, 1, 0), (3, 2, 1), (2, 2, 0)]  # (kernel, stride, padding)


def test_overlapping_windows_add_up(student):
    """A 3x3 image, 2x2 windows, stride 1: the centre pixel is in all 4 windows."""
    cols = np.ones((4, 4))
    expected = np.array([[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]], dtype=float)
    np.testing.assert_array_equal(student.col2im(cols, (1, 1, 3, 3), 2), expected)


@pytest.mark.parametrize("k, s, p", GEOMETRIES)
def test_matches_the_loop(student, k, s, p):
    shape = (2, 3, 5, 6)
    cols = np.random.default_rng(0).standard_normal((3 * k * k, 2 * conv_output(5, k, s, p) * conv_output(6, k, s, p)))
    np.testing.assert_allclose(student.col2im(cols, shape, k, s, p), col2im_loop(cols, shape, k, s, p), rtol=1e-12)


@pytest.mark.parametrize("k, s, p", GEOMETRIES)
def test_is_the_adjoint_of_im2col(student, k, s, p):
    """<im2col(x), c> = <x, col2im(c)> for every x and c."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 2, 5, 5))
    cols = im2col_loop(x, k, s, p)
    c = rng.standard_normal(cols.shape)
    assert np.isclose((cols * c).sum(), (x * student.col2im(c, x.shape, k, s, p)).sum(), rtol=1e-10)


@pytest.mark.parametrize("k, s, p", GEOMETRIES)
def test_input_grad_matches_backward(student, k, s, p):
    x, w = mg.randn(2, 3, 5, 6, requires_grad=True), mg.randn(4, 3, k, k)
    y = F.conv2d(x, w, stride=s, padding=p)
    g = mg.randn(*y.shape)
    y.backward(g)
    got = student.conv2d_input_grad(g.array, w.array, x.shape, s, p)
    np.testing.assert_allclose(got, x.grad.numpy(), rtol=1e-10, atol=1e-12)


class _StudentInputGrad(mg.Function):
    """g -> conv2d_input_grad(g) by the student; its backward is conv2d (the adjoint), minigan's.
    gradcheck differentiates the forward numerically: a wrong input gradient disagrees."""

    @staticmethod
    def forward(ctx, g, w_array, x_shape, fn, s, p):
        ctx.save_for_backward(w_array)
        ctx.geometry = s, p
        return fn(g, w_array, x_shape, s, p)

    @staticmethod
    def backward(ctx, grad):
        (w,) = ctx.saved_tensors
        s, p = ctx.geometry
        return F.conv2d(grad, w, stride=s, padding=p), None, None, None, None, None


@pytest.mark.parametrize("k, s, p", GEOMETRIES)
def test_gradcheck(student, k, s, p):
    w = mg.randn(2, 2, k, k)
    x_shape = (1, 2, 5, 5)
    g = mg.randn(1, 2, conv_output(5, k, s, p), conv_output(5, k, s, p), requires_grad=True)
    assert mg.gradcheck(lambda t: _StudentInputGrad.apply(t, w.array, x_shape, student.conv2d_input_grad, s, p), (g,))
