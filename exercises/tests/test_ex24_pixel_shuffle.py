"""Exercise 24: PixelShuffle."""

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_pixel_shuffle

CASES = [((2, 12, 2, 3), 2), ((1, 18, 2, 2), 3), ((2, 3, 2, 2), 1)]


def shuffle_loop(x, r):
    """The definition, one element at a time."""
    n, crr, h, w = x.shape
    c = crr // (r * r)
    out = np.zeros((n, c, h * r, w * r), dtype=x.dtype)
    for ni in range(n):
        for ci in range(c):
            for hi in range(h):
                for wi in range(w):
                    for i in range(r):
                        for j in range(r):
                            out[ni, ci, hi * r + i, wi * r + j] = x[ni, ci * r * r + i * r + j, hi, wi]
    return out


@pytest.mark.parametrize("shape, r", CASES)
def test_forward_values(student, shape, r):
    x = mg.randn(*shape)
    y = student.pixel_shuffle(x, r)
    assert y.shape == (shape[0], shape[1] // (r * r), shape[2] * r, shape[3] * r)
    np.testing.assert_array_equal(y.numpy(), shuffle_loop(x.numpy(), r))


@pytest.mark.parametrize("shape, r", CASES)
def test_backward_is_the_inverse_rearrangement(student, shape, r):
    x = mg.randn(*shape, requires_grad=True)
    g = mg.randn(shape[0], shape[1] // (r * r), shape[2] * r, shape[3] * r)
    student.pixel_shuffle(x, r).backward(g)
    # <g, shuffle(x)> = <unshuffle(g), x>: the gradient is g read back through the same index map
    expected = np.zeros(shape)
    flat = shuffle_loop(np.arange(np.prod(shape), dtype=np.float64).reshape(shape), r).astype(np.int64)
    np.add.at(expected.reshape(-1), flat.reshape(-1), g.numpy().reshape(-1))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_gradcheck(student):
    x = mg.randn(1, 8, 2, 2, requires_grad=True)
    assert mg.gradcheck(lambda t: student.pixel_shuffle(t, 2), (x,))


def test_gradgradcheck(student):
    x = mg.randn(1, 4, 2, 1, requires_grad=True)
    assert mg.gradgradcheck(lambda t: student.pixel_shuffle(t, 2) ** 2, (x,))
