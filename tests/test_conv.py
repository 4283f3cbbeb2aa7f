"""Tests of the convolution family: im2col/col2im, conv2d, conv_transpose2d, conv2d_weight.

First and second derivatives are checked against central differences (float64), the layout of the
columns against a loop reference, and values and gradients against PyTorch when it is installed.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigan as mg
from minigan import functional as F
from minigan.ops.conv import col2im, col2im_loop, conv2d_weight, im2col, im2col_loop

# ----------------------------------------------------------------------------- helpers


def randn(rng, *shape, requires_grad=True, dtype=np.float64):
    return mg.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def conv_out(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def loop_im2col(x, k, s, p, d):
    """The layout contract, one element at a time (the loop in minigan/ops/conv.py)."""
    return im2col_loop(x, *map(pair, (k, s, p, d)))


def loop_col2im(cols, x_shape, k, s, p, d):
    """Its adjoint, scattering one element at a time."""
    return col2im_loop(cols, x_shape, *map(pair, (k, s, p, d)))


# (x_shape, kernel, stride, padding, dilation)
IM2COL_CASES = [
    ((1, 1, 4, 4), (2, 2), 1, 0, 1),
    ((2, 3, 5, 7), (3, 2), 2, 1, 1),
    ((1, 2, 6, 5), (2, 3), (3, 1), (2, 0), (1, 2)),
    ((2, 1, 7, 6), (3, 3), 1, 2, 2),
    ((3, 2, 3, 3), (1, 1), 2, 0, 1),
]


# ----------------------------------------------------------------------------- im2col / col2im


@pytest.mark.parametrize("x_shape, k, s, p, d", IM2COL_CASES)
def test_im2col_matches_loop_reference(x_shape, k, s, p, d):
    x = np.random.default_rng(1).standard_normal(x_shape)
    cols = im2col(x, k, s, p, d)
    expected = loop_im2col(x, k, s, p, d)
    assert cols.shape == expected.shape
    np.testing.assert_array_equal(cols, expected)


@pytest.mark.parametrize("x_shape, k, s, p, d", IM2COL_CASES)
def test_col2im_matches_loop_reference_and_is_adjoint(x_shape, k, s, p, d):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(x_shape)
    cols = rng.standard_normal(loop_im2col(x, k, s, p, d).shape)
    back = col2im(cols, x_shape, k, s, p, d)
    assert back.shape == x_shape
    np.testing.assert_allclose(back, loop_col2im(cols, x_shape, k, s, p, d), rtol=1e-12, atol=1e-12)
    # <im2col(x), c> == <x, col2im(c)>
    np.testing.assert_allclose(np.vdot(im2col(x, k, s, p, d), cols), np.vdot(x, back), rtol=1e-12)


def test_im2col_row_and_column_index_contract():
    """Row (c*kh + i)*kw + j, column (n*OH + oh)*OW + ow, read from x_padded[n, c, oh*s + i*d, ...]."""
    x = np.arange(2 * 3 * 6 * 7, dtype=np.float64).reshape(2, 3, 6, 7)
    cols = im2col(x, (3, 2), (2, 1), (1, 0), (1, 2))  # OH = 3, OW = 5
    c, i, j, n, oh, ow = 2, 1, 1, 1, 2, 4
    row, col = (c * 3 + i) * 2 + j, (n * 3 + oh) * 5 + ow
    assert cols.shape == (3 * 3 * 2, 2 * 3 * 5)
    assert cols[row, col] == x[n, c, oh * 2 + i * 1 - 1, ow * 1 + j * 2]


def test_im2col_reads_broadcast_views_and_leaves_input_alone():
    base = np.random.default_rng(3).standard_normal((1, 2, 4, 5))
    x = np.broadcast_to(base, (3, 2, 4, 5))  # read-only, zero stride on the batch axis
    for padding in (0, 1):
        cols = im2col(x, (2, 2), 1, padding, 1)
        np.testing.assert_array_equal(cols, loop_im2col(np.array(x), (2, 2), 1, padding, 1))
    cols = np.broadcast_to(np.ones((1, 1)), (2 * 2 * 2, 3 * 3 * 4))
    np.testing.assert_array_equal(col2im(cols, (3, 2, 4, 5), 2, 1, 0, 1),
                                  loop_col2im(np.array(cols), (3, 2, 4, 5), 2, 1, 0, 1))


# ----------------------------------------------------------------------------- gradient checks

# (N, C, O, H, W, kernel, stride, padding, dilation, bias)
CONV2D_CASES = [
    (1, 2, 3, 5, 7, (3, 2), 1, 0, 1, True),
    (2, 1, 2, 5, 7, (3, 3), 2, 1, 1, False),
    (1, 2, 2, 6, 5, (2, 3), 3, 2, 1, True),
    (1, 1, 2, 7, 6, (3, 2), (2, 1), (1, 0), 2, True),
    (2, 2, 1, 4, 4, (1, 1), 1, 0, 1, True),
    (1, 1, 1, 3, 3, (3, 3), 1, 2, 2, False),
]

# (N, C_in, C_out, H, W, kernel, stride, padding, output_padding, dilation, bias)
CONV_T_CASES = [
    (1, 2, 3, 3, 4, (3, 2), 1, 0, 0, 1, True),
    (2, 2, 1, 3, 2, (4, 4), 2, 1, 1, 1, False),
    (1, 1, 2, 2, 3, (3, 2), 3, 2, (2, 1), 1, True),
    (1, 2, 2, 3, 3, (2, 3), 1, 1, 1, 2, True),  # output_padding >= stride, < dilation
    (1, 1, 1, 2, 2, (3, 3), 2, 0, 0, 2, False),
]


@pytest.mark.parametrize("n, c, o, h, w, k, s, p, d, bias", CONV2D_CASES)
def test_conv2d_gradcheck_and_gradgradcheck(n, c, o, h, w, k, s, p, d, bias):
    rng = np.random.default_rng(4)
    x, weight = randn(rng, n, c, h, w), randn(rng, o, c, *k)
    inputs = (x, weight, randn(rng, o)) if bias else (x, weight)

    def fn(*args):
        return F.conv2d(*args, stride=s, padding=p, dilation=d)

    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("n, c, o, h, w, k, s, p, op, d, bias", CONV_T_CASES)
def test_conv_transpose2d_gradcheck_and_gradgradcheck(n, c, o, h, w, k, s, p, op, d, bias):
    rng = np.random.default_rng(5)
    x, weight = randn(rng, n, c, h, w), randn(rng, c, o, *k)
    inputs = (x, weight, randn(rng, o)) if bias else (x, weight)

    def fn(*args):
        return F.conv_transpose2d(*args, stride=s, padding=p, output_padding=op, dilation=d)

    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("n, c, o, h, w, k, s, p, d, bias", CONV2D_CASES)
def test_conv2d_weight_gradcheck_and_gradgradcheck(n, c, o, h, w, k, s, p, d, bias):
    rng = np.random.default_rng(6)
    kh, kw = k
    s2, p2, d2 = pair(s), pair(p), pair(d)
    oh, ow = conv_out(h, kh, s2[0], p2[0], d2[0]), conv_out(w, kw, s2[1], p2[1], d2[1])
    x, grad_output = randn(rng, n, c, h, w), randn(rng, n, o, oh, ow)

    def fn(x, grad_output):
        return conv2d_weight(x, (o, c, kh, kw), grad_output, stride=s, padding=p, dilation=d)

    assert mg.gradcheck(fn, (x, grad_output))
    assert mg.gradgradcheck(fn, (x, grad_output))


@st.composite
def conv_configs(draw):
    """A valid configuration of one of the three ops, with tiny tensors (gradcheck is O(n^2))."""
    kind = draw(st.sampled_from(["conv2d", "conv_transpose2d", "conv2d_weight"]))
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    if kind == "conv_transpose2d":
        p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
        op = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d))
        size = []
        for dim in range(2):
            smallest = 1  # the output must have at least one row and column
            while (smallest - 1) * s[dim] - 2 * p[dim] + d[dim] * (k[dim] - 1) + op[dim] + 1 < 1:
                smallest += 1
            size.append(draw(st.integers(smallest, smallest + 2)))
        return kind, n, c, o, tuple(size), k, s, p, op, d, draw(st.booleans())
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    size = tuple(draw(st.integers(max(1, d[i] * (k[i] - 1) + 1 - 2 * p[i]),
                                  max(1, d[i] * (k[i] - 1) + 1 - 2 * p[i]) + 3)) for i in range(2))
    return kind, n, c, o, size, k, s, p, (0, 0), d, draw(st.booleans())


@given(conv_configs(), st.integers(0, 2**16))
def test_gradients_of_random_configurations(config, seed):
    kind, n, c, o, (h, w), k, s, p, op, d, bias = config
    rng = np.random.default_rng(seed)
    if kind == "conv2d":
        inputs = (randn(rng, n, c, h, w), randn(rng, o, c, *k)) + ((randn(rng, o),) if bias else ())

        def fn(*args):
            return F.conv2d(*args, stride=s, padding=p, dilation=d)
    elif kind == "conv_transpose2d":
        inputs = (randn(rng, n, c, h, w), randn(rng, c, o, *k)) + ((randn(rng, o),) if bias else ())

        def fn(*args):
            return F.conv_transpose2d(*args, stride=s, padding=p, output_padding=op, dilation=d)
    else:
        grid = [conv_out(size, *geometry) for size, *geometry in zip((h, w), k, s, p, d)]
        inputs = (randn(rng, n, c, h, w), randn(rng, n, o, *grid))

        def fn(x, grad_output):
            return conv2d_weight(x, (o, c) + k, grad_output, stride=s, padding=p, dilation=d)

    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


def test_conv2d_backward_with_a_read_only_broadcast_gradient():
    """y.sum().backward() hands conv2d's backward a broadcast (read-only) gradient."""
    rng = np.random.default_rng(7)
    x, weight, bias = randn(rng, 2, 3, 5, 5), randn(rng, 4, 3, 3, 3), randn(rng, 4)
    x_before = x.detach().numpy().copy()
    F.conv2d(x, weight, bias, stride=2, padding=1).sum().backward()
    ones = np.ones((2, 4, 3, 3))
    np.testing.assert_allclose(bias.grad.numpy(), np.full(4, 18.0))
    np.testing.assert_allclose(weight.grad.numpy(), conv2d_weight(
        mg.tensor(x_before), weight.shape, mg.tensor(ones), stride=2, padding=1).numpy())
    np.testing.assert_array_equal(x.detach().numpy(), x_before)
    y = F.conv_transpose2d(x, randn(rng, 3, 2, 3, 3), stride=2, padding=1, output_padding=1)
    y.sum().backward()
    assert y.shape == (2, 2, 10, 10)


def test_non_contiguous_inputs_give_the_same_numbers():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3, 6, 5))
    w = rng.standard_normal((4, 3, 3, 2))
    x_t = mg.Tensor(np.ascontiguousarray(x.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2))  # a view
    w_t = mg.Tensor(np.asfortranarray(w))
    assert not x_t.array.flags.c_contiguous and not w_t.array.flags.c_contiguous
    for f, weight in ((F.conv2d, w), (F.conv_transpose2d, w.transpose(1, 0, 2, 3))):
        expected = f(mg.tensor(x), mg.tensor(weight), stride=2, padding=1).numpy()
        got = f(x_t, mg.Tensor(np.asfortranarray(weight)), stride=2, padding=1).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert F.conv2d(x_t, w_t, stride=[2, 1], padding=(np.int64(1), 0)).shape == (2, 4, 3, 4)


def test_shapes_and_dtypes():
    x = mg.randn(2, 3, 28, 28)
    y = F.conv2d(x, mg.randn(8, 3, 4, 4), mg.randn(8), stride=2, padding=1)
    assert y.shape == (2, 8, 14, 14) and y.dtype == np.float32 and y.array.flags.c_contiguous
    z = F.conv_transpose2d(y, mg.randn(8, 5, 4, 4), mg.randn(5), stride=2, padding=1)
    assert z.shape == (2, 5, 28, 28) and z.dtype == np.float32 and z.array.flags.c_contiguous
    gw = conv2d_weight(x, (8, 3, 4, 4), y, stride=2, padding=1)
    assert gw.shape == (8, 3, 4, 4) and gw.dtype == np.float32


# ----------------------------------------------------------------------------- PyTorch parity


def assert_close(actual, expected, rel):
    """max |actual - expected| <= rel * max |expected| (float32 sums cancel, so elementwise
    relative errors of tiny entries say little)."""
    actual = actual.detach().numpy() if isinstance(actual, mg.Tensor) else np.asarray(actual)
    expected = expected.detach().numpy() if hasattr(expected, "detach") else np.asarray(expected)
    assert actual.shape == expected.shape
    scale = np.abs(expected).max()
    assert np.abs(actual - expected.astype(actual.dtype)).max() <= rel * scale


PARITY_CASES = [  # (op, x_shape, weight_shape, stride, padding, output_padding, dilation)
    ("conv2d", (2, 3, 9, 8), (4, 3, 3, 2), 2, 1, 0, 1),
    ("conv2d", (3, 2, 7, 7), (5, 2, 4, 4), (1, 2), (2, 0), 0, (2, 1)),
    ("conv2d", (64, 1, 28, 28), (8, 1, 4, 4), 2, 1, 0, 1),
    ("conv_transpose2d", (2, 3, 4, 5), (3, 4, 4, 4), 2, 1, 1, 1),
    ("conv_transpose2d", (3, 2, 3, 3), (2, 5, 3, 2), (3, 1), (1, 0), (2, 0), (1, 2)),
    ("conv_transpose2d", (1, 2, 3, 3), (2, 2, 2, 3), 1, 1, 1, 2),
]


def _run_both(torch, op, x_shape, w_shape, s, p, op_pad, d, dtype, seed=8):
    """(minigan tensors x, w, b), (torch tensors), and the two ops as callables."""
    rng = np.random.default_rng(seed)
    out_channels = w_shape[0] if op == "conv2d" else w_shape[1]
    arrays = [rng.standard_normal(shape).astype(dtype) for shape in (x_shape, w_shape, (out_channels,))]
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    if op == "conv2d":
        def f_ours(x, w, b):
            return F.conv2d(x, w, b, stride=s, padding=p, dilation=d)

        def f_theirs(x, w, b):
            return torch.nn.functional.conv2d(x, w, b, stride=s, padding=p, dilation=d)
    else:
        def f_ours(x, w, b):
            return F.conv_transpose2d(x, w, b, stride=s, padding=p, output_padding=op_pad, dilation=d)

        def f_theirs(x, w, b):
            return torch.nn.functional.conv_transpose2d(x, w, b, stride=s, padding=p,
                                                        output_padding=op_pad, dilation=d)
    return ours, theirs, f_ours, f_theirs


@pytest.mark.torch
@pytest.mark.parametrize("dtype, rel", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("op, x_shape, w_shape, s, p, op_pad, d", PARITY_CASES)
def test_forward_and_gradients_match_pytorch(op, x_shape, w_shape, s, p, op_pad, d, dtype, rel):
    torch = pytest.importorskip("torch")
    ours, theirs, f_ours, f_theirs = _run_both(torch, op, x_shape, w_shape, s, p, op_pad, d, dtype)
    y, ty = f_ours(*ours), f_theirs(*theirs)
    assert_close(y, ty, rel)
    g = np.random.default_rng(9).standard_normal(y.shape).astype(dtype)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    for mine, reference in zip(ours, theirs):
        assert mine.grad.dtype == dtype
        assert_close(mine.grad, reference.grad, rel)


@pytest.mark.torch
@pytest.mark.parametrize("dtype, rel", [(np.float64, 1e-10), (np.float32, 1e-5)])
@pytest.mark.parametrize("op, x_shape, w_shape, s, p, op_pad, d", PARITY_CASES)
def test_gradient_penalty_double_backward_matches_pytorch(op, x_shape, w_shape, s, p, op_pad, d,
                                                          dtype, rel):
    """WGAN-GP: penalty = (||d critic / d x|| - 1)^2, differentiated with respect to the weights."""
    torch = pytest.importorskip("torch")
    ours, theirs, f_ours, f_theirs = _run_both(torch, op, x_shape, w_shape, s, p, op_pad, d, dtype)

    def penalty(lib, f, x, w, b, grad_fn):
        critic = (lib.tanh(f(x, w, b)) * 0.5).sum()  # a non-linearity, so d/dx depends on w
        (gx,) = grad_fn(critic, x)
        return ((gx * gx).sum().sqrt() - 1) ** 2, gx

    mine, gx = penalty(mg, f_ours, *ours, lambda out, x: mg.grad(out, x, create_graph=True))
    ref, tgx = penalty(torch, f_theirs, *theirs,
                       lambda out, x: torch.autograd.grad(out, x, create_graph=True))
    assert_close(gx, tgx, rel)
    assert_close(mine, ref, rel)
    mine.backward()
    ref.backward()
    for mine_t, ref_t in zip(ours, theirs):
        assert_close(mine_t.grad, ref_t.grad, rel)


@pytest.mark.torch
def test_conv2d_weight_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10)
    x, g = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((2, 4, 4, 2))
    ours = conv2d_weight(mg.tensor(x), (4, 3, 3, 3), mg.tensor(g), stride=(2, 3), padding=1, dilation=(1, 2))
    theirs = torch.nn.grad.conv2d_weight(torch.tensor(x), (4, 3, 3, 3), torch.tensor(g),
                                         stride=(2, 3), padding=1, dilation=(1, 2))
    assert_close(ours, theirs, 1e-12)


# ----------------------------------------------------------------------------- bad arguments


def test_errors_name_the_argument_and_both_values():
    x, w = mg.randn(2, 3, 8, 8), mg.randn(4, 3, 3, 3)
    with pytest.raises(ValueError, match=r"conv2d: weight expects 3 input channels \(weight.shape\[1\]\), "
                                         r"got input with 5 channels"):
        F.conv2d(mg.randn(2, 5, 8, 8), w)
    with pytest.raises(ValueError, match=r"conv_transpose2d: weight expects 4 input channels "
                                         r"\(weight.shape\[0\]\), got input with 3 channels"):
        F.conv_transpose2d(x, w)
    with pytest.raises(ValueError, match=r"conv2d_weight: weight_size expects 2 input channels "
                                         r"\(weight_size\[1\]\), got input with 3 channels"):
        conv2d_weight(x, (4, 2, 3, 3), mg.randn(2, 4, 6, 6))
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D input \(N, C, H, W\), got input of "
                                         r"shape \(3, 8, 8\)"):
        F.conv2d(mg.randn(3, 8, 8), w)
    with pytest.raises(ValueError, match=r"conv_transpose2d: expected a 4-D weight .* got weight of "
                                         r"shape \(3, 4, 3\)"):
        F.conv_transpose2d(x, mg.randn(3, 4, 3))
    with pytest.raises(ValueError, match=r"conv2d: kernel size \(3, 3\) \(with dilation \(3, 3\): "
                                         r"\(7, 7\)\) is larger than the padded input \(6, 6\) "
                                         r"\(input \(4, 4\), padding \(1, 1\)\)"):
        F.conv2d(mg.randn(1, 3, 4, 4), w, padding=1, dilation=3)
    with pytest.raises(ValueError, match=r"conv2d: padding must be non-negative, got padding=\(-1, 0\)"):
        F.conv2d(x, w, padding=(-1, 0))
    with pytest.raises(ValueError, match=r"conv_transpose2d: stride must be at least 1, got stride=\(0, 0\)"):
        F.conv_transpose2d(x, mg.randn(3, 2, 3, 3), stride=0)
    with pytest.raises(ValueError, match=r"conv2d: dilation must be at least 1, got dilation=\(1, 0\)"):
        F.conv2d(x, w, dilation=(1, 0))
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding must be smaller than either "
                                         r"stride or dilation, got output_padding=\(2, 2\), "
                                         r"stride=\(2, 2\), dilation=\(1, 1\)"):
        F.conv_transpose2d(x, mg.randn(3, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding must be non-negative"):
        F.conv_transpose2d(x, mg.randn(3, 2, 3, 3), output_padding=-1)
    with pytest.raises(ValueError, match=r"conv2d: bias must have shape \(4,\) \(one per output "
                                         r"channel\), got bias of shape \(3,\)"):
        F.conv2d(x, w, mg.randn(3))
    with pytest.raises(ValueError, match=r"conv_transpose2d: bias must have shape \(2,\) .* got bias "
                                         r"of shape \(3,\)"):
        F.conv_transpose2d(x, mg.randn(3, 2, 3, 3), mg.randn(3))
    with pytest.raises(ValueError, match=r"conv_transpose2d: the output size \(-1, -1\) is not positive"):
        F.conv_transpose2d(mg.randn(1, 3, 1, 1), mg.randn(3, 2, 1, 1), padding=1)
    with pytest.raises(ValueError, match=r"conv2d_weight: grad_output must have shape \(2, 4, 6, 6\) .* "
                                         r"got grad_output of shape \(2, 4, 5, 6\)"):
        conv2d_weight(x, (4, 3, 3, 3), mg.randn(2, 4, 5, 6))
    with pytest.raises(TypeError, match=r"conv2d: stride must be an int or a pair of ints, got 1.5"):
        F.conv2d(x, w, stride=1.5)


@given(n=st.integers(1, 2), c_in=st.integers(1, 3), c_out=st.integers(1, 3), h=st.integers(1, 6),
       w=st.integers(1, 6), k=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       s=st.tuples(st.integers(1, 3), st.integers(1, 3)), p=st.tuples(st.integers(0, 2), st.integers(0, 2)),
       d=st.tuples(st.integers(1, 2), st.integers(1, 2)), extra=st.tuples(st.integers(0, 2), st.integers(0, 2)))
def test_transposed_product_by_phase_matches_the_col2im_path(n, c_in, c_out, h, w, k, s, p, d, extra):
    """The speed path of conv_transpose2d (section 4 (e)) against columns + col2im."""
    from minigan.ops import conv

    output_padding = tuple(e % max(si, di) for e, si, di in zip(extra, s, d))
    out = tuple((size - 1) * si - 2 * pi + di * (ki - 1) + oi + 1
                for size, si, pi, di, ki, oi in zip((h, w), s, p, d, k, output_padding))
    if min(out) < 1:
        return
    rng = np.random.default_rng(0)
    x, weight = rng.standard_normal((n, c_in, h, w)), rng.standard_normal((c_in, c_out) + k)
    cols = weight.reshape(c_in, -1).T @ x.transpose(1, 0, 2, 3).reshape(c_in, -1)
    grid = conv.output_hw(out, k, s, p, d)
    cols = conv._pad_grid(cols.reshape(-1, n, h, w), grid).reshape(cols.shape[0], -1)
    expected = col2im(cols, (n, c_out) + out, k, s, p, d)
    np.testing.assert_allclose(conv._transposed_product_by_phase(x, weight, s, p, d, out), expected,
                               rtol=1e-12, atol=1e-12)
