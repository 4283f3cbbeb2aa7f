"""Exercise 17: one step of SGD with momentum."""

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_sgd_momentum


def test_first_step_buffer_is_the_gradient(student):
    """The buffer starts as the gradient itself: dampening does not apply on the first step."""
    p, g = np.array([1.0, -2.0, 0.5]), np.array([0.3, -4.0, 2.0])
    new_p, buf = student.sgd_momentum_step(p, g, None, lr=0.1, momentum=0.9, dampening=0.5)
    np.testing.assert_allclose(buf, g, rtol=1e-15)
    np.testing.assert_allclose(new_p, p - 0.1 * g, rtol=1e-15)


def test_second_step_by_hand(student):
    p, g1, g2 = np.array([1.0, 2.0]), np.array([0.5, -1.0]), np.array([2.0, 3.0])
    p1, b1 = student.sgd_momentum_step(p, g1, None, lr=0.1, momentum=0.9, dampening=0.25)
    p2, b2 = student.sgd_momentum_step(p1, g2, b1, lr=0.1, momentum=0.9, dampening=0.25)
    expected_buffer = 0.9 * g1 + 0.75 * g2
    np.testing.assert_allclose(b2, expected_buffer, rtol=1e-14)
    np.testing.assert_allclose(p2, p - 0.1 * g1 - 0.1 * expected_buffer, rtol=1e-14)


def test_nesterov_looks_ahead(student):
    """With Nesterov momentum the step is along g + mu * b, not along b."""
    p, g1, g2 = np.array([0.0, 0.0]), np.array([1.0, -1.0]), np.array([1.0, 2.0])
    p1, b1 = student.sgd_momentum_step(p, g1, None, lr=0.5, momentum=0.5, nesterov=True)
    np.testing.assert_allclose(p1, -0.5 * (g1 + 0.5 * g1), rtol=1e-15)
    p2, b2 = student.sgd_momentum_step(p1, g2, b1, lr=0.5, momentum=0.5, nesterov=True)
    np.testing.assert_allclose(b2, 0.5 * g1 + g2, rtol=1e-15)
    np.testing.assert_allclose(p2, p1 - 0.5 * (g2 + 0.5 * b2), rtol=1e-15)


@pytest.mark.parametrize("options", [dict(momentum=0.9), dict(momentum=0.5, dampening=0.3),
                                     dict(momentum=0.8, nesterov=True)], ids=["momentum", "dampening", "nesterov"])
def test_six_steps_match_minigan_sgd(student, options):
    rng = np.random.default_rng(0)
    w = mg.tensor(rng.standard_normal(4), requires_grad=True)
    opt = mg.optim.SGD([w], lr=0.05, **options)
    p, buf = w.array.copy(), None
    for _ in range(6):
        g = rng.standard_normal(4)
        w.grad = mg.tensor(g)
        opt.step()
        p, buf = student.sgd_momentum_step(p, g, buf, lr=0.05, **options)
        np.testing.assert_allclose(p, w.array, rtol=1e-13, atol=1e-15)


def test_inputs_are_not_modified(student):
    p, g, b = np.ones(3), np.full(3, 0.5), np.full(3, 0.1)
    copies = [a.copy() for a in (p, g, b)]
    student.sgd_momentum_step(p, g, b, lr=0.1, momentum=0.9, dampening=0.1, nesterov=False)
    student.sgd_momentum_step(p, g, None, lr=0.1)
    for a, c in zip((p, g, b), copies):
        np.testing.assert_array_equal(a, c)
