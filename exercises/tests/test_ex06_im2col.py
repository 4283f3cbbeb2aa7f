"""Exercise 6: im2col, convolution as one matrix product."""

import numpy as np
import pytest

import minigan as mg
from minigan import functional as F
from exercise_oracles import conv_output, im2col_loop

pytestmark = pytest.mark.ex_im2col

GEOMETRIES = [(3, 1, 0), (3, 2, 1), (2, 2, 0), (1, 1, 0)]  # (kernel, stride, padding)


def test_layout_of_a_3x3_image(student):
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # pixels 0..8
    expected = np.array([[0, 1, 3, 4],      # kernel offset (0, 0) at the 4 output positions
                         [1, 2, 4, 5],      # (0, 1)
                         [3, 4, 6, 7],      # (1, 0)
                         [4, 5, 7, 8]])     # (1, 1)
    np.testing.assert_array_equal(student.im2col(x, 2), expected)


@pytest.mark.parametrize("k, s, p", GEOMETRIES)
def test_matches_the_loop(student, k, s, p):
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6))
    cols = student.im2col(x, k, s, p)
    np.testing.assert_array_equal(cols, im2col_loop(x, k, s, p))


@pytest.mark.parametrize("k, s, p", GEOMETRIES[:2])
def test_conv2d_as_one_matrix_product(student, k, s, p):
    x, w = mg.randn(2, 3, 5, 6), mg.randn(4, 3, k, k)
    cols = student.im2col(x.array, k, s, p)
    oh, ow = conv_output(5, k, s, p), conv_output(6, k, s, p)
    y = (w.array.reshape(4, -1) @ cols).reshape(4, 2, oh, ow).transpose(1, 0, 2, 3)
    np.testing.assert_allclose(y, F.conv2d(x, w, stride=s, padding=p).numpy(), rtol=1e-10, atol=1e-12)


class _ConvWithStudentIm2col(mg.Function):
    """conv2d(x, w) computed with the student's im2col; backward with minigan's conv_transpose2d.
    gradcheck differentiates the forward numerically: a wrong im2col disagrees with the backward."""

    @staticmethod
    def forward(ctx, x, w_array, im2col, s, p):
        ctx.save_for_backward(w_array)
        ctx.geometry = x.shape, s, p
        k, o = w_array.shape[2], w_array.shape[0]
        oh, ow = conv_output(x.shape[2], k, s, p), conv_output(x.shape[3], k, s, p)
        y = (w_array.reshape(o, -1) @ im2col(x, k, s, p)).reshape(o, x.shape[0], oh, ow)
        return np.ascontiguousarray(y.transpose(1, 0, 2, 3))

    @staticmethod
    def backward(ctx, grad):
        (w,) = ctx.saved_tensors
        shape, s, p = ctx.geometry
        k = w.shape[2]
        extra = tuple((size + 2 * p - k) % s for size in shape[2:])  # rows the stride skipped
        return F.conv_transpose2d(grad, w, stride=s, padding=p, output_padding=extra), None, None, None, None


@pytest.mark.parametrize("k, s, p", GEOMETRIES[:3])
def test_gradcheck_through_a_convolution(student, k, s, p):
    x, w = mg.randn(1, 2, 5, 5, requires_grad=True), mg.randn(2, 2, k, k)
    assert mg.gradcheck(lambda t: _ConvWithStudentIm2col.apply(t, w.array, student.im2col, s, p), (x,))
