"""Exercise 30: the truncation trick."""

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_truncation


def test_psi_one_changes_nothing_and_zero_gives_the_average(student):
    ws, w_avg = mg.randn(4, 6, 5), mg.randn(5)
    np.testing.assert_allclose(student.truncate(ws, w_avg, 1.0).detach().numpy(), ws.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(student.truncate(ws, w_avg, 0.0).detach().numpy(),
                               np.broadcast_to(w_avg.numpy(), (4, 6, 5)), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("psi", [0.5, 0.7])
def test_values(student, psi):
    ws, w_avg = mg.randn(3, 6, 4), mg.randn(4)
    expected = w_avg.numpy() + psi * (ws.numpy() - w_avg.numpy())
    np.testing.assert_allclose(student.truncate(ws, w_avg, psi).detach().numpy(), expected, rtol=1e-10, atol=1e-12)


def test_cutoff_truncates_only_the_coarse_layers(student):
    ws, w_avg = mg.randn(2, 6, 3), mg.randn(3)
    before = ws.numpy().copy()
    out = student.truncate(ws, w_avg, 0.5, cutoff=2).detach().numpy()
    np.testing.assert_allclose(out[:, :2], w_avg.numpy() + 0.5 * (before[:, :2] - w_avg.numpy()), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(out[:, 2:], before[:, 2:])
    np.testing.assert_array_equal(ws.numpy(), before)          # ws itself is not changed
    np.testing.assert_allclose(student.truncate(ws, w_avg, 0.5, cutoff=6).detach().numpy(),
                               student.truncate(ws, w_avg, 0.5).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_gradient_reaches_ws_scaled_by_psi(student):
    ws = mg.randn(2, 4, 3, requires_grad=True)
    student.truncate(ws, mg.randn(3), 0.3, cutoff=1).sum().backward()
    expected = np.ones((2, 4, 3))
    expected[:, 0] = 0.3
    np.testing.assert_allclose(ws.grad.numpy(), expected, rtol=1e-10, atol=1e-12)
