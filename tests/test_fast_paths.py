"""Every op's fast path against its reference (minigan/fast_paths.py): the same values, first and
second derivatives, on the cases each fast path was written for and on the ones it hands back."""

import numpy as np
import pytest

import minigan as mg
from minigan import functional as F
from minigan.autograd import Function
from minigan.ops import conv, elementwise, linear, norm


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
    return [out.numpy()] + [g.numpy() for g, _ in used] + [g.numpy() for g in seconds if g is not None]


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
    elementwise.PiecewiseSlope: lambda: (lambda x: F.relu(x) * x, (randn(rng, 4, 5),)),
    elementwise.LeakyReLU: lambda: (lambda x: F.leaky_relu(x, 0.2) * x, (randn(rng, 4, 5),)),
    conv.Conv2dFunction: lambda: (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
                                  (randn(rng, 2, 3, 6, 6), randn(rng, 4, 3, 3, 3), randn(rng, 4))),
    conv.ConvTranspose2dFunction: lambda: (lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1),
                                           (randn(rng, 2, 3, 4, 4), randn(rng, 3, 2, 4, 4), randn(rng, 2))),
    conv.Conv2dWeightGrad: lambda: (lambda x, g: conv.conv2d_weight(x, (4, 3, 3, 3), g, stride=2, padding=1),
                                    (randn(rng, 2, 3, 6, 6), randn(rng, 2, 4, 3, 3))),
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


def test_fast_paths_hand_back_what_they_do_not_cover():
    x = randn(rng, 3, 4)
    same_both_ways(lambda t: F.leaky_relu(t, 1.5), (x,))       # a slope outside [0, 1]
    same_both_ways(lambda t: F.leaky_relu(t, -0.3), (x,))
    xs = randn(rng, 2, 3, 4, 4)
    w1 = randn(rng, 3, 1, 3, 3)                                  # one output channel: no phases
    same_both_ways(lambda t, w: F.conv_transpose2d(t, w, stride=2), (xs, w1))
    running = (mg.zeros(3, dtype=mg.float64), mg.ones(3, dtype=mg.float64))
    same_both_ways(lambda t: F.batch_norm(t, *running, training=False), (xs[:, :, 0, 0],))


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


# ----------------------------------------------------------------------------- speed (f): threads


@pytest.fixture
def two_threads_for_every_pass(monkeypatch):
    """mg.set_num_threads(2), and every array pass large enough to split (restored afterwards)."""
    from minigan import backend

    previous = mg.get_num_threads()
    monkeypatch.setattr(backend, "MIN_NUMBERS_PER_THREAD", 1)
    mg.set_num_threads(2)
    yield
    mg.set_num_threads(previous)


def test_split_work_covers_the_range_once_and_raises_a_pieces_error(two_threads_for_every_pass):
    import threading

    from minigan.backend import split_work

    seen = []
    split_work(lambda a, b: seen.append((a, b, threading.current_thread().name)), 7)
    assert sorted((a, b) for a, b, _ in seen) == [(0, 3), (3, 7)]
    assert sorted(name.startswith("minigan") for _, _, name in seen) == [False, True]

    def fails_in_the_second_piece(a, b):
        if a > 0:
            raise ValueError(f"piece {a}..{b}")

    with pytest.raises(ValueError, match=r"piece 3\.\.7"):
        split_work(fails_in_the_second_piece, 7)
    mg.set_num_threads(1)
    seen.clear()
    split_work(lambda a, b: seen.append((a, b)), 7)
    assert seen == [(0, 7)]


def test_split_work_keeps_small_passes_on_one_thread():
    from minigan import backend

    seen = []
    previous = mg.get_num_threads()
    mg.set_num_threads(2)
    try:
        backend.split_work(lambda a, b: seen.append((a, b)), 4, backend.MIN_NUMBERS_PER_THREAD // 4)
        assert seen == [(0, 4)]                                  # 1 piece's worth: not split
        seen.clear()
        backend.split_work(lambda a, b: seen.append((a, b)), 4, backend.MIN_NUMBERS_PER_THREAD // 2)
        assert sorted(seen) == [(0, 2), (2, 4)]
    finally:
        mg.set_num_threads(previous)


THREADED = {
    "conv2d": lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
    "conv_transpose2d stride 2": lambda x, w, b: F.conv_transpose2d(x, w.transpose(0, 1), b, stride=2,
                                                                    padding=1),
    "conv_transpose2d stride 1": lambda x, w, b: F.conv_transpose2d(x, w.transpose(0, 1), b, padding=1),
    "batch_norm": lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True) * x,
}


@pytest.mark.parametrize("case", list(THREADED))
def test_threaded_passes_give_the_numbers_of_one_thread(case, two_threads_for_every_pass, monkeypatch):
    """Every split pass (im2col by channels, the transposed convolution's layout and phases, batch
    norm by images) on two threads against one: conv exactly, batch norm up to the order of its sums."""
    import threading

    from minigan import backend

    threads_used = set()

    def spy(work, *args, **kwargs):
        def piece(a, b):
            threads_used.add(threading.current_thread().name.startswith("minigan"))
            work(a, b)
        backend.split_work(piece, *args, **kwargs)

    monkeypatch.setattr(conv, "split_work", spy)
    monkeypatch.setattr(norm, "split_work", spy)
    r = np.random.default_rng(3)
    inputs = [randn(r, 3, 4, 6, 6), randn(r, 5, 4, 3, 3), randn(r, 5)]
    if case == "batch_norm":
        inputs[1:] = [randn(r, 4), randn(r, 4)]
    results = []
    for threads in (2, 1):
        mg.set_num_threads(threads)
        out = THREADED[case](*inputs)
        results.append([out.numpy()] + [g.numpy() for g in mg.grad((out * out).sum(), inputs,
                                                                    allow_unused=True) if g is not None])
    assert threads_used == {True, False}                          # the split did happen
    for two, one in zip(*results):
        if case == "batch_norm":
            np.testing.assert_allclose(two, one, rtol=1e-12, atol=1e-12)
        else:
            np.testing.assert_array_equal(two, one)
