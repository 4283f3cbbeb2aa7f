"""Every op's fast path against its reference (minigan/fast_paths.py): the same values, first and
second derivatives, on the cases each fast path was written for and on the ones it hands back."""

import functools

import numpy as np
import pytest

import minigan as mg
from minigan import functional as F
from minigan.autograd import Function
from minigan.ops import arithmetic, conv, elementwise, linear, norm, padding
from minigan.ops import shape as shape_ops


def randn(rng, *shape, requires_grad=True):
    return mg.tensor(rng.standard_normal(shape), dtype=mg.float64, requires_grad=requires_grad)


def run(fn, inputs, seed=1):
    """fn's value, its first derivatives for a random grad_output, and the derivative of their
    weighted sum again (second order), as NumPy arrays."""
    out = fn(*inputs)
    v = mg.tensor(np.random.default_rng(seed).standard_normal(out.shape))
    firsts = mg.grad(out, inputs, grad_outputs=v, create_graph=True, allow_unused=True)
    used = [(g, t) for g, t in zip(firsts, inputs) if g is not None]
    total = sum((g * mg.tensor(np.random.default_rng(seed + 1).standard_normal(g.shape))).sum() for g, _ in used)
    seconds = mg.grad(total, [t for _, t in used], allow_unused=True) if total.requires_grad else []
    return ([out.detach().numpy()] + [g.detach().numpy() for g, _ in used]
            + [g.numpy() for g in seconds if g is not None])


def same_both_ways(fn, inputs):
    with mg.fast_paths(True):
        fast = run(fn, inputs)
    with mg.fast_paths(False):
        reference = run(fn, inputs)
    assert len(fast) == len(reference)
    for a, b in zip(fast, reference):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def backward_only_both_ways(fn, inputs):
    """The first derivatives of a plain backward (create_graph=False: the fast backwards on raw arrays)."""
    results = []
    for flag in (True, False):
        with mg.fast_paths(flag):
            out = fn(*inputs)
            results.append(mg.grad(out.sum(), inputs))
    for a, b in zip(*results):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


rng = np.random.default_rng(0)
CASES = {
    linear.LinearFunction: lambda: (F.linear, (randn(rng, 5, 3), randn(rng, 2, 3), randn(rng, 2))),
    norm.BatchNorm: lambda: (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                             (randn(rng, 4, 3, 2, 2), randn(rng, 3), randn(rng, 3))),
    elementwise.Where: lambda: (lambda a, b: elementwise.where(a.detach() > 0, a, b) * a,
                                (randn(rng, 4, 5), randn(rng, 1, 5))),
    elementwise.PiecewiseSlope: lambda: (lambda x: F.relu(x) * x, (randn(rng, 4, 5),)),
    elementwise.LeakyReLU: lambda: (lambda x: F.leaky_relu(x, 0.2) * x, (randn(rng, 4, 5),)),
    conv.Conv2dFunction: lambda: (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
                                  (randn(rng, 2, 3, 6, 6), randn(rng, 4, 3, 3, 3), randn(rng, 4))),
    conv.ConvTranspose2dFunction: lambda: (lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1),
                                           (randn(rng, 2, 3, 4, 4), randn(rng, 3, 2, 4, 4), randn(rng, 2))),
    padding.Pad: lambda: (lambda x: F.pad(x, (1, 2, 2, 1), "reflect"), (randn(rng, 2, 3, 4, 5),)),
    conv.Conv2dWeightGrad: lambda: (lambda x, g: conv.conv2d_weight(x, (4, 3, 3, 3), g, stride=2, padding=1),
                                    (randn(rng, 2, 3, 6, 6), randn(rng, 2, 4, 3, 3))),
    # backwards on raw arrays (backward_on_arrays): broadcast operands, so that sum_to has work
    arithmetic.Add: lambda: (lambda a, b: (a + b) * a, (randn(rng, 4, 5), randn(rng, 1, 5))),
    arithmetic.Sub: lambda: (lambda a, b: (a - b) * a, (randn(rng, 4, 5), randn(rng, 5))),
    arithmetic.Mul: lambda: (lambda a, b: a * b * a, (randn(rng, 4, 5), randn(rng, 4, 1))),
    arithmetic.Div: lambda: (lambda a, b: a / (b * b + 1), (randn(rng, 4, 5), randn(rng, 1, 5))),
    arithmetic.Neg: lambda: (lambda a: -a * a, (randn(rng, 4, 5),)),
    elementwise.Exp: lambda: (lambda a: mg.exp(a), (randn(rng, 4, 5),)),
    elementwise.Log: lambda: (lambda a: mg.log(a * a + 1), (randn(rng, 4, 5),)),
    elementwise.Sqrt: lambda: (lambda a: mg.sqrt(a * a + 1), (randn(rng, 4, 5),)),
    elementwise.Sigmoid: lambda: (lambda a: mg.sigmoid(a), (randn(rng, 4, 5),)),
    elementwise.Tanh: lambda: (lambda a: mg.tanh(a), (randn(rng, 4, 5),)),
    elementwise.ReLU: lambda: (lambda a: F.relu(a) * a, (randn(rng, 4, 5),)),
    elementwise.Softplus: lambda: (lambda a: F.softplus(a, beta=2.0, threshold=1.0), (randn(rng, 4, 5),)),
    shape_ops.Reshape: lambda: (lambda a, b: a.reshape(5, 4) * b, (randn(rng, 4, 5), randn(rng, 5, 4))),
    shape_ops.Permute: lambda: (lambda a, b: a.permute(1, 0) * b, (randn(rng, 4, 5), randn(rng, 5, 4))),
    shape_ops.BroadcastTo: lambda: (lambda a, b: a.broadcast_to(3, 4, 5) * b, (randn(rng, 4, 1), randn(rng, 3, 4, 5))),
    shape_ops.SumTo: lambda: (lambda a, b: a.sum_to((1, 5)) * b, (randn(rng, 4, 5), randn(rng, 1, 5))),
    shape_ops.Sum: lambda: (lambda a: (a * a).sum(dim=1), (randn(rng, 4, 5),)),
    shape_ops.Mean: lambda: (lambda a: (a * a).mean(dim=0, keepdim=True), (randn(rng, 4, 5),)),
}


def functions_with_fast_paths():
    found, todo = [], list(Function.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.fast_forward is not None or cls.fast_backward is not None:
            found.append(cls)
    return found


def test_every_fast_path_has_a_case_here():
    assert sorted(c.__name__ for c in functions_with_fast_paths()) == sorted(c.__name__ for c in CASES)


@pytest.mark.parametrize("function", list(CASES), ids=lambda c: c.__name__)
def test_fast_path_equals_reference_to_second_order(function):
    fn, inputs = CASES[function]()
    same_both_ways(fn, inputs)
    backward_only_both_ways(fn, inputs)


@pytest.mark.parametrize("function", list(CASES), ids=lambda c: c.__name__)
def test_the_reference_code_passes_gradcheck_and_gradgradcheck(function):
    fn, inputs = CASES[function]()
    with mg.fast_paths(False):
        assert mg.gradcheck(fn, inputs)
        assert mg.gradgradcheck(fn, inputs)


ON_ARRAYS = [c for c in CASES if getattr(c.fast_backward, "__wrapped__", None) is not None]


def plain_backward(fn, inputs, fast):
    """fn's value and the gradients of a plain backward (create_graph=False) with a random
    grad_output, as NumPy arrays."""
    with mg.fast_paths(fast):
        out = fn(*inputs)
        v = mg.tensor(np.random.default_rng(2).standard_normal(out.shape).astype(out.dtype))
        grads = mg.grad(out, inputs, grad_outputs=v, allow_unused=True)
    return [out.detach().numpy()] + [g.numpy() for g in grads if g is not None]


def assert_same_bits(fast, reference):
    assert len(fast) == len(reference)
    for a, b in zip(fast, reference):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("function", ON_ARRAYS, ids=lambda c: c.__name__)
def test_backwards_on_raw_arrays_give_the_references_numbers_bit_for_bit(function, dtype):
    """backward_on_arrays: the same NumPy operations in the same order as the Tensor-op reference."""
    fn, inputs = CASES[function]()
    inputs = [t.detach().astype(dtype).requires_grad_() for t in inputs]
    assert_same_bits(plain_backward(fn, inputs, True), plain_backward(fn, inputs, False))


def test_the_engine_chain_and_shared_gradients_give_the_references_numbers_bit_for_bit():
    """benchmarks/run.py's chain (numbers as operands: saved as they are) and a tensor used twice
    (its gradients added on raw arrays), float32, to first order; a leaf's .grad accumulated over
    two backward() calls."""
    def chain(x):
        for _ in range(5):
            x = (x * 1.01 + 0.1).tanh() - 0.05
        return x

    x = randn(rng, 8, 8).detach().float().requires_grad_()
    assert_same_bits(plain_backward(chain, [x], True), plain_backward(chain, [x], False))
    assert_same_bits(plain_backward(lambda a: a * a + a / 3, [x], True),
                     plain_backward(lambda a: a * a + a / 3, [x], False))
    grads = []
    for flag in (True, False):
        x.grad = None
        with mg.fast_paths(flag):
            for _ in range(2):
                (chain(x) * x).sum().backward()
        grads.append([x.grad.numpy()])
    assert_same_bits(*grads)


@pytest.mark.parametrize("function", ON_ARRAYS, ids=lambda c: c.__name__)
def test_a_recorded_backward_runs_the_reference_not_the_raw_arrays(function, monkeypatch):
    """create_graph=True: the Tensor-op backward (which can be differentiated again) runs; a plain
    backward runs the raw arrays' one."""
    calls = []
    reference = function.backward
    monkeypatch.setattr(function, "backward", staticmethod(
        lambda ctx, *g: calls.append("reference") or reference(ctx, *g)))
    fn, inputs = CASES[function]()
    with mg.fast_paths(True):
        mg.grad(fn(*inputs).sum(), inputs, create_graph=True, allow_unused=True)
        assert "reference" in calls
        calls.clear()
        mg.grad(fn(*inputs).sum(), inputs, allow_unused=True)
        assert calls == []


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_maximum_with_number_is_numpys_maximum_bit_for_bit(dtype):
    """nan, -0.0 and infinities as np.maximum(a, number) gives them, below and above the size
    from which the number becomes an array (ReLU's forward, LeakyReLU's slope)."""
    r = np.random.default_rng(9)
    special = (np.array([np.nan, -0.0, 0.0, np.inf, -np.inf, 0.2, -2.0, 3.0]).astype(dtype)
               if np.dtype(dtype).kind == "f" else np.array([0, -1, 2, -2, 3], dtype=dtype))
    for size in (7, elementwise.MAXIMUM_WITH_ARRAY_FROM, 3 * elementwise.MAXIMUM_WITH_ARRAY_FROM + 1):
        a = r.choice(special, size)
        for number in (0, 0.2):
            if dtype == np.int64 and number == 0.2:
                continue
            expected = np.maximum(a, number)
            fast = elementwise.maximum_with_number(a, number)
            assert fast.dtype == expected.dtype and fast.tobytes() == expected.tobytes()
            out = a.copy()
            assert elementwise.maximum_with_number(out, number, out=out) is out
            assert out.tobytes() == expected.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_and_leaky_relu_on_large_inputs_give_the_references_numbers_bit_for_bit(dtype):
    x = mg.tensor(np.random.default_rng(10).standard_normal((3, elementwise.MAXIMUM_WITH_ARRAY_FROM))
                  .astype(dtype), requires_grad=True)
    for fn in (F.relu, lambda t: F.leaky_relu(t, 0.2)):
        assert_same_bits(plain_backward(fn, [x], True), plain_backward(fn, [x], False))


def test_fast_paths_hand_back_what_they_do_not_cover():
    x = randn(rng, 3, 4)
    same_both_ways(lambda t: F.leaky_relu(t, 1.5), (x,))       # a slope outside [0, 1]
    same_both_ways(lambda t: F.leaky_relu(t, -0.3), (x,))
    xs = randn(rng, 2, 3, 4, 4)
    w1 = randn(rng, 3, 1, 3, 3)                                  # one output channel: no phases
    same_both_ways(lambda t, w: F.conv_transpose2d(t, w, stride=2), (xs, w1))
    running = (mg.zeros(3, dtype=mg.float64), mg.ones(3, dtype=mg.float64))
    same_both_ways(lambda t: F.batch_norm(t, *running, training=False), (xs[:, :, 0, 0],))


@pytest.mark.parametrize("shape", [(4, 3, 5, 6), (2, 5, 7), (3, 2, 1, 1), (0, 3, 4, 4), (2, 0, 3, 3)])
def test_by_channel_is_broadcasting_one_number_per_channel_bit_for_bit(shape):
    """BatchNorm's per-channel ops as a row repeated C*H*W long: np.subtract / multiply / add with
    v broadcast as (1, C, 1, ...), in float32, float64 and the two mixed, in place or not, and on
    inputs it hands back to broadcasting (non-contiguous, empty)."""
    r = np.random.default_rng(11)
    for x_dtype, v_dtype in ((np.float32, np.float32), (np.float64, np.float64), (np.float32, np.float64)):
        x = r.standard_normal(shape).astype(x_dtype)
        v = r.standard_normal(shape[1]).astype(v_dtype)
        for op in (np.subtract, np.multiply, np.add):
            expected = op(x, v.reshape((1, -1) + (1,) * (x.ndim - 2)))
            got = norm._by_channel(op, x, v.reshape((1, -1) + (1,) * (x.ndim - 2)))
            assert got.dtype == expected.dtype and got.shape == expected.shape
            assert got.tobytes() == expected.tobytes()
            strided = x[:, :, ::-1]                             # not contiguous: broadcasting
            assert norm._by_channel(op, strided, v).tobytes() == op(
                strided, v.reshape((1, -1) + (1,) * (x.ndim - 2))).tobytes()
            if x_dtype == v_dtype:
                inside = x.copy()
                assert norm._by_channel(op, inside, v, in_place=True).tobytes() == expected.tobytes()
                assert inside.tobytes() == expected.tobytes()     # written into x itself


def test_batch_last_columns_give_the_reference_numbers():
    """Speed (f) of minigan/ops/conv.py: where the batch is long and the kernel overlaps, the fast
    paths order the columns (row, column, image); every op built on them, to second order."""
    x, w = randn(rng, 16, 3, 6, 6), randn(rng, 4, 3, 4, 4)
    assert conv._batch_last(x.array, w.shape, (2, 2), (1, 1))                 # the case is covered
    assert not conv._batch_last(x.array[:4], w.shape, (2, 2), (1, 1))         # 4 images: rows longer
    b = randn(rng, 4)
    for fn, inputs in [
        (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), (x, w, b)),
        (lambda x, w: F.conv2d(x, w, padding=1), (x, randn(rng, 2, 3, 3, 3))),
        (lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1), (randn(rng, 16, 4, 3, 3), w)),
        (lambda x, g: conv.conv2d_weight(x, (4, 3, 4, 4), g, stride=2, padding=1),
         (x, randn(rng, 16, 4, 3, 3))),
    ]:
        same_both_ways(fn, inputs)
        backward_only_both_ways(fn, inputs)


@pytest.mark.parametrize("dtypes", [(np.float32, np.float32), (np.float64, np.float64),
                                    (np.float32, np.float64)])
def test_one_input_channel_tap_by_tap_is_the_whole_product_bit_for_bit(dtypes):
    """Speed (e) of minigan/ops/conv.py with one input channel (a convolution's input gradient where
    it has one output channel): each tap's block computed when asked for is the block of the
    whole product weight^T @ x_rows, bit for bit, also for -0.0, inf and nan; with more input
    channels the blocks are the product's own."""
    r = np.random.default_rng(12)
    x_dtype, w_dtype = dtypes
    for c_in in (1, 3):
        x_rows = r.standard_normal((c_in, 50)).astype(x_dtype)
        x_rows[0, :4] = [-0.0, np.inf, np.nan, 1e-40]
        weight = r.standard_normal((c_in, 5, 3, 2)).astype(w_dtype)
        weight[0, 0, 0, 0], weight[0, 1, 2, 1] = -0.0, np.inf
        with np.errstate(invalid="ignore"):                      # inf * 0 is nan in both
            whole = arithmetic.matmul_arrays(weight.reshape(c_in, -1).T, x_rows)
            tap = conv._tap_products(x_rows, weight)
            blocks = {(i, j): tap(i, j).copy() for i in range(3) for j in range(2)}
        whole = whole.reshape(5, 3, 2, 50)
        for i in range(3):
            for j in range(2):
                block = blocks[i, j]
                assert block.dtype == whole.dtype and block.shape == (5, 50)
                assert block.tobytes() == np.ascontiguousarray(whole[:, i, j]).tobytes()


def test_one_output_channel_convolutions_give_the_reference_numbers():
    """Convolutions to one channel (CycleGAN's, SRGAN's and the PatchGANs' last layers), whose input
    gradient is (e) with one input channel, to second order, and their transposes from one
    channel."""
    for stride, pad in (((1, 1), (0, 0)), ((1, 1), (4, 4)), ((2, 1), (1, 2))):
        inputs = (randn(rng, 3, 4, 9, 8), randn(rng, 1, 4, 5, 3), randn(rng, 1))
        same_both_ways(lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=pad), inputs)
        backward_only_both_ways(lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=pad),
                                inputs)
    inputs = (randn(rng, 2, 1, 5, 4), randn(rng, 1, 3, 4, 4))
    same_both_ways(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1), inputs)


def test_a_convolution_keeps_its_columns_through_a_recorded_backward_for_the_next():
    """WGAN-GP's pattern: the penalty's mg.grad(create_graph=True) runs the reference backward of
    the critic's convolutions, then loss.backward() runs their fast backward again, which uses the
    columns the forward kept (6 im2cols a style-based GAN step saved) and gives the reference's
    gradients."""
    x, w, b = randn(rng, 4, 3, 8, 8), randn(rng, 5, 3, 3, 3), randn(rng, 5)   # im2col's columns

    def penalty_and_grads():
        mg.manual_seed(0)
        z = F.conv2d(x, w, b, padding=1)
        y = F.leaky_relu(z, 0.2)
        (gx,) = mg.grad((y * y).sum(), x, create_graph=True)
        node = z.grad_fn                                    # the convolution's node
        kept = getattr(node, "cols", None) is not None     # (the reference keeps no columns)
        loss = (gx * gx).sum() + y.sum()
        loss.backward()
        grads = [t.grad.numpy().copy() for t in (x, w, b)]
        for t in (x, w, b):
            t.grad = None
        return kept, getattr(node, "cols", None), grads

    with mg.fast_paths(True):
        kept, cols_after, fast = penalty_and_grads()
    assert kept and cols_after is None      # kept through mg.grad, used (and dropped) by backward
    with mg.fast_paths(False):
        _, _, reference = penalty_and_grads()
    for a, r in zip(fast, reference):
        np.testing.assert_allclose(a, r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("rows, out_channels, positions", [(16, 32, 1000), (9, 64, 700), (72, 8, 900),
                                                         (5, 5, 300)])
def test_weight_product_either_way_round_gives_the_same_numbers(rows, out_channels, positions):
    """Speed (c) of minigan/ops/conv.py: the weight gradient g_rows @ cols^T, computed as (cols @
    g_rows^T)^T or, with fewer column rows than output channels, as it is written: the same
    numbers bit for bit (the lessons' numbers rely on it), equal to the plain product within
    float32's rounding."""
    r = np.random.default_rng(13)
    cols = r.standard_normal((rows, positions)).astype(np.float32)
    g_rows = r.standard_normal((out_channels, positions)).astype(np.float32)
    got = conv._weight_product(g_rows, cols)
    assert got.shape == (out_channels, rows) and got.dtype == np.float32
    assert got.flags.c_contiguous == (rows < out_channels)   # which way round it was computed
    assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(
        np.matmul(cols, g_rows.T).T).tobytes()
    np.testing.assert_allclose(got, g_rows.astype(np.float64) @ cols.T.astype(np.float64),
                               rtol=1e-4, atol=1e-3)


def test_windows_that_tile_are_computed_by_taps_where_the_padding_is_a_fifth_of_them():
    """Speed (g)'s predicate: kernel = stride, dilation 1, 16 channels and images, and at most 80 %
    of the windows' pixels inside the image (the rest padding)."""
    x, w = randn(rng, 16, 16, 5, 5).array, randn(rng, 16, 16, 2, 2)
    k2p1, k2 = ((2, 2), (1, 1), (1, 1)), ((2, 2), (0, 0), (1, 1))
    assert conv._inside_share((2, 2), (1, 1), (4, 4), (3, 3)) == pytest.approx(16 / 36)  # D.conv4
    assert conv._inside_share((2, 2), (1, 1), (5, 5), (3, 3)) == pytest.approx(25 / 36)
    assert conv._inside_share((2, 2), (0, 0), (5, 5), (2, 2)) == 1.0       # no padding
    assert conv._windows_tile(x, w.shape, k2p1, (5, 5), (3, 3))               # the case is covered
    assert not conv._windows_tile(x, w.shape, k2, (5, 5), (2, 2))             # no padding
    assert conv._windows_tile(x, w.shape, k2p1, (14, 14), (8, 8))             # 77 % inside
    assert not conv._windows_tile(x, w.shape, ((2, 2), (1, 1), (1, 1)), (28, 28), (15, 15))  # 87 %
    assert not conv._windows_tile(x, w.shape, ((1, 1), (1, 1), (1, 1)), (5, 5), (7, 7))  # overlap
    assert not conv._windows_tile(x[:8], w.shape, k2p1, (5, 5), (3, 3))                # 8 images
    assert not conv._windows_tile(x, w[:, :8].shape, k2p1, (5, 5), (3, 3))     # 8 input channels
    assert not conv._windows_tile(x, w.shape, ((2, 2), (1, 1), (2, 1)), (5, 5), (3, 3))  # dilated


def test_windows_that_tile_are_computed_by_taps_with_the_reference_numbers(monkeypatch):
    """Speed (g) of minigan/ops/conv.py: kernel = stride (DeZero's example GAN), by taps over the
    pixels inside the image only; every op built on it, to second order, and a plain backward
    (with (g) on whatever the padding, so that its unpadded geometries are covered too)."""
    monkeypatch.setattr(conv, "TILE_MAX_INSIDE", 1.0)
    x, w, b = randn(rng, 16, 16, 5, 5), randn(rng, 16, 16, 2, 2), randn(rng, 16)
    for fn, inputs in [
        (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), (x, w, b)),
        (lambda x, w: F.conv2d(x, w, stride=2), (x, w)),                   # a row no window reads
        (lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1), (x, w, b)),
        (lambda x, w: F.conv_transpose2d(x, w, stride=2, output_padding=1), (x, w)),  # zeros
        (lambda x, w: F.conv2d(x, w, stride=(3, 2), padding=(2, 0)),          # a tap on padding only
         (randn(rng, 16, 16, 4, 5), randn(rng, 17, 16, 3, 2))),
        (lambda x, g: conv.conv2d_weight(x, (16, 16, 2, 2), g, stride=2, padding=1),
         (x, randn(rng, 16, 16, 3, 3))),
    ]:
        same_both_ways(fn, inputs)
        backward_only_both_ways(fn, inputs)


def test_windows_that_tile_backward_twice_with_retain_graph():
    """(g) keeps x's layout from forward for one backward; a second (retain_graph) rebuilds it and
    adds the same gradients again."""
    for transposed in (False, True):
        x, w = randn(rng, 16, 16, 4, 4), randn(rng, 16, 16, 2, 2)
        op = F.conv_transpose2d if transposed else F.conv2d
        y = op(x, w, stride=2, padding=1)
        assert conv._windows_tile(x.array, w.shape, ((2, 2), (1, 1), (1, 1)),
                                  *((y.shape[2:], (4, 4)) if transposed else ((4, 4), y.shape[2:])))
        g = mg.tensor(np.random.default_rng(3).standard_normal(tuple(y.shape)))
        y.backward(g, retain_graph=True)
        once = x.grad.numpy().copy(), w.grad.numpy().copy()
        y.backward(g)
        np.testing.assert_allclose(x.grad.numpy(), 2 * once[0], rtol=1e-12)
        np.testing.assert_allclose(w.grad.numpy(), 2 * once[1], rtol=1e-12)
        with mg.fast_paths(False):
            x.grad = w.grad = None
            op(x, w, stride=2, padding=1).backward(g)
            np.testing.assert_allclose(once[0], x.grad.numpy(), rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(once[1], w.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_windows_that_tile_give_the_reference_numbers_on_random_geometries(monkeypatch):
    """(g) against the reference on 60 random strides, paddings, sizes and output paddings: values
    and both first derivatives of a plain backward (the fast backwards); (g) on whatever the
    padding."""
    monkeypatch.setattr(conv, "TILE_MAX_INSIDE", 1.0)
    r = np.random.default_rng(5)
    checked = 0
    while checked < 60:
        s = tuple(int(v) for v in r.integers(1, 4, 2))
        p = tuple(int(r.integers(0, v + 1)) for v in s)
        h, w_ = (int(r.integers(1, 8)) for _ in range(2))
        transposed = checked % 2 == 1
        x = randn(r, 16, 16, h, w_)
        if transposed:
            extra = tuple(int(r.integers(0, v)) for v in s)
            if any((n - 1) * v - 2 * q + v + e < 1 for n, v, q, e in zip((h, w_), s, p, extra)):
                continue
            weight = randn(r, 16, 17, *s)
            fn = functools.partial(F.conv_transpose2d, stride=s, padding=p, output_padding=extra)
        else:
            if h + 2 * p[0] < s[0] or w_ + 2 * p[1] < s[1]:
                continue
            weight = randn(r, 17, 16, *s)
            fn = functools.partial(F.conv2d, stride=s, padding=p)
        out_hw = tuple(fn(x, weight).shape[2:])
        image, grid = (out_hw, (h, w_)) if transposed else ((h, w_), out_hw)
        assert conv._windows_tile(x.array, weight.shape, (s, p, (1, 1)), image, grid)
        backward_only_both_ways(fn, (x, weight))
        with mg.fast_paths(True):
            fast = fn(x, weight).detach().numpy()
        with mg.fast_paths(False):
            np.testing.assert_allclose(fast, fn(x, weight).detach().numpy(), rtol=1e-10, atol=1e-12)
        checked += 1


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_padding_pads_and_folds_its_borders_like_the_reference_in_every_mode(mode):
    for shape, widths in [((2, 3, 4, 5), (1, 2, 2, 1)), ((2, 3, 4, 5, 4), (3, 0, 0, 3, 1, 1)),
                          ((2, 3, 5), (2, 2))]:  # borders of widths 0-3 on one to three axes
        x = randn(rng, *shape)
        backward_only_both_ways(lambda t: F.pad(t, widths, mode) ** 2, (x,))
        same_both_ways(lambda t: F.pad(t, widths, mode), (x,))  # the forward: np.pad's numbers


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_padding_by_copies_is_numpys_pad_exactly(mode):
    """Pad's fast forward (_pad_array) gives np.pad's array bit for bit, corners included."""
    a = np.random.default_rng(3).standard_normal((2, 3, 5, 4)).astype(np.float32)
    for widths in [((0, 0), (0, 0), (1, 1), (1, 1)), ((0, 0), (0, 0), (3, 0), (2, 3)),
                   ((1, 0), (0, 2), (4, 4), (0, 3))]:
        if mode == "circular" and max(max(w) for w in widths) > 4:
            continue
        expected = (np.pad(a, widths, mode="constant", constant_values=1.5) if mode == "constant"
                    else np.pad(a, widths, mode=padding.MODES[mode]))
        np.testing.assert_array_equal(padding._pad_array(a, widths, mode, 1.5), expected)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_along_the_last_axis_position_by_position_is_the_slab_copy_bit_for_bit(mode):
    """_pad_array and _fold_border_array copy and add a border of the last axis one position at a
    time (speed, minigan/ops/padding.py): the same numbers bit for bit as the slabs they use on
    the other axes (the array transposed so that the padded axis is not the last one), and
    np.pad's forward; -0.0, inf and nan included."""
    r = np.random.default_rng(14)
    for shape, (before, after) in [((2, 3, 6, 7), (3, 3)), ((4, 6), (1, 4)), ((3, 2, 5), (0, 2)),
                                   ((2, 5), (4, 0))]:
        if mode == "reflect" and max(before, after) >= shape[-1]:
            continue
        a = r.standard_normal(shape).astype(np.float32)
        a.flat[:3] = [-0.0, np.inf, np.nan]
        widths = ((0, 0),) * (len(shape) - 1) + ((before, after),)
        out = padding._pad_array(a, widths, mode, 0.0)
        assert out.tobytes() == np.pad(a, widths, mode=padding.MODES[mode]).tobytes()
        g = r.standard_normal(out.shape).astype(np.float32)
        g.flat[:3] = [-0.0, np.inf, np.nan]
        n, last = shape[-1], len(shape) - 1
        folded = padding._fold_border_array(g, last, before, after, n, mode)
        by_slabs = padding._fold_border_array(np.ascontiguousarray(np.moveaxis(g, -1, 0)), 0,
                                              before, after, n, mode)
        assert folded.tobytes() == np.ascontiguousarray(np.moveaxis(by_slabs, 0, -1)).tobytes()


def test_the_switch_and_its_context():
    assert mg.fast_paths_enabled()
    with mg.fast_paths(False):
        assert not mg.fast_paths_enabled()
        x = randn(rng, 4, 3)
        y = F.leaky_relu(x, 0.2)
        assert y.grad_fn.fast is False                           # the node remembers its forward
    assert mg.fast_paths_enabled() and F.leaky_relu(x, 0.2).grad_fn.fast is True
    mg.use_fast_paths(False)
    try:
        assert not mg.fast_paths_enabled()
    finally:
        mg.use_fast_paths(True)
    with pytest.raises(TypeError, match=r"use_fast_paths expects True or False, got 0"):
        mg.use_fast_paths(0)


def test_the_environment_variable_turns_them_off_for_a_process():
    import subprocess
    import sys

    code = "import minigan as mg; print(mg.fast_paths_enabled())"
    for value, expected in (("1", "False"), ("0", "True")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**__import__("os").environ, "MINIGAN_REFERENCE_OPS": value})
        assert out.stdout.strip() == expected


def test_ctx_create_graph_says_whether_the_backward_is_recorded():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, grad):
            seen.append(ctx.create_graph)
            return grad

    x = randn(rng, 3)
    Probe.apply(x).sum().backward()
    mg.grad(Probe.apply(x).sum(), x, create_graph=True)
    assert seen == [False, True]


# max_pool2d is not one Function: its fast path is how it finds each window's maximum (pooling.py)

POOLINGS = [  # kernel, stride, padding, dilation, ceil_mode
    ((3, 3), (2, 2), (1, 1), (1, 1), False), ((2, 2), (2, 2), (0, 0), (1, 1), False),
    ((3, 2), (1, 2), (1, 0), (2, 1), True), ((2, 3), (3, 2), (1, 1), (1, 1), True),
    ((2, 2), (3, 3), (1, 1), (3, 3), True),                      # windows on padding only
]


@pytest.mark.parametrize("values", ["normal", "ties", "nan", "inf"])
@pytest.mark.parametrize("geometry", POOLINGS, ids=str)
def test_max_pool_positions_by_taps_equal_the_references(geometry, values):
    from minigan.conv_geometry import pool_output_size
    from minigan.ops import pooling

    r = np.random.default_rng(5)
    x = r.standard_normal((2, 3, 7, 8))
    if values == "ties":                                         # the first maximum wins
        x = r.integers(0, 3, x.shape).astype(np.float64)
    elif values == "nan":                                        # the last nan wins
        x[r.random(x.shape) < 0.2] = np.nan
    elif values == "inf":                                        # windows of -inf only, +inf
        x[r.random(x.shape) < 0.6] = -np.inf
        x[r.random(x.shape) < 0.1] = np.inf
    kernel, stride, padding, dilation, ceil = geometry
    out = tuple(pool_output_size(*args, ceil) for args in zip((7, 8), kernel, stride, padding, dilation))
    reference = pooling._argmax_positions(x, geometry[:4] + (out,))
    fast = pooling._argmax_positions_by_taps(x, geometry[:4] + (out,))
    assert fast.shape == reference.shape == (2, 3, out[0] * out[1])
    np.testing.assert_array_equal(fast, reference)


@pytest.mark.parametrize("geometry", POOLINGS, ids=str)
def test_max_pool2d_fast_path_equals_reference_to_second_order(geometry):
    kernel, stride, padding, dilation, ceil = geometry
    x = randn(np.random.default_rng(6), 2, 3, 7, 8)
    same_both_ways(lambda t: F.max_pool2d(t, kernel, stride, padding, dilation, ceil) ** 2 * t.sum(), (x,))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_where_by_bits_is_numpys_where_bit_for_bit(dtype):
    """nan payloads, -0.0, infinities, broadcasting and 0-d operands, as np.where gives them."""
    r = np.random.default_rng(7)
    special = np.array([np.nan, -np.nan, -0.0, 0.0, np.inf, -np.inf, 1.5, -2.0], dtype)
    a, b = r.choice(special, (3, 4, 8)), r.choice(special, (4, 1))
    condition = r.random((3, 4, 8)) < 0.5
    for x, y in ((a, b), (b, a), (a, np.zeros((), dtype)), (np.zeros((), dtype), a)):
        fast = elementwise._where_by_bits(condition, x, y, (3, 4, 8))
        expected = np.where(condition, x, y)
        assert fast.dtype == expected.dtype and fast.shape == expected.shape
        np.testing.assert_array_equal(fast.view(f"u{fast.itemsize}"), expected.view(f"u{fast.itemsize}"))


def test_where_takes_the_bits_path_from_its_threshold_on(monkeypatch):
    calls = []
    by_bits = elementwise._where_by_bits
    monkeypatch.setattr(elementwise, "_where_by_bits", lambda *args: calls.append(1) or by_bits(*args))
    r = np.random.default_rng(8)
    big = elementwise.WHERE_BY_BITS_FROM
    x, y = randn(r, 2, big // 2), randn(r, 1, big // 2)          # just enough numbers
    same_both_ways(lambda a, b: elementwise.where(a.detach() > 0, a, b) * a, (x, y))
    assert calls                                                  # the fast runs used the bits
    calls.clear()
    with mg.fast_paths(True):
        small = elementwise.where(x[:, :10].detach() > 0, x[:, :10], y[:, :10])
        mixed = elementwise.Where.apply((x > 0).numpy(), x.detach(), y.detach().float())
    assert calls == [] and small.shape == (2, 10)                 # below the threshold: np.where
    assert mixed.dtype == mg.float64                              # two dtypes: np.where
