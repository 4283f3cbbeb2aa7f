"""Losses and the softmax family: formulas, gradients (first and second order), errors, PyTorch parity."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigan as mg
from minigan import functional as F

REDUCTIONS = ["mean", "sum", "none"]


def f64(*shape, seed=0, requires_grad=True, low=None, high=None):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return mg.tensor(data, requires_grad=requires_grad)


def torch_of(t, requires_grad=True):
    torch = pytest.importorskip("torch")
    return torch.tensor(np.array(t.detach().numpy()), requires_grad=requires_grad)


def assert_parity(ours_fn, theirs_fn, inputs, rtol=1e-10, atol=1e-12):
    """Values and gradients (w.r.t. every input that requires grad) of ours_fn and theirs_fn agree."""
    torch = pytest.importorskip("torch")
    out = ours_fn(*inputs)
    t_inputs = [torch_of(x, x.requires_grad) if isinstance(x, mg.Tensor) else x for x in inputs]
    t_out = theirs_fn(*t_inputs)
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=rtol, atol=atol)
    upstream = np.random.default_rng(42).standard_normal(out.shape)
    out.backward(mg.tensor(upstream))
    t_out.backward(torch.from_numpy(upstream))
    for x, tx in zip(inputs, t_inputs):
        if isinstance(x, mg.Tensor) and x.requires_grad:
            np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- binary cross-entropy


def test_bce_formula_and_clamp_at_minus_100():
    x = mg.tensor([0.25, 0.9, 0.0, 1.0], dtype=mg.float64)
    y = mg.tensor([1.0, 0.0, 1.0, 0.0], dtype=mg.float64)
    losses = F.binary_cross_entropy(x, y, reduction="none").numpy()
    np.testing.assert_allclose(losses, [-np.log(0.25), -np.log(0.1), 100.0, 100.0], rtol=1e-12)
    assert F.binary_cross_entropy(x, y).item() == pytest.approx(losses.mean(), rel=1e-12)
    assert F.binary_cross_entropy(x, y, reduction="sum").item() == pytest.approx(losses.sum(), rel=1e-12)


def test_bce_gradient_is_finite_at_0_and_1():
    x = mg.tensor([0.0, 1.0, 0.5], dtype=mg.float64, requires_grad=True)
    y = mg.tensor([1.0, 0.0, 1.0], dtype=mg.float64)
    F.binary_cross_entropy(x, y, reduction="sum").backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1e12, 1e12, -2.0], rtol=1e-12)


def test_bce_gradcheck_and_gradgradcheck_with_weight():
    x = f64(3, 4, low=0.05, high=0.95)
    y = f64(3, 4, seed=1, low=0, high=1)
    w = f64(4, seed=2, low=0.5, high=2)
    for reduction in REDUCTIONS:
        def loss(x, y, w):
            return F.binary_cross_entropy(x, y, w, reduction=reduction)
        assert mg.gradcheck(loss, (x, y, w))
        assert mg.gradgradcheck(loss, (x, y, w))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    x = f64(5, 3, low=0.01, high=0.99)
    y = f64(5, 3, seed=1, low=0, high=1)
    w = f64(5, 1, seed=2, low=0.5, high=2, requires_grad=False)  # torch has no gradient for BCE's weight
    assert_parity(lambda x, y, w: F.binary_cross_entropy(x, y, w, reduction=reduction),
                  lambda x, y, w: torch.nn.functional.binary_cross_entropy(x, y, w, reduction=reduction),
                  (x, y, w))


def test_bce_matches_torch_at_the_boundaries():
    torch = pytest.importorskip("torch")
    x = mg.tensor([0.0, 1.0, 0.0, 1.0, 1e-30], dtype=mg.float64, requires_grad=True)
    y = mg.tensor([1.0, 0.0, 0.0, 1.0, 1.0], dtype=mg.float64)
    assert_parity(lambda x, y: F.binary_cross_entropy(x, y, reduction="sum"),
                  lambda x, y: torch.nn.functional.binary_cross_entropy(x, y, reduction="sum"), (x, y),
                  rtol=1e-8)  # gradients of size 1e12: the order of the operations shows


def test_bce_errors():
    x = mg.tensor([[0.5], [0.2]])
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target shape \(2,\) differs from input shape \(2, 1\)"):
        F.binary_cross_entropy(x, mg.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"every element of input must be a probability in \[0, 1\] \(got values from -0.5 to 0.5\); for logits use binary_cross_entropy_with_logits"):
        F.binary_cross_entropy(mg.tensor([-0.5, 0.5]), mg.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.binary_cross_entropy(x, x, reduction="avg")
    with pytest.raises(ValueError, match=r"binary_cross_entropy: weight of shape \(3,\) does not broadcast to input shape \(2, 1\)"):
        F.binary_cross_entropy(x, x, weight=mg.ones(3))


def test_bce_with_logits_equals_bce_of_sigmoid():
    x = f64(4, 3)
    y = f64(4, 3, seed=1, low=0, high=1)
    pos_weight = f64(3, seed=2, low=0.5, high=3)
    ours = F.binary_cross_entropy_with_logits(x, y, pos_weight=pos_weight, reduction="none").detach().numpy()
    p = 1 / (1 + np.exp(-x.detach().numpy()))
    expected = -(pos_weight.detach().numpy() * y.detach().numpy() * np.log(p) + (1 - y.detach().numpy()) * np.log(1 - p))
    np.testing.assert_allclose(ours, expected, rtol=1e-10)
    weighted = F.binary_cross_entropy_with_logits(x, y, weight=pos_weight, reduction="none").detach().numpy()
    plain = -(y.detach().numpy() * np.log(p) + (1 - y.detach().numpy()) * np.log(1 - p))
    np.testing.assert_allclose(weighted, pos_weight.detach().numpy() * plain, rtol=1e-10)


def test_bce_with_logits_is_stable_for_huge_logits():
    x = mg.tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    y = mg.tensor([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [0.0, 0.0, 1e4, 1e4], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 1.0, -1.0], atol=1e-6)
    assert np.isfinite(x.grad.numpy()).all()


def test_bce_with_logits_gradcheck_and_gradgradcheck():
    x, y = f64(3, 2), f64(3, 2, seed=1, low=0, high=1)
    w, pos_weight = f64(3, 1, seed=2, low=0.5, high=2), f64(2, seed=3, low=0.5, high=3)
    for reduction in REDUCTIONS:
        def loss(x, y, w, pos_weight):
            return F.binary_cross_entropy_with_logits(x, y, w, reduction=reduction, pos_weight=pos_weight)
        assert mg.gradcheck(loss, (x, y, w, pos_weight))
        assert mg.gradgradcheck(loss, (x, y, w, pos_weight))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    x = mg.tensor(np.random.default_rng(0).standard_normal((6, 3)) * 30, requires_grad=True)
    y = f64(6, 3, seed=1, low=0, high=1)
    # torch has no gradient for weight and pos_weight (ours do: see the gradcheck above)
    w = f64(6, 1, seed=2, low=0.5, high=2, requires_grad=False)
    pos_weight = f64(3, seed=3, low=0.5, high=3, requires_grad=False)
    assert_parity(
        lambda x, y, w, pw: F.binary_cross_entropy_with_logits(x, y, w, reduction=reduction, pos_weight=pw),
        lambda x, y, w, pw: torch.nn.functional.binary_cross_entropy_with_logits(
            x, y, w, reduction=reduction, pos_weight=pw),
        (x, y, w, pos_weight))


def test_bce_with_logits_errors():
    x = mg.zeros(4, 1)
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target shape \(4,\) differs from input shape \(4, 1\)"):
        F.binary_cross_entropy_with_logits(x, mg.zeros(4))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(2,\) does not broadcast to input shape \(4, 1\)"):
        F.binary_cross_entropy_with_logits(x, x, pos_weight=mg.ones(2))


@given(st.floats(-50, 50), st.sampled_from([0.0, 1.0]))
def test_bce_with_logits_is_accurate_for_hard_labels(logit, label):
    x = mg.tensor([logit], dtype=mg.float64)
    y = mg.tensor([label], dtype=mg.float64)
    ours = F.binary_cross_entropy_with_logits(x, y).item()
    expected = np.logaddexp(0, -logit) if label == 1 else np.logaddexp(0, logit)
    assert ours == pytest.approx(expected, rel=1e-12, abs=1e-15)


# ----------------------------------------------------------------------------- mse


def test_mse_loss_values_and_weighted_mean():
    x, y = mg.tensor([1.0, 2.0, 4.0]), mg.tensor([0.0, 2.0, 1.0])
    assert F.mse_loss(x, y).item() == pytest.approx(10 / 3)
    assert F.mse_loss(x, y, reduction="sum").item() == pytest.approx(10.0)
    np.testing.assert_allclose(F.mse_loss(x, y, reduction="none").numpy(), [1, 0, 9])
    w = mg.tensor([1.0, 1.0, 2.0])
    assert F.mse_loss(x, y, weight=w).item() == pytest.approx(19 / 4)


def test_mse_loss_gradcheck_and_gradgradcheck():
    x, y, w = f64(3, 2), f64(3, 2, seed=1), f64(3, 2, seed=2, low=0.5, high=2)
    for reduction in REDUCTIONS:
        assert mg.gradcheck(lambda x, y: F.mse_loss(x, y, reduction=reduction), (x, y))
        assert mg.gradgradcheck(lambda x, y, w: F.mse_loss(x, y, reduction=reduction, weight=w), (x, y, w))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_mse_loss_matches_torch(reduction, weighted):
    torch = pytest.importorskip("torch")
    x, y, w = f64(4, 3), f64(4, 3, seed=1), f64(4, 3, seed=2, low=0.5, high=2)
    if weighted:
        assert_parity(lambda x, y, w: F.mse_loss(x, y, reduction=reduction, weight=w),
                      lambda x, y, w: torch.nn.functional.mse_loss(x, y, reduction=reduction, weight=w), (x, y, w))
    else:
        assert_parity(lambda x, y: F.mse_loss(x, y, reduction=reduction),
                      lambda x, y: torch.nn.functional.mse_loss(x, y, reduction=reduction), (x, y))


def test_mse_loss_refuses_silent_broadcasting():
    with pytest.raises(ValueError, match=r"mse_loss: target shape \(5,\) differs from input shape \(5, 1\)"):
        F.mse_loss(mg.zeros(5, 1), mg.zeros(5))
    with pytest.raises(ValueError, match=r"mse_loss: weight shape \(5,\) differs from input shape \(5, 1\)"):
        F.mse_loss(mg.zeros(5, 1), mg.zeros(5, 1), weight=mg.ones(5))


# ----------------------------------------------------------------------------- softmax family


def test_softmax_and_log_softmax_are_stable_and_consistent():
    x = mg.tensor([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]], dtype=mg.float64)
    p = F.softmax(x, dim=1).numpy()
    e = np.exp([0.0, 1.0, 2.0])
    np.testing.assert_allclose(p[0], e / e.sum(), rtol=1e-12)
    np.testing.assert_allclose(p.sum(1), [1, 1], rtol=1e-12)
    log_p = F.log_softmax(x, dim=-1).numpy()
    np.testing.assert_allclose(log_p[1], [-2000.0, -1000.0, 0.0], rtol=1e-12)
    assert np.isfinite(log_p).all()


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family_gradcheck_and_gradgradcheck(dim):
    x = f64(3, 4)
    for fn in (F.softmax, F.log_softmax):
        assert mg.gradcheck(lambda x: fn(x, dim), (x,))
        assert mg.gradgradcheck(lambda x: fn(x, dim), (x,))


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_softmax_family_matches_torch(dim):
    torch = pytest.importorskip("torch")
    x = f64(2, 3, 4)
    assert_parity(lambda x: F.softmax(x, dim), lambda x: torch.softmax(x, dim), (x,))
    x = f64(2, 3, 4)
    assert_parity(lambda x: F.log_softmax(x, dim), lambda x: torch.log_softmax(x, dim), (x,))


# ----------------------------------------------------------------------------- nll_loss and cross_entropy


def test_cross_entropy_formula():
    logits = mg.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]], dtype=mg.float64)
    target = np.array([0, 1])
    log_p = logits.numpy() - np.log(np.exp(logits.numpy()).sum(1, keepdims=True))
    expected = -log_p[[0, 1], [0, 1]]
    np.testing.assert_allclose(F.cross_entropy(logits, target, reduction="none").numpy(), expected, rtol=1e-12)
    assert F.cross_entropy(logits, target).item() == pytest.approx(expected.mean(), rel=1e-12)
    assert F.nll_loss(F.log_softmax(logits, 1), target).item() == pytest.approx(expected.mean(), rel=1e-12)


def test_cross_entropy_accepts_integer_tensors_and_rejects_float_targets():
    logits = f64(2, 3)
    value = F.cross_entropy(logits, mg.tensor([2, 0], dtype=mg.int64)).item()
    assert value == pytest.approx(F.cross_entropy(logits, np.array([2, 0])).item(), rel=1e-15)
    assert F.cross_entropy(logits, mg.tensor([2, 0])).item() == value  # int64, as in PyTorch
    with pytest.raises(TypeError, match=r"cross_entropy: target \(class indices\) must hold integers, got dtype float32 \(convert them with .long\(\)\)"):
        F.cross_entropy(logits, mg.tensor([2.0, 0.0]))


def test_nll_loss_errors():
    log_p = f64(4, 3)
    with pytest.raises(ValueError, match=r"nll_loss: target must have shape \(4,\) for input of shape \(4, 3\) \(classes along dimension 1\), got target shape \(4, 1\)"):
        F.nll_loss(log_p, np.zeros((4, 1), dtype=int))
    with pytest.raises(IndexError, match=r"nll_loss: target 3 is out of bounds for 3 classes"):
        F.nll_loss(log_p, np.array([0, 1, 3, 2]))
    with pytest.raises(ValueError, match=r"nll_loss: weight must have shape \(3,\) \(one per class\), got \(2,\)"):
        F.nll_loss(log_p, np.array([0, 1, 2, 2]), weight=mg.ones(2))
    with pytest.raises(ValueError, match=r"cross_entropy: label_smoothing must be in \[0, 1\], got 1.5"):
        F.cross_entropy(log_p, np.array([0, 1, 2, 2]), label_smoothing=1.5)


def test_nll_loss_and_cross_entropy_gradcheck_and_gradgradcheck():
    x = f64(4, 3)
    target = np.array([2, 0, 1, 2])
    weight = np.array([0.5, 2.0, 1.0])
    for reduction in REDUCTIONS:
        assert mg.gradcheck(lambda x: F.nll_loss(x, target, weight, reduction=reduction), (x,))
        assert mg.gradcheck(lambda x: F.cross_entropy(x, target, weight, reduction=reduction), (x,))
        assert mg.gradgradcheck(lambda x: F.cross_entropy(x, target, reduction=reduction), (x,))
        assert mg.gradgradcheck(lambda x: F.log_softmax(x, 1), (x,))
    assert mg.gradgradcheck(lambda x: F.cross_entropy(x, target, weight, label_smoothing=0.1), (x,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [
    {},
    {"weight": [0.5, 2.0, 1.0, 3.0]},
    {"ignore_index": 1},
    {"weight": [0.5, 2.0, 1.0, 3.0], "ignore_index": 2},
    {"label_smoothing": 0.1},
    {"label_smoothing": 0.2, "weight": [0.5, 2.0, 1.0, 3.0], "ignore_index": 3},
])
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3, 2), (4,)])
def test_cross_entropy_and_nll_loss_match_torch(reduction, options, shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(shape))
    target = rng.integers(0, 4, (shape[0],) + shape[2:]) if len(shape) > 1 else np.array(1)
    if len(shape) > 1:
        target.reshape(-1)[:4] = [0, 1, 2, 3]  # every class, including the ignored one, appears
    ours = dict(options)
    theirs = dict(options)
    if "weight" in options:
        ours["weight"] = mg.tensor(options["weight"], dtype=mg.float64)
        theirs["weight"] = torch.tensor(options["weight"], dtype=torch.float64)
    x = f64(*shape)
    assert_parity(lambda x: F.cross_entropy(x, target, reduction=reduction, **ours),
                  lambda x: torch.nn.functional.cross_entropy(x, torch.from_numpy(target), reduction=reduction, **theirs),
                  (x,))
    if "label_smoothing" not in options:
        x = f64(*shape)
        assert_parity(lambda x: F.nll_loss(F.log_softmax(x, 1 if len(shape) > 1 else 0), target, reduction=reduction, **ours),
                      lambda x: torch.nn.functional.nll_loss(torch.log_softmax(x, 1 if len(shape) > 1 else 0),
                                                             torch.from_numpy(target), reduction=reduction, **theirs),
                      (x,))


def test_float32_losses_stay_float32():
    x = mg.randn(4, 3, requires_grad=True)
    for loss in (F.cross_entropy(x, np.array([0, 1, 2, 0])),
                 F.binary_cross_entropy_with_logits(x, mg.zeros(4, 3)),
                 F.binary_cross_entropy(F.sigmoid(x), mg.zeros(4, 3)),
                 F.mse_loss(x, mg.zeros(4, 3))):
        assert loss.dtype == np.float32 and loss.shape == ()
        loss.backward()
        assert x.grad.dtype == np.float32
