"""Every core op: first and second derivatives against central differences (float64, hypothesis
shapes with broadcasting, size-0/size-1 axes and non-contiguous inputs), and values, gradients and
second derivatives against PyTorch when it is installed."""

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigan as mg
from minigan import functional as F
from strategies import NONEMPTY_SHAPES, SHAPES, arrays, broadcastable_pairs, noncontiguous, values

try:
    import torch
except ImportError:  # the parity tests skip; gradient checks still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the test oracle) is not installed")


@dataclass
class Op:
    """An op under test: how to call it in minigan and in PyTorch, and where its inputs live."""

    name: str
    mg_fn: Callable
    torch_fn: Callable | None
    low: float = -2.0
    high: float = 2.0
    kinks: tuple = ()  # points where the op is not differentiable: inputs stay away from them
    shapes: object = SHAPES
    second_order: bool = True  # False where the second derivative is a Dirac at a kink only
    extra: dict = field(default_factory=dict)


UNARY = [
    Op("neg", lambda x: -x, lambda x: -x),
    Op("exp", mg.exp, torch and torch.exp),
    Op("log", mg.log, torch and torch.log, low=0.2, high=3.0),
    Op("sqrt", mg.sqrt, torch and torch.sqrt, low=0.2, high=3.0),
    Op("abs", mg.abs, torch and torch.abs, kinks=(0.0,)),
    Op("clamp", lambda x: mg.clamp(x, -0.5, 0.7), torch and (lambda x: torch.clamp(x, -0.5, 0.7)), kinks=(-0.5, 0.7)),
    Op("clamp_min", lambda x: x.clamp(min=0.3), torch and (lambda x: x.clamp(min=0.3)), kinks=(0.3,)),
    Op("sigmoid", mg.sigmoid, torch and torch.sigmoid, low=-6, high=6),
    Op("tanh", mg.tanh, torch and torch.tanh),
    Op("relu", mg.relu, torch and torch.relu, kinks=(0.0,)),
    Op("leaky_relu", lambda x: F.leaky_relu(x, 0.2), torch and (lambda x: torch.nn.functional.leaky_relu(x, 0.2)), kinks=(0.0,)),
    Op("softplus", F.softplus, torch and torch.nn.functional.softplus, low=-5, high=5),
    Op("softplus_beta", lambda x: F.softplus(x, beta=2.0, threshold=3.0),
       torch and (lambda x: torch.nn.functional.softplus(x, beta=2.0, threshold=3.0)), kinks=(1.5,)),
    Op("logsigmoid", F.logsigmoid, torch and torch.nn.functional.logsigmoid, low=-6, high=6),
    Op("pow_3", lambda x: x ** 3, lambda x: x ** 3),
    Op("pow_half", lambda x: x ** 0.5, lambda x: x ** 0.5, low=0.2, high=3.0),
    Op("pow_neg", lambda x: x ** -1.5, lambda x: x ** -1.5, low=0.3, high=3.0),
    Op("rpow", lambda x: 2.0 ** x, lambda x: 2.0 ** x),
    Op("scalar_arith", lambda x: (3 - x) * 2 / 4 + 1 - x / 0.5, lambda x: (3 - x) * 2 / 4 + 1 - x / 0.5),
    Op("rdiv", lambda x: 1.0 / x, lambda x: 1.0 / x, low=0.3, high=3.0),
    Op("sum", lambda x: x.sum(), lambda x: x.sum()),
    Op("mean", lambda x: x.mean(), lambda x: x.mean(), shapes=NONEMPTY_SHAPES),
    Op("sum_last_keepdim", lambda x: x.sum(dim=-1, keepdim=True), lambda x: x.sum(dim=-1, keepdim=True), shapes=NONEMPTY_SHAPES),
    Op("mean_dim0", lambda x: x.mean(dim=0), lambda x: x.mean(dim=0), shapes=NONEMPTY_SHAPES),
    Op("var", lambda x: x.var(), lambda x: x.var(), shapes=NONEMPTY_SHAPES.filter(lambda s: int(np.prod(s)) > 1)),
    Op("amax", lambda x: x.amax(), lambda x: x.amax(), shapes=NONEMPTY_SHAPES),
    Op("amin_last", lambda x: x.amin(dim=-1), lambda x: x.amin(dim=-1), shapes=NONEMPTY_SHAPES),
    Op("max_dim0_values", lambda x: x.max(dim=0).values, lambda x: x.max(dim=0).values, shapes=NONEMPTY_SHAPES),
    Op("reshape_flat", lambda x: x.reshape(-1), lambda x: x.reshape(-1)),
    Op("T", lambda x: x.T, lambda x: x.permute(tuple(reversed(range(x.ndim))))),
    Op("transpose", lambda x: x.transpose(0, -1), lambda x: x.transpose(0, -1), shapes=NONEMPTY_SHAPES),
    Op("flatten", lambda x: x.flatten(), lambda x: x.flatten()),
    Op("unsqueeze_squeeze", lambda x: x.unsqueeze(0).squeeze(0) * x.unsqueeze(-1).squeeze(-1),
       lambda x: x.unsqueeze(0).squeeze(0) * x.unsqueeze(-1).squeeze(-1)),
    Op("getitem_basic", lambda x: x[..., ::2], lambda x: x[..., ::2], shapes=NONEMPTY_SHAPES),
    Op("getitem_repeated_ints", lambda x: x[np.array([0, 0, -1])], lambda x: x[torch.tensor([0, 0, -1])], shapes=NONEMPTY_SHAPES),
    Op("getitem_mask", lambda x: x[x.detach() > 0], lambda x: x[x.detach() > 0]),
    Op("pad", lambda x: F.pad(x, (1, 2)), lambda x: torch.nn.functional.pad(x, (1, 2)), shapes=NONEMPTY_SHAPES),
    Op("broadcast_to", lambda x: x.broadcast_to((2,) + x.shape), lambda x: x.broadcast_to((2,) + x.shape)),
    Op("cat_self", lambda x: mg.cat([x, 2 * x], dim=0), lambda x: torch.cat([x, 2 * x], dim=0), shapes=NONEMPTY_SHAPES),
    Op("stack_self", lambda x: mg.stack([x, x * x], dim=-1), lambda x: torch.stack([x, x * x], dim=-1)),
    Op("where_self", lambda x: mg.where(x.detach() > 0, x * x, 0.5 * x), lambda x: torch.where(x > 0, x * x, 0.5 * x), kinks=(0.0,)),
    # issue 27: the everyday idioms' ops
    Op("log1p", mg.log1p, torch and torch.log1p, low=-0.8, high=3.0),
    Op("rsqrt", mg.rsqrt, torch and torch.rsqrt, low=0.2, high=3.0),
    Op("square", mg.square, torch and torch.square),
    Op("sign_times_x", lambda x: mg.sign(x) * x, lambda x: torch.sign(x) * x, kinks=(0.0,)),
    Op("elu", F.elu, torch and torch.nn.functional.elu, kinks=(0.0,)),
    Op("elu_alpha", lambda x: F.elu(x, alpha=0.5), torch and (lambda x: torch.nn.functional.elu(x, alpha=0.5)), kinks=(0.0,)),
    Op("norm_fro", lambda x: mg.norm(x), lambda x: torch.norm(x), shapes=NONEMPTY_SHAPES, low=0.2, high=2.0),
    Op("norm_p1_dim", lambda x: x.norm(p=1, dim=-1), lambda x: x.norm(p=1, dim=-1), shapes=NONEMPTY_SHAPES, kinks=(0.0,)),
    Op("normalize", lambda x: F.normalize(x, dim=-1), lambda x: torch.nn.functional.normalize(x, dim=-1),
       shapes=NONEMPTY_SHAPES, low=0.2, high=2.0),
    Op("remainder_scalar", lambda x: x % 0.7, lambda x: x % 0.7, kinks=tuple(0.7 * k for k in range(-3, 4)),
       second_order=False),
    Op("maximum_scalar", lambda x: mg.maximum(x, mg.tensor(0.3, dtype=mg.float64)),
       lambda x: torch.maximum(x, torch.tensor(0.3, dtype=torch.float64)), kinks=(0.3,)),
    Op("t", lambda x: x.t(), lambda x: x.t(), shapes=(3, 2)),
    Op("expand_as", lambda x: x.expand_as(mg.zeros(2, 3, 1)), lambda x: x.expand_as(torch.zeros(2, 3, 1)), shapes=(3, 1)),
    Op("roll", lambda x: x.roll(1, 1), lambda x: x.roll(1, 1), shapes=(2, 3)),
    Op("roll_flat_two_dims", lambda x: mg.roll(x, (1, -1), (0, 1)) + x.roll(2),
       lambda x: torch.roll(x, (1, -1), (0, 1)) + x.roll(2), shapes=(2, 3)),
    Op("narrow", lambda x: x.narrow(1, 1, 2), lambda x: x.narrow(1, 1, 2), shapes=(2, 3)),
    Op("index_select", lambda x: x.index_select(1, mg.tensor([2, 0, 2])),
       lambda x: x.index_select(1, torch.tensor([2, 0, 2])), shapes=(2, 3)),
    Op("gather", lambda x: x.gather(1, mg.tensor([[0, 0], [2, 1]])), lambda x: x.gather(1, torch.tensor([[0, 0], [2, 1]])),
       shapes=(2, 3)),
    Op("scatter_src", lambda x: mg.zeros(2, 4, dtype=mg.float64).scatter(1, mg.tensor([[3, 0], [1, 2]]), x),
       lambda x: torch.zeros(2, 4, dtype=torch.float64).scatter(1, torch.tensor([[3, 0], [1, 2]]), x), shapes=(2, 2)),
    Op("scatter_into_x", lambda x: x.scatter(1, mg.tensor([[1], [0]]), -1.0),
       lambda x: x.scatter(1, torch.tensor([[1], [0]]), -1.0), shapes=(2, 3)),
    Op("scatter_add", lambda x: x.scatter_add(0, mg.tensor([[1, 1, 0]]), x[:1] * x[:1]),
       lambda x: x.scatter_add(0, torch.tensor([[1, 1, 0]]), x[:1] * x[:1]), shapes=(2, 3)),
    Op("masked_fill", lambda x: x.masked_fill(mg.tensor([True, False, True]), 0.5),
       lambda x: x.masked_fill(torch.tensor([True, False, True]), 0.5), shapes=(2, 3)),
    Op("einsum_trace_free", lambda x: mg.einsum("ij,kj->ik", x, x * x), lambda x: torch.einsum("ij,kj->ik", x, x * x), shapes=(2, 3)),
    Op("einsum_sum_one_index", lambda x: mg.einsum("bij->bj", x), lambda x: torch.einsum("bij->bj", x), shapes=(2, 2, 3)),
    Op("einsum_ellipsis", lambda x: mg.einsum("...i,i->...", x, x[0, 0]), lambda x: torch.einsum("...i,i->...", x, x[0, 0]),
       shapes=(2, 2, 3)),
    Op("mm_bmm", lambda x: x.mm(x.t()).unsqueeze(0).bmm(x.unsqueeze(0)),
       lambda x: x.mm(x.t()).unsqueeze(0).bmm(x.unsqueeze(0)), shapes=(2, 3)),
    Op("view_as_new_zeros", lambda x: x.view_as(x.new_zeros(3, 2)) + x.new_ones(3, 2),
       lambda x: x.view_as(x.new_zeros(3, 2)) + x.new_ones(3, 2), shapes=(2, 3)),
]

UNARY_IDS = [op.name for op in UNARY]


def _mg(x):
    return mg.Tensor(x, requires_grad=True)


def _torch(x):
    return torch.tensor(np.array(x), requires_grad=True)


@pytest.mark.parametrize("op", UNARY, ids=UNARY_IDS)
@given(data=st.data())
def test_unary_gradcheck(op, data):
    x = data.draw(arrays(op.shapes, op.low, op.high, op.kinks))
    assert mg.gradcheck(op.mg_fn, (_mg(x),))


@pytest.mark.parametrize("op", UNARY, ids=UNARY_IDS)
@given(data=st.data())
def test_unary_gradgradcheck(op, data):
    x = data.draw(arrays(op.shapes, op.low, op.high, op.kinks))
    assert mg.gradgradcheck(op.mg_fn, (_mg(x),))


def _compare_with_torch(mg_fn, torch_fn, inputs, rtol=1e-10, atol=1e-12):
    """Values, first derivatives (random upstream gradient) and second derivatives, float64."""
    mx = [_mg(x) for x in inputs]
    tx = [_torch(x) for x in inputs]
    my, ty = mg_fn(*mx), torch_fn(*tx)
    np.testing.assert_allclose(my.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=atol)
    upstream = np.random.default_rng(1).standard_normal(my.shape)
    mg_grads = mg.grad(my, mx, grad_outputs=mg.Tensor(upstream), create_graph=True, allow_unused=True)
    torch_grads = torch.autograd.grad(ty, tx, grad_outputs=torch.tensor(upstream), create_graph=True, allow_unused=True)
    for mgg, tg, x in zip(mg_grads, torch_grads, inputs):
        expected = np.zeros(x.shape) if tg is None else tg.detach().numpy()
        got = np.zeros(x.shape) if mgg is None else mgg.detach().numpy()
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    # second order: d/dx of <grad, w> for a fixed random w
    weights = [np.random.default_rng(2 + i).standard_normal(x.shape) for i, x in enumerate(inputs)]
    mg_pairs = [(g, w) for g, w in zip(mg_grads, weights) if g is not None and g.requires_grad]
    t_pairs = [(g, w) for g, w in zip(torch_grads, weights) if g is not None and g.requires_grad]
    if not mg_pairs or not t_pairs:
        return
    mg_inner = mg.stack([(g * mg.Tensor(w)).sum() for g, w in mg_pairs]).sum()
    t_inner = torch.stack([(g * torch.tensor(w)).sum() for g, w in t_pairs]).sum()
    mg_second = mg.grad(mg_inner, mx, allow_unused=True)
    t_second = torch.autograd.grad(t_inner, tx, allow_unused=True)
    for mgg, tg, x in zip(mg_second, t_second, inputs):
        expected = np.zeros(x.shape) if tg is None else tg.numpy(force=True)  # abs: a ZeroTensor
        got = np.zeros(x.shape) if mgg is None else mgg.numpy()
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


@needs_torch
@pytest.mark.parametrize("op", UNARY, ids=UNARY_IDS)
@given(data=st.data())
def test_unary_matches_torch(op, data):
    x = data.draw(arrays(op.shapes, op.low, op.high, op.kinks))
    _compare_with_torch(op.mg_fn, op.torch_fn, [x])


# ----------------------------------------------------------------------------- binary ops

BINARY = [
    Op("add", lambda a, b: a + b, lambda a, b: a + b),
    Op("sub", lambda a, b: a - b, lambda a, b: a - b),
    Op("mul", lambda a, b: a * b, lambda a, b: a * b),
    Op("div", lambda a, b: a / b, lambda a, b: a / b, extra={"b_low": 0.5}),
    Op("pow", lambda a, b: a ** b, lambda a, b: a ** b, low=0.3, high=2.0),
    Op("where", lambda a, b: mg.where(a.detach() > b.detach(), a * b, a - b),
       lambda a, b: torch.where(a > b, a * b, a - b)),
    Op("maximum", mg.maximum, torch and torch.maximum),
    Op("minimum", mg.minimum, torch and torch.minimum),
    Op("torch.max(a, b)", lambda a, b: mg.max(a, b) * mg.min(a, b), lambda a, b: torch.max(a, b) * torch.min(a, b)),
    Op("remainder", lambda a, b: a % b, lambda a, b: a % b, low=0.3, high=2.0, second_order=False),
]


def _binary_inputs(op, data):
    shape_a, shape_b = data.draw(broadcastable_pairs).input_shapes
    seed = data.draw(st.integers(0, 2**32 - 1))
    a = values(seed, shape_a, op.low, op.high)
    b_low = op.extra.get("b_low", op.low)
    b = values(seed + 1, shape_b, b_low, op.high)
    if op.name == "where":  # keep a and b apart so that a > b never flips under eps
        b = b + 0.1 * np.sign(b - 0.05 + 1e-9)
    if data.draw(st.booleans()):
        a = noncontiguous(a)
    return a, b


@pytest.mark.parametrize("op", BINARY, ids=[o.name for o in BINARY])
@given(data=st.data())
def test_binary_gradcheck_with_broadcasting(op, data):
    a, b = _binary_inputs(op, data)
    assert mg.gradcheck(op.mg_fn, (_mg(a), _mg(b)))
    assert mg.gradgradcheck(op.mg_fn, (_mg(a), _mg(b)))


@needs_torch
@pytest.mark.parametrize("op", BINARY, ids=[o.name for o in BINARY])
@given(data=st.data())
def test_binary_matches_torch(op, data):
    a, b = _binary_inputs(op, data)
    _compare_with_torch(op.mg_fn, op.torch_fn, [a, b])


# ----------------------------------------------------------------------------- matmul

@st.composite
def matmul_shapes(draw):
    """Shapes for a @ b: 1-D operands, plain matrices and broadcast batches, sides 1..3."""
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch_a = draw(st.sampled_from([(), (2,), (1,), (2, 1)]))
    batch_b = draw(st.sampled_from([(), (2,), (1,), (3, 1, 1)[-len(batch_a):] if batch_a else ()]))
    a = (k,) if draw(st.booleans()) and not batch_a else batch_a + (n, k)
    b = (k,) if draw(st.booleans()) and not batch_b else batch_b + (k, m)
    return a, b


@given(shapes=matmul_shapes(), seed=st.integers(0, 1000), strided=st.booleans())
def test_matmul_gradcheck(shapes, seed, strided):
    a, b = values(seed, shapes[0]), values(seed + 1, shapes[1])
    if strided:
        a = noncontiguous(a)
    assert mg.gradcheck(lambda x, y: x @ y, (_mg(a), _mg(b)))
    assert mg.gradgradcheck(lambda x, y: x @ y, (_mg(a), _mg(b)))


@needs_torch
@given(shapes=matmul_shapes(), seed=st.integers(0, 1000))
def test_matmul_matches_torch(shapes, seed):
    a, b = values(seed, shapes[0]), values(seed + 1, shapes[1])
    _compare_with_torch(lambda x, y: x @ y, lambda x, y: x @ y, [a, b])


def test_matmul_shape_mismatch_names_both_shapes():
    a, b = mg.ones(2, 3), mg.ones(4, 5)
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) do not match.*\(3\).*\(4\)"):
        a @ b


def test_an_outer_product_is_numpy_matmul_bit_for_bit_and_a_mismatch_still_raises():
    from minigan.ops.arithmetic import matmul_arrays

    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        a, b = rng.standard_normal((64, 1)).astype(dtype), rng.standard_normal((1, 300)).astype(dtype)
        out = matmul_arrays(a, b)
        assert out.dtype == dtype and out.shape == (64, 300) and out.flags.c_contiguous
        np.testing.assert_array_equal(out, np.matmul(a, b))
    with pytest.raises(ValueError, match="matmul"):
        matmul_arrays(np.ones((2, 1)), np.ones((3, 4)))  # (2, 1) x (3, 4): no broadcasting


def test_matmul_batch_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"batch dimensions of shapes \(2, 2, 3\) and \(3, 3, 1\)"):
        mg.ones(2, 2, 3) @ mg.ones(3, 3, 1)


# ----------------------------------------------------------------------------- several inputs


def test_cat_and_stack_gradients_reach_every_input():
    a = _mg(values(0, (2, 3)))
    b = _mg(values(1, (1, 3)))
    assert mg.gradcheck(lambda a, b: mg.cat([a, b, a], dim=0), (a, b))
    assert mg.gradgradcheck(lambda a, b: mg.stack([a[0], b[0] * a[1]], dim=1), (a, b))


@needs_torch
def test_cat_stack_pad_match_torch():
    a, b = values(0, (2, 3, 2)), values(1, (2, 1, 2))
    _compare_with_torch(lambda a, b: mg.cat([a, b * b], dim=1), lambda a, b: torch.cat([a, b * b], dim=1), [a, b])
    _compare_with_torch(lambda a, b: F.pad(a, (1, 0, 2, 1), value=0.5) * 2,
                        lambda a, b: torch.nn.functional.pad(a, (1, 0, 2, 1), value=0.5) * 2, [a, b])
    _compare_with_torch(lambda a, b: mg.stack([a[:, :1], b], dim=0).sum(0),
                        lambda a, b: torch.stack([a[:, :1], b], dim=0).sum(0), [a, b])


def test_sum_to_is_the_adjoint_of_broadcast_to():
    x = mg.tensor(values(0, (2, 1, 3)), dtype=np.float64)
    y = mg.tensor(values(1, (4, 2, 5, 3)), dtype=np.float64)
    lhs = (x.broadcast_to(4, 2, 5, 3) * y).sum().item()
    rhs = (x * y.sum_to((2, 1, 3))).sum().item()
    assert lhs == pytest.approx(rhs, rel=1e-12)
    with pytest.raises(ValueError, match=r"sum_to: shape \(3, 2\) cannot be broadcast to shape \(2, 3\)"):
        mg.ones(2, 3).sum_to((3, 2))


# ----------------------------------------------------------------------------- stability


def test_sigmoid_softplus_logsigmoid_are_finite_for_huge_inputs():
    x = mg.tensor([-1e4, -100.0, 0.0, 100.0, 1e4], requires_grad=True)
    for fn in (mg.sigmoid, F.softplus, F.logsigmoid):
        y = fn(x)
        y.sum().backward()
        assert np.all(np.isfinite(y.detach().numpy())), fn
        assert np.all(np.isfinite(x.grad.numpy())), fn
        x.grad = None
    np.testing.assert_allclose(mg.sigmoid(x).detach().numpy(), [0, np.exp(-100.0), 0.5, 1, 1], rtol=1e-6, atol=1e-45)
    np.testing.assert_allclose(F.softplus(x).detach().numpy(), [0, 0, np.log(2), 100, 1e4], atol=1e-6)
    np.testing.assert_allclose(F.logsigmoid(x).detach().numpy(), [-1e4, -100, -np.log(2), 0, 0], atol=1e-6)


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.2, 1.0, -0.5, 1.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_leaky_relu_values_and_gradient_match_pytorch_for_every_slope(slope, dtype):
    """Both ways of ops/elementwise.LeakyReLU: max(a, s*a) and the max(mask, s) slope for 0 <= s <= 1,
    where() otherwise; zeros and both signs in the input, exact equality with PyTorch."""
    torch = pytest.importorskip("torch")
    a = np.array([[-2.0, -0.5, 0.0, 0.25, 3.0], [-0.0, 1.0, -1.0, 2.0, -3.0]], dtype=dtype)
    g = np.arange(1, 11, dtype=dtype).reshape(2, 5) / 4
    x = mg.tensor(a, requires_grad=True)
    y = F.leaky_relu(x, slope)
    y.backward(mg.tensor(g))
    tx = torch.tensor(a, requires_grad=True)
    ty = torch.nn.functional.leaky_relu(tx, slope)
    ty.backward(torch.tensor(g))
    assert y.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_array_equal(y.array, ty.detach().numpy())
    np.testing.assert_array_equal(x.grad.array, tx.grad.numpy())


@pytest.mark.parametrize("grad_value", [1.5, -1.5, np.inf, np.nan])
def test_relu_gradient_is_exactly_positive_zero_where_the_input_is_not_positive(grad_value):
    """PiecewiseSlope with a mask: the product with a 0/1 mask when grad is finite, where() when
    it is not; both give +0.0 (not -0.0, not nan from 0 * inf) where the mask is False."""
    x = mg.tensor(np.array([-1.0, 0.0, 2.0], dtype=np.float32), requires_grad=True)
    mg.relu(x).backward(mg.tensor(np.full(3, grad_value, dtype=np.float32)))
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.array[:2], [0.0, 0.0])
    assert not np.signbit(x.grad.array[:2]).any()
    np.testing.assert_array_equal(x.grad.array[2], grad_value)
