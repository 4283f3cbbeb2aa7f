"""Exercise 12: one Adam step."""

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_adam


def test_first_step_moves_each_weight_by_about_lr(student):
    """After bias correction m_hat = g and v_hat = g^2, so step 1 is lr * g / (|g| + eps)."""
    p, g = np.array([1.0, -2.0, 0.5]), np.array([0.3, -1e-3, 20.0])
    zeros = np.zeros(3)
    new_p, m, v = student.adam_step(p, g, zeros, zeros, 1, lr=0.1)
    np.testing.assert_allclose(new_p, p - 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(m, 0.1 * g, rtol=1e-12)
    np.testing.assert_allclose(v, 0.001 * g * g, rtol=1e-12)


def test_five_steps_match_minigan_adam(student):
    rng = np.random.default_rng(0)
    w = mg.tensor(rng.standard_normal(4), requires_grad=True)
    opt = mg.optim.Adam([w], lr=0.05, betas=(0.5, 0.9), eps=1e-6)
    p, m, v = w.array.copy(), np.zeros(4), np.zeros(4)
    for step in range(1, 6):
        g = rng.standard_normal(4)
        w.grad = mg.tensor(g)
        opt.step()
        p, m, v = student.adam_step(p, g, m, v, step, lr=0.05, betas=(0.5, 0.9), eps=1e-6)
        np.testing.assert_allclose(p, w.array, rtol=1e-12, atol=1e-14)


def test_inputs_are_not_modified(student):
    p, g, m, v = np.ones(3), np.full(3, 0.5), np.full(3, 0.1), np.full(3, 0.2)
    copies = [a.copy() for a in (p, g, m, v)]
    student.adam_step(p, g, m, v, 3)
    for a, c in zip((p, g, m, v), copies):
        np.testing.assert_array_equal(a, c)
