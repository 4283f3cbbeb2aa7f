"""The engine: Tensor basics, dtypes, graph bookkeeping, backward/grad, custom Functions, errors."""

import numpy as np
import pytest

import minigan as mg
from minigan import backend


# ----------------------------------------------------------------------------- the example


def test_cube_gradient_is_three_x_squared():
    x = mg.randn(3, requires_grad=True)
    (x ** 3).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 3 * x.detach().numpy() ** 2, rtol=1e-6)


# ----------------------------------------------------------------------------- dtypes


def test_default_dtype_is_float32_and_integers_keep_pytorchs_dtypes():
    assert mg.tensor([1.0, 2]).dtype == np.float32 and mg.tensor(2.5).dtype == mg.float32
    assert mg.tensor([1, 2, 3]).dtype == np.int64 == mg.long
    assert mg.tensor(np.arange(3, dtype=np.int32)).dtype == np.int32
    assert mg.tensor([True, False]).dtype == np.bool_ == mg.bool
    assert mg.tensor([1.5]).dtype == np.float32
    assert mg.randn(2).dtype == np.float32
    assert mg.tensor(np.ones(2)).dtype == np.float64  # a NumPy float64 array keeps its dtype
    assert mg.tensor([1, 2], dtype=np.int64).dtype == np.int64
    mg.set_default_dtype(np.float64)
    assert mg.tensor([1.0, 2]).dtype == np.float64 and mg.zeros(2).dtype == np.float64


def test_promotion_follows_pytorch_and_numbers_are_weak():
    x32 = mg.ones(3)
    x64 = mg.ones(3, dtype=np.float64)
    assert (x32 + x64).dtype == np.float64
    assert (x32 - np.ones(3)).dtype == np.float64  # a float64 array promotes, as in NumPy
    assert (x32 * np.ones(3, dtype=np.float32)).dtype == np.float32
    assert (2 * x32).dtype == np.float32 and (x32 * 2.5).dtype == np.float32
    assert (np.float64(2.0) * x32).dtype == np.float32  # NumPy scalars are weak too, as in PyTorch
    assert (x32 ** 2).dtype == np.float32
    ints = mg.tensor([1, 2])
    assert (ints + x32[:2]).dtype == np.float32  # PyTorch: the float tensor's type (NumPy: float64)
    assert (ints / 2).dtype == np.float32 and (ints * 2.5).dtype == np.float32 and (ints + 1).dtype == np.int64


def test_numpy_arrays_and_scalars_on_either_side():
    x = mg.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal((np.ones(3, dtype=np.float32) - x).numpy(), [0, -1, -2])
    np.testing.assert_array_equal((x - np.ones(3, dtype=np.float32)).numpy(), [0, 1, 2])
    np.testing.assert_array_equal((np.float32(2) * x).numpy(), [2, 4, 6])
    np.testing.assert_array_equal((1 / x).numpy(), np.float32([1, 0.5, 1 / 3]))
    np.testing.assert_array_equal((2 ** x).numpy(), [2, 4, 8])
    np.testing.assert_array_equal((np.eye(3, dtype=np.float32) @ x).numpy(), [1, 2, 3])
    assert isinstance(np.ones(3) + x, mg.Tensor)


def test_gradient_keeps_the_dtype_of_its_input():
    x = mg.ones(3, requires_grad=True)
    (x * mg.ones(3, dtype=np.float64)).sum().backward()
    assert x.grad.dtype == np.float32


# ----------------------------------------------------------------------------- graph bookkeeping


def test_gradients_accumulate_until_zeroed():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4, 8])
    x.grad = None
    (3 * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3, 3])


def test_a_variable_used_twice_gets_both_contributions():
    x = mg.tensor(3.0, requires_grad=True)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad.item() == 7.0


def test_leaves_never_share_a_gradient_array():
    a = mg.tensor([1.0], requires_grad=True)
    b = mg.tensor([2.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.array *= 10
    assert b.grad.item() == 1.0


def test_second_backward_through_a_freed_graph_raises():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4, 8])


def test_backward_on_non_scalar_needs_a_gradient():
    x = mg.ones(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"only for a one-element output, got shape \(3,\)"):
        y.backward()
    y.backward(mg.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2, 4, 6])
    with pytest.raises(RuntimeError, match=r"gradient has shape \(2,\) but the output has shape \(3,\)"):
        (x * 2).backward(mg.ones(2))


def test_backward_without_requires_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (mg.ones(2) * 2).sum().backward()


def test_no_grad_and_enable_grad():
    x = mg.ones(2, requires_grad=True)
    with mg.no_grad():
        y = x * 2
        with mg.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None

    @mg.no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert mg.is_grad_enabled()


def test_detach_and_requires_grad_():
    x = mg.ones(2, requires_grad=True)
    y = (x * 2).detach()
    assert not y.requires_grad and y.is_leaf
    w = mg.ones(2).requires_grad_()
    assert w.requires_grad
    with pytest.raises(RuntimeError, match="only allowed on leaf tensors"):
        (x * 2).requires_grad_(False)
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
        mg.tensor([1, 2], dtype=np.int64).requires_grad_()


def test_retain_grad_keeps_an_intermediate_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad.numpy(), [6, 12])
    np.testing.assert_array_equal(x.grad.numpy(), [18, 36])


def test_unused_output_of_a_multi_output_function_gets_zero_gradient():
    class SplitHalves(mg.Function):
        @staticmethod
        def forward(ctx, a):
            return a[:1] * 1, a[1:] * 2

        @staticmethod
        def backward(ctx, grad_first, grad_second):
            return mg.cat([grad_first, grad_second * 2])

    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    first, second = SplitHalves.apply(x)
    second.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 2, 2])


# ----------------------------------------------------------------------------- mg.grad


def test_grad_returns_without_touching_dot_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (gx,) = mg.grad((x ** 2).sum(), x)
    np.testing.assert_array_equal(gx.numpy(), [2, 4])
    assert x.grad is None and not gx.requires_grad


def test_grad_of_grad_gives_higher_derivatives():
    x = mg.tensor(2.0, requires_grad=True, dtype=np.float64)
    y = x ** 4
    (d1,) = mg.grad(y, x, create_graph=True)  # 4x^3 = 32
    (d2,) = mg.grad(d1, x, create_graph=True)  # 12x^2 = 48
    (d3,) = mg.grad(d2, x)  # 24x = 48
    assert (d1.item(), d2.item(), d3.item()) == (32.0, 48.0, 48.0)


def test_grad_with_respect_to_an_intermediate_tensor():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    gh, gx = mg.grad(y, [h, x])
    np.testing.assert_array_equal(gh.numpy(), [6, 12])
    np.testing.assert_array_equal(gx.numpy(), [18, 36])


def test_grad_computes_only_the_edges_it_needs_and_a_later_backward_still_gets_the_rest():
    """mg.grad(out, x) runs each node's backward with needs_input_grad narrowed to the inputs that
    lead to x (as PyTorch's autograd.grad): a gradient penalty computes no weight gradient."""
    from minigan.ops import conv

    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((2, 3, 6, 6)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    seen = []
    original = conv.Conv2dFunction.fast_backward

    def spy(ctx, grad):
        seen.append(ctx.needs_input_grad)
        return original(ctx, grad)

    conv.Conv2dFunction.fast_backward = staticmethod(spy)
    try:
        out = (mg.nn.functional.conv2d(x, w, padding=1) ** 2).sum()
        (gx,) = mg.grad(out, x, retain_graph=True)
        assert seen == [(True, False, False, False, False, False, False)]
        out.backward()  # the retained graph: every input that requires grad again
        assert seen[-1] == (True, True, False, False, False, False, False)
    finally:
        conv.Conv2dFunction.fast_backward = staticmethod(original)
    np.testing.assert_allclose(gx.numpy(), x.grad.numpy(), rtol=1e-12)
    assert w.grad is not None and w.grad.shape == w.shape


def test_grad_unused_input():
    x = mg.ones(2, requires_grad=True)
    z = mg.ones(2, requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="input 1 was not used.*allow_unused=True"):
        mg.grad(y, [x, z], retain_graph=True)
    gx, gz = mg.grad(y, [x, z], allow_unused=True)
    assert gz is None and gx.numpy().tolist() == [2, 2]


def test_gradient_penalty_pattern_second_order_through_the_graph():
    """WGAN-GP: penalty on the norm of d critic / d input, differentiated w.r.t. the weights."""
    w = mg.tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True, dtype=np.float64)
    x = mg.tensor([[1.0, 2.0]], requires_grad=True, dtype=np.float64)
    critic = mg.tanh(x @ w).sum()
    (gx,) = mg.grad(critic, x, create_graph=True)
    penalty = ((gx * gx).sum().sqrt() - 1) ** 2
    penalty.backward()

    def penalty_of(w_):
        c = mg.tanh(x @ w_).sum()
        (g,) = mg.grad(c, x, create_graph=True)
        return ((g * g).sum().sqrt() - 1) ** 2

    assert mg.gradcheck(penalty_of, (w,))


# ----------------------------------------------------------------------------- custom Functions


class Square(mg.Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * 2 * a


def test_a_custom_function_in_the_torch_style():
    x = mg.tensor([1.0, -2.0, 3.0], requires_grad=True, dtype=np.float64)
    y = Square.apply(x)
    assert repr(y.grad_fn) == "<SquareBackward0>"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, -4, 6])
    assert mg.gradcheck(Square.apply, (x,))
    assert mg.gradgradcheck(Square.apply, (x,))


def test_a_backward_returning_the_wrong_shape_is_named():
    class Bad(mg.Function):
        @staticmethod
        def forward(ctx, a):
            return a.sum()

        @staticmethod
        def backward(ctx, grad):
            return grad  # should be broadcast to a's shape

    x = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Bad.backward returned a gradient of shape \(\) for input 0, which has shape \(3,\)"):
        Bad.apply(x).backward()


def test_a_backward_returning_too_few_gradients_is_named():
    class TwoInputs(mg.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad

    a, b = mg.ones(2, requires_grad=True), mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned 1 gradients, but forward took 2"):
        TwoInputs.apply(a, b).sum().backward()


# ----------------------------------------------------------------------------- gradcheck catches bugs


class BrokenSquare(Square):
    """Square with a deliberately wrong backward at element 1 (1.5 times too large)."""

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        wrong = np.ones(a.shape)
        wrong[1] = 1.5
        return grad * 2 * a * mg.Tensor(wrong)


def test_gradcheck_catches_a_wrong_backward_and_names_the_element():
    x = mg.tensor([0.5, 1.0, -2.0], requires_grad=True, dtype=np.float64)
    with pytest.raises(mg.GradcheckError) as caught:
        mg.gradcheck(BrokenSquare.apply, (x,))
    report = str(caught.value)
    assert "input 0 (shape (3,)), element (1,); output 0 (shape (3,)), element (1,)" in report
    assert "analytic (from backward)      = 3.00000000e+00" in report
    assert "numeric (central difference)  = 2.00000000e+00" in report
    assert "largest absolute error 1.000e+00" in report
    assert "atol=1e-05, rtol=0.001" in report
    assert mg.gradcheck(BrokenSquare.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_catches_a_wrong_double_backward():
    class DetachedSquare(Square):
        """The first derivative is right, but computed on detached data: no second derivative."""

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return grad * 2 * a.detach()

    x = mg.tensor([0.5, 1.0], requires_grad=True, dtype=np.float64)
    assert mg.gradcheck(DetachedSquare.apply, (x,))
    with pytest.raises(mg.GradcheckError, match=r"(?s)gradgradcheck failed.*input 0 \(shape \(2,\)\), element \(1,\).*analytic \(from backward\)      = 0.0"):
        mg.gradgradcheck(DetachedSquare.apply, (x,))


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input has requires_grad=True"):
        mg.gradcheck(lambda t: t * 2, (mg.ones(2),))


def test_gradcheck_upcasts_float32_inputs_to_float64():
    x = mg.tensor([0.3, 0.7], requires_grad=True)
    seen = []
    assert mg.gradcheck(lambda t: (seen.append(t.dtype), t.exp())[1], (x,))
    assert set(seen) == {np.dtype(np.float64)}


# ----------------------------------------------------------------------------- backends and seeds


def test_set_backend_validates_its_argument():
    with pytest.raises(ValueError, match="backend must be one of 'numpy', 'cupy'.*got 'tpu'"):
        mg.set_backend("tpu")
    mg.set_backend("cpu")
    assert mg.get_backend() == "numpy"
    assert mg.ones(1).device == "cpu" and mg.ones(1).backend == "numpy"


def test_to_numpy_is_a_no_op_and_to_dtype_is_differentiable():
    x = mg.ones(2, requires_grad=True)
    assert x.to("numpy") is x and x.to("cpu") is x
    y = x.to(np.float64)
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_mixing_backends_names_the_op_and_both_backends(monkeypatch):
    """Simulated: a fake 'cupy' module whose ndarray is a NumPy subclass."""

    class FakeDeviceArray(np.ndarray):
        pass

    class FakeCupy:
        ndarray = FakeDeviceArray

    monkeypatch.setattr(backend, "_cupy_module", FakeCupy)
    host = mg.ones(2)
    device = mg.Tensor(np.ones(2).view(FakeDeviceArray))
    assert device.backend == "cupy" and host.backend == "numpy"
    with pytest.raises(RuntimeError, match=r"Mul: all tensors must be on the same backend, got input 0 on numpy, input 1 on cupy"):
        host * device


def test_cupy_backend_without_a_gpu_gives_a_clear_error():
    if mg.cuda_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(RuntimeError, match="set_backend\\(.cupy.\\) needs a CUDA GPU, and mg.cuda_available\\(\\) is False"):
        mg.set_backend("cupy")


def test_the_same_seed_gives_bit_identical_tensors():
    mg.manual_seed(123)
    a = (mg.randn(4, 5), mg.rand(3), mg.randint(0, 10, (6,)))
    mg.manual_seed(123)
    b = (mg.randn(4, 5), mg.rand(3), mg.randint(0, 10, (6,)))
    for x, y in zip(a, b):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    mg.manual_seed(124)
    assert not np.array_equal(mg.randn(4, 5).numpy(), a[0].numpy())


def test_rng_state_round_trip_repeats_the_draws():
    mg.manual_seed(7)
    mg.randn(3)
    state = mg.get_rng_state()
    first = mg.randn(5).numpy()
    mg.randn(2)
    mg.set_rng_state(state)
    np.testing.assert_array_equal(mg.randn(5).numpy(), first)
    assert isinstance(state["state"], str)  # 128-bit integers stored as strings


def test_manual_seed_rejects_bad_seeds():
    with pytest.raises(ValueError, match="non-negative integer, got -1"):
        mg.manual_seed(-1)


# ----------------------------------------------------------------------------- Tensor basics


def test_tensor_basics():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.shape == (2, 2) and x.ndim == 2 and x.numel() == 4 and len(x) == 2 and x.size(1) == 2
    assert x.sum().item() == 10.0 and isinstance(x.sum().item(), float)
    assert x.tolist() == [[1, 2], [3, 4]]
    assert repr(mg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mg.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert "grad_fn=<MulBackward0>" in repr(mg.tensor([1.0], requires_grad=True) * 2)
    with pytest.raises(ValueError, match=r"item\(\) needs a tensor with one element, got shape \(2, 2\)"):
        x.item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x)
    np.testing.assert_array_equal(np.asarray(x), [[1, 2], [3, 4]])


def test_comparisons_give_boolean_tensors_without_gradient():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == np.bool_ and not mask.requires_grad
    assert mask.tolist() == [False, True, True]
    assert (x == 2).tolist() == [False, True, False]
    assert {x: 1}[x] == 1  # tensors stay hashable


def test_setitem_on_a_tensor_that_requires_grad_is_refused():
    x = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place assignment.*mg.no_grad"):
        x[0] = 5
    with mg.no_grad():
        x[0] = 5
    assert x.tolist() == [5, 1, 1]


def test_shape_errors_are_clear():
    x = mg.ones(2, 3)
    with pytest.raises(ValueError, match=r"cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into shape \(4, 2\)"):
        x.reshape(4, 2)
    with pytest.raises(IndexError, match="dim 2 is out of range for a tensor with 2 dimensions"):
        x.sum(dim=2)
    with pytest.raises(ValueError, match=r"cat: tensor 1 has shape \(2, 2\), which does not match tensor 0's shape \(2, 3\) outside dimension 0"):
        mg.cat([x, mg.ones(2, 2)])
    with pytest.raises(ValueError, match=r"broadcast_to: shape \(2, 3\) cannot be broadcast to shape \(3, 3\)"):
        x.broadcast_to(3, 3)
    assert mg.pad(x, (-1, 0)).tolist() == [[1, 1], [1, 1]]  # a negative pad crops, as in PyTorch
    with pytest.raises(RuntimeError, match=r"pad: cropping 4 and 0 elements from dimension 1 of size 3"):
        mg.pad(x, (-4, 0))


def test_max_with_dim_returns_values_and_indices_like_torch():
    x = mg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    values, indices = x.max(dim=1)
    assert values.tolist() == [5, 7] and indices.tolist() == [1, 0]
    assert x.max().item() == 7 and x.min(dim=0).values.tolist() == [1, 0, 2]
    assert x.argmax().item() == 3


def test_ties_at_the_maximum_share_the_gradient():
    x = mg.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.amax().backward()
    assert x.grad.tolist() == [0, 0.5, 0.5]
