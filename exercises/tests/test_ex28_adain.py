"""Exercise 28: adaptive instance normalisation."""

import numpy as np
import pytest

import minigan as mg

pytestmark = pytest.mark.ex_adain


def _reference(x, style, eps=1e-5):
    n, c = x.shape[:2]
    mean = x.mean(axis=(2, 3), keepdims=True)
    var = x.var(axis=(2, 3), keepdims=True)
    s, b = style[:, :c].reshape(n, c, 1, 1), style[:, c:].reshape(n, c, 1, 1)
    return (1 + s) * (x - mean) / np.sqrt(var + eps) + b


@pytest.mark.parametrize("shape", [(2, 3, 4, 4), (1, 5, 3, 6)])
def test_values(student, shape):
    x, style = mg.randn(*shape) * 4 + 2, mg.randn(shape[0], 2 * shape[1])
    np.testing.assert_allclose(student.adain(x, style).detach().numpy(), _reference(x.numpy(), style.numpy()),
                               rtol=1e-10, atol=1e-12)


def test_the_output_statistics_come_from_the_style(student):
    x = mg.randn(3, 2, 8, 8) * 10 - 5
    style = mg.tensor(np.array([[0.5, -3.0, 1.0, 2.0]] * 3))     # s = (0.5, -3), b = (1, 2)
    y = student.adain(x, style, eps=0.0).detach().numpy()
    np.testing.assert_allclose(y.mean(axis=(2, 3)), [[1.0, 2.0]] * 3, atol=1e-10)
    np.testing.assert_allclose(y.std(axis=(2, 3)), [[1.5, 2.0]] * 3, rtol=1e-10)


def test_each_sample_is_normalised_alone(student):
    x, style = mg.randn(2, 3, 4, 4), mg.randn(2, 6)
    alone = student.adain(x[:1], style[:1]).detach().numpy()
    np.testing.assert_allclose(student.adain(x, style).detach().numpy()[:1], alone, rtol=1e-12)


def test_gradcheck(student):
    x, style = mg.randn(2, 2, 3, 3, requires_grad=True), mg.randn(2, 4, requires_grad=True)
    assert mg.gradcheck(student.adain, (x, style))


def test_gradgradcheck(student):
    x, style = mg.randn(1, 2, 3, 3, requires_grad=True), mg.randn(1, 4, requires_grad=True)
    assert mg.gradgradcheck(student.adain, (x, style))
