"""Functional layers: linear, embedding, dropout, batch_norm (values, gradients, errors, PyTorch parity)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigan as mg
from minigan import functional as F


def f64(*shape, seed=0, requires_grad=True):
    rng = np.random.default_rng(seed)
    return mg.tensor(rng.standard_normal(shape), requires_grad=requires_grad)


def torch_of(t, requires_grad=True):
    torch = pytest.importorskip("torch")
    return torch.tensor(np.array(t.detach().numpy()), requires_grad=requires_grad)


# ----------------------------------------------------------------------------- linear


def test_linear_values_match_formula():
    x, w, b = f64(4, 3), f64(2, 3, seed=1), f64(2, seed=2)
    y = F.linear(x, w, b)
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy() @ w.detach().numpy().T + b.detach().numpy(), rtol=1e-12)
    assert F.linear(x, w).shape == (4, 2)


def test_linear_gradcheck_and_gradgradcheck():
    x, w, b = f64(3, 4), f64(2, 4, seed=1), f64(2, seed=2)
    assert mg.gradcheck(F.linear, (x, w, b))
    assert mg.gradgradcheck(F.linear, (x, w, b))


def test_linear_batched_input_gradcheck():
    x, w, b = f64(2, 3, 4), f64(2, 4, seed=1), f64(2, seed=2)
    assert F.linear(x, w, b).shape == (2, 3, 2)
    assert mg.gradcheck(F.linear, (x, w, b))
    assert mg.gradgradcheck(lambda x, w: F.linear(x, w), (x, w))


def test_linear_errors_name_the_shapes():
    w = f64(2, 4)
    with pytest.raises(ValueError, match=r"linear: weight expects 4 input features \(weight.shape\[1\]\), got input with last dimension 3"):
        F.linear(f64(5, 3), w)
    with pytest.raises(ValueError, match=r"linear: bias must have shape \(2,\) to match weight.shape\[0\], got \(3,\)"):
        F.linear(f64(5, 4), w, f64(3))
    with pytest.raises(ValueError, match=r"linear: weight must be 2-D"):
        F.linear(f64(5, 4), f64(4))


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    x, w, b = f64(5, 2, 4), f64(3, 4, seed=1), f64(3, seed=2)
    y = F.linear(x, w, b)
    y.backward(mg.tensor(np.ones(y.shape)))
    tx, tw, tb = torch_of(x), torch_of(w), torch_of(b)
    ty = torch.nn.functional.linear(tx, tw, tb)
    ty.backward(torch.ones_like(ty))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- embedding


def test_embedding_looks_up_rows_and_accumulates_repeated_indices():
    weight = f64(5, 3)
    indices = np.array([[0, 2], [2, 2]])
    out = F.embedding(indices, weight)
    np.testing.assert_array_equal(out.detach().numpy(), weight.detach().numpy()[indices])
    out.sum().backward()
    counts = np.array([1, 0, 3, 0, 0], dtype=float)[:, None] * np.ones((1, 3))
    np.testing.assert_array_equal(weight.grad.numpy(), counts)


def test_embedding_accepts_integer_tensors_and_rejects_floats():
    weight = f64(5, 3)
    out = F.embedding(mg.tensor([4, 1], dtype=mg.int64), weight)
    np.testing.assert_array_equal(out.detach().numpy(), weight.detach().numpy()[[4, 1]])
    assert F.embedding(mg.tensor([4, 1]), weight).shape == (2, 3)  # integer data is int64, as in PyTorch
    with pytest.raises(TypeError, match=r"embedding: indices must hold integers, got dtype float32 \(convert them with .long\(\)\)"):
        F.embedding(mg.tensor([4.0, 1.0]), weight)
    with pytest.raises(IndexError, match=r"embedding: index 5 is out of range for 5 embeddings"):
        F.embedding(np.array([0, 5]), weight)
    with pytest.raises(IndexError, match=r"embedding: index -1 is out of range"):
        F.embedding(np.array([-1]), weight)


def test_embedding_gradcheck_with_repeated_indices():
    indices = np.array([1, 3, 1, 1])
    weight = f64(4, 2)
    assert mg.gradcheck(lambda w: F.embedding(indices, w) ** 2, (weight,))
    assert mg.gradgradcheck(lambda w: F.embedding(indices, w) ** 2, (weight,))


def test_embedding_padding_idx_gets_no_gradient_but_is_looked_up():
    weight = f64(4, 2)
    out = F.embedding(np.array([0, 2, 2]), weight, padding_idx=2)
    np.testing.assert_array_equal(out.detach().numpy(), weight.detach().numpy()[[0, 2, 2]])
    out.sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy(), [[1, 1], [0, 0], [0, 0], [0, 0]])


def test_embedding_matches_torch():
    torch = pytest.importorskip("torch")
    weight = f64(6, 3)
    indices = np.array([[5, 0, 5], [1, 1, 2]])
    upstream = np.random.default_rng(3).standard_normal((2, 3, 3))
    out = F.embedding(indices, weight, padding_idx=1)
    out.backward(mg.tensor(upstream))
    tw = torch_of(weight)
    tout = torch.nn.functional.embedding(torch.from_numpy(indices), tw, padding_idx=1)
    tout.backward(torch.from_numpy(upstream))
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    np.testing.assert_allclose(weight.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- dropout


def test_dropout_is_inverted_and_reproducible():
    x = mg.ones(200, 100)
    mg.manual_seed(7)
    y = F.dropout(x, p=0.3)
    values = set(np.unique(y.numpy()).tolist())
    assert values == {0.0, np.float32(1 / 0.7).item()}
    kept = (y.numpy() != 0).mean()
    assert abs(kept - 0.7) < 0.01  # 20 000 draws: the standard deviation is 0.003
    assert y.dtype == np.float32
    mg.manual_seed(7)
    np.testing.assert_array_equal(F.dropout(x, p=0.3).numpy(), y.numpy())


def test_dropout_identity_and_extremes():
    x = f64(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    zeros = F.dropout(x, 1.0)
    np.testing.assert_array_equal(zeros.detach().numpy(), np.zeros((3, 4)))
    zeros.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((3, 4)))
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match=rf"dropout: probability p has to be between 0 and 1, got {p}"):
            F.dropout(x, p)


def test_dropout_gradient_is_the_mask():
    x = f64(50, 40)
    mg.manual_seed(1)
    y = F.dropout(x, 0.4)
    y.backward(mg.tensor(np.ones(y.shape)))
    mask = (y.detach().numpy() != 0) / 0.6
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-12)


def test_dropout_gradcheck_with_a_fixed_mask():
    def fixed_mask_dropout(x):
        mg.manual_seed(5)  # the same mask at every call
        return F.dropout(x, 0.5) ** 2

    x = f64(3, 4)
    assert mg.gradcheck(fixed_mask_dropout, (x,))
    assert mg.gradgradcheck(fixed_mask_dropout, (x,))


# ----------------------------------------------------------------------------- batch_norm


def _stats(shape, seed=0):
    rng = np.random.default_rng(seed)
    channels = shape[1]
    return rng.standard_normal(channels) * 0.5, rng.uniform(0.5, 2.0, channels)


def _reference_bn(x, mean, var, weight, bias, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * weight.reshape(shape) + bias.reshape(shape)


@pytest.mark.parametrize("shape", [(6, 3), (4, 2, 3, 3)])
def test_batch_norm_training_normalises_with_biased_batch_variance(shape):
    x = f64(*shape)
    weight, bias = f64(shape[1], seed=1), f64(shape[1], seed=2)
    dims = (0,) + tuple(range(2, len(shape)))
    y = F.batch_norm(x, None, None, weight, bias, training=True)
    data = x.detach().numpy()
    expected = _reference_bn(data, data.mean(dims), data.var(dims), weight.detach().numpy(), bias.detach().numpy())
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(6, 3), (4, 2, 3, 3)])
def test_batch_norm_updates_running_stats_with_unbiased_variance(shape):
    x = f64(*shape)
    mean0, var0 = _stats(shape)
    running_mean, running_var = mg.tensor(mean0.copy()), mg.tensor(var0.copy())
    F.batch_norm(x, running_mean, running_var, training=True, momentum=0.2)
    dims = (0,) + tuple(range(2, len(shape)))
    data = x.detach().numpy()
    np.testing.assert_allclose(running_mean.numpy(), 0.8 * mean0 + 0.2 * data.mean(dims), rtol=1e-12)
    np.testing.assert_allclose(running_var.numpy(), 0.8 * var0 + 0.2 * data.var(dims, ddof=1), rtol=1e-12)


def test_batch_norm_eval_uses_running_stats_and_leaves_them():
    x = f64(5, 3)
    mean, var = _stats((5, 3))
    running_mean, running_var = mg.tensor(mean.copy()), mg.tensor(var.copy())
    y = F.batch_norm(x, running_mean, running_var, training=False)
    np.testing.assert_allclose(y.detach().numpy(), _reference_bn(x.detach().numpy(), mean, var, np.ones(3), np.zeros(3)), rtol=1e-12)
    np.testing.assert_array_equal(running_mean.numpy(), mean)
    np.testing.assert_array_equal(running_var.numpy(), var)


@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 2, 3)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck_and_gradgradcheck(shape, training):
    x = f64(*shape)
    weight, bias = f64(shape[1], seed=1), f64(shape[1], seed=2)
    mean, var = _stats(shape)
    running_mean, running_var = mean.copy(), var.copy()

    def bn(x, weight, bias):
        return F.batch_norm(x, running_mean, running_var, weight, bias, training=training)

    assert mg.gradcheck(bn, (x, weight, bias))
    assert mg.gradgradcheck(bn, (x, weight, bias), atol=1e-4)


def test_batch_norm_without_affine_gradcheck():
    x = f64(4, 3)
    assert mg.gradcheck(lambda x: F.batch_norm(x, None, None, training=True) ** 2, (x,))
    assert mg.gradgradcheck(lambda x: F.batch_norm(x, None, None, training=True), (x,))


def test_batch_norm_double_backward_as_in_a_gradient_penalty():
    """d/dw of ||d out / d x||^2 through a training-mode batch norm equals torch's."""
    torch = pytest.importorskip("torch")
    x, weight, bias = f64(6, 3), f64(3, seed=1), f64(3, seed=2)
    out = (F.batch_norm(x, None, None, weight, bias, training=True) ** 3).sum()
    (gx,) = mg.grad(out, x, create_graph=True)
    (gx * gx).sum().backward()
    tx, tw, tb = torch_of(x), torch_of(weight), torch_of(bias)
    tout = (torch.nn.functional.batch_norm(tx, None, None, tw, tb, training=True) ** 3).sum()
    (tgx,) = torch.autograd.grad(tout, tx, create_graph=True)
    (tgx * tgx).sum().backward()
    np.testing.assert_allclose(gx.detach().numpy(), tgx.detach().numpy(), rtol=1e-9)
    np.testing.assert_allclose(weight.grad.numpy(), tw.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (4, 2, 3, 3)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch(shape, training):
    torch = pytest.importorskip("torch")
    x, weight, bias = f64(*shape), f64(shape[1], seed=1), f64(shape[1], seed=2)
    mean, var = _stats(shape)
    ours_mean, ours_var = mg.tensor(mean.copy()), mg.tensor(var.copy())
    theirs_mean, theirs_var = torch.tensor(mean.copy()), torch.tensor(var.copy())
    upstream = np.random.default_rng(9).standard_normal(shape)
    y = F.batch_norm(x, ours_mean, ours_var, weight, bias, training=training, momentum=0.3, eps=1e-3)
    y.backward(mg.tensor(upstream))
    tx, tw, tb = torch_of(x), torch_of(weight), torch_of(bias)
    ty = torch.nn.functional.batch_norm(tx, theirs_mean, theirs_var, tw, tb, training=training, momentum=0.3, eps=1e-3)
    ty.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, theirs in ((x, tx), (weight, tw), (bias, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours_mean.numpy(), theirs_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours_var.numpy(), theirs_var.numpy(), rtol=1e-12)


def test_batch_norm_errors():
    x = f64(4, 3)
    with pytest.raises(ValueError, match=r"batch_norm: input must be \(N, C\) or \(N, C, \*spatial\), got shape \(3,\)"):
        F.batch_norm(f64(3), None, None, training=True)
    with pytest.raises(ValueError, match=r"batch_norm: running_mean must have shape \(3,\) \(one per channel\), got \(4,\)"):
        F.batch_norm(x, mg.zeros(4), mg.ones(4))
    with pytest.raises(ValueError, match=r"batch_norm: weight must have shape \(3,\) \(one per channel\), got \(2,\)"):
        F.batch_norm(x, None, None, f64(2), training=True)
    with pytest.raises(ValueError, match=r"evaluation mode \(training=False\) needs running_mean and running_var"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match=r"expected more than 1 value per channel when training, got input shape \(1, 3\)"):
        F.batch_norm(f64(1, 3), None, None, training=True)


@given(st.integers(2, 5), st.integers(1, 4), st.floats(-3, 3), st.floats(0.1, 5))
def test_batch_norm_output_has_zero_mean_unit_variance(n, c, shift, scale):
    data = np.random.default_rng(n * 10 + c).standard_normal((n, c)) * scale + shift
    y = F.batch_norm(mg.tensor(data), None, None, training=True).numpy()
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-10)
    var = data.var(0)
    np.testing.assert_allclose(y.var(0), var / (var + 1e-5), rtol=1e-8)
