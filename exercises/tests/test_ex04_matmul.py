"""Exercise 4: matmul's backward with broadcast batch dimensions."""

import numpy as np
import pytest

import minigan as mg
from exercise_oracles import gradgradcheck_of_a_right_backward

pytestmark = pytest.mark.ex_matmul

SHAPES = [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2))]


@pytest.mark.parametrize("sa, sb", SHAPES)
def test_forward_values(student, sa, sb):
    a, b = mg.randn(*sa), mg.randn(*sb)
    np.testing.assert_allclose(student.matmul(a, b).numpy(), np.matmul(a.numpy(), b.numpy()), rtol=1e-12)


def test_backward_sums_broadcast_batch_dimensions(student):
    a = mg.randn(2, 3, 4, requires_grad=True)
    b = mg.randn(4, 5, requires_grad=True)
    student.matmul(a, b).sum().backward()
    ones = np.ones((2, 3, 5))
    assert b.grad.shape == (4, 5)
    np.testing.assert_allclose(b.grad.detach().numpy(), np.einsum("nik,nij->kj", a.detach().numpy(), ones), rtol=1e-12)
    np.testing.assert_allclose(a.grad.detach().numpy(), ones @ b.detach().numpy().T, rtol=1e-12)


@pytest.mark.parametrize("sa, sb", SHAPES)
def test_gradcheck(student, sa, sb):
    a, b = mg.randn(*sa, requires_grad=True), mg.randn(*sb, requires_grad=True)
    assert mg.gradcheck(student.matmul, (a, b))


@pytest.mark.parametrize("sa, sb", SHAPES[1:])
def test_gradgradcheck(student, sa, sb):
    a, b = mg.randn(*sa, requires_grad=True), mg.randn(*sb, requires_grad=True)
    assert gradgradcheck_of_a_right_backward(student.matmul, (a, b))
