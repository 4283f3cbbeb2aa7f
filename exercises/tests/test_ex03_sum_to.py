"""Exercise 3: sum_to, the backward of broadcasting."""

import numpy as np
import pytest

import minigan as mg
from exercise_oracles import gradgradcheck_of_a_right_backward

pytestmark = pytest.mark.ex_sum_to

CASES = [((2, 3, 4), (3, 1)), ((2, 3, 4), (4,)), ((2, 3, 4), ()), ((2, 1, 4), (1, 1, 4)),
         ((3, 4), (3, 4)), ((2, 3, 4), (2, 1, 4))]


def slow_sum_to(a, shape):
    """Sum away leading dimensions one by one, then every dimension that is 1 in shape."""
    while a.ndim > len(shape):
        a = a.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1:
            a = a.sum(axis=axis, keepdims=True)
    return a


@pytest.mark.parametrize("source, shape", CASES)
def test_sum_to_array_values(student, source, shape):
    a = np.random.default_rng(0).standard_normal(source)
    out = student.sum_to_array(a, shape)
    assert np.shape(out) == shape
    np.testing.assert_allclose(out, slow_sum_to(a, shape), rtol=1e-12)


def test_undoes_broadcasting(student):
    """sum_to(broadcast_to(b)) adds up the copies: ones of shape (2, 3, 4) to (3, 1) gives 8s."""
    out = student.sum_to(mg.ones(2, 3, 4), (3, 1))
    assert out.shape == (3, 1)
    np.testing.assert_array_equal(out.numpy(), np.full((3, 1), 8.0))


@pytest.mark.parametrize("source, shape", CASES[:4])
def test_gradcheck(student, source, shape):
    x = mg.randn(*source, requires_grad=True)
    assert mg.gradcheck(lambda t: student.sum_to(t, shape), (x,))


def test_gradgradcheck(student):
    x = mg.randn(2, 3, 4, requires_grad=True)
    assert gradgradcheck_of_a_right_backward(lambda t: student.sum_to(t, (3, 1)), (x,))
