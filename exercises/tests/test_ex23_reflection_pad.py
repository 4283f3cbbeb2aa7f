"""Exercise 23: reflection padding and its backward."""

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_reflection_pad

CASES = [((2, 3, 4, 5), 1), ((1, 2, 5, 3), 2), ((2, 1, 3, 3), 0)]


def mirrored(n, p):
    i = np.arange(-p, n + p)
    return np.abs(np.where(i >= n, 2 * (n - 1) - i, i))


@pytest.mark.parametrize("shape, p", CASES)
def test_forward_values(student, shape, p):
    x = mg.randn(*shape)
    y = student.reflection_pad2d(x, p)
    assert y.shape == shape[:2] + (shape[2] + 2 * p, shape[3] + 2 * p)
    expected = np.pad(x.numpy(), ((0, 0), (0, 0), (p, p), (p, p)), mode="reflect")
    np.testing.assert_array_equal(y.numpy(), expected)


def test_the_row_of_the_docstring(student):
    row = mg.tensor(np.array([[[[1.0, 2.0, 3.0, 4.0]] * 3]]))  # (1, 1, 3, 4): three equal rows
    np.testing.assert_array_equal(student.reflection_pad2d(row, 2).numpy()[0, 0, 2], [3, 2, 1, 2, 3, 4, 3, 2])


@pytest.mark.parametrize("shape, p", CASES)
def test_backward_adds_the_gradient_of_every_copy(student, shape, p):
    """The same gradient as indexing x by the mirrored rows and columns (whose backward adds up)."""
    x = mg.randn(*shape, requires_grad=True)
    g = mg.randn(shape[0], shape[1], shape[2] + 2 * p, shape[3] + 2 * p)
    student.reflection_pad2d(x, p).backward(g)
    x2 = x.detach().requires_grad_()
    x2[:, :, mirrored(shape[2], p)][:, :, :, mirrored(shape[3], p)].backward(g)
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_gradcheck(student):
    x = mg.randn(1, 2, 3, 4, requires_grad=True)
    assert mg.gradcheck(lambda t: student.reflection_pad2d(t, 2), (x,))


def test_gradgradcheck(student):
    x = mg.randn(1, 1, 3, 3, requires_grad=True)
    assert mg.gradgradcheck(lambda t: student.reflection_pad2d(t, 1) ** 2, (x,))
