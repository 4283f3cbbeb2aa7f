"""In-place changes: the version counter, PyTorch's in-place methods, `.data`, and the save rule.

Every in-place change of a tensor's array bumps its version; a Function's ctx remembers the version
of each tensor it saved, and backward refuses to use one that has moved since (PyTorch's "one of the
variables needed for gradient computation has been modified by an inplace operation"). Each case is
run on PyTorch too, where it is installed, to check that PyTorch refuses it as well.
"""

import warnings

import numpy as np
import pytest

import minigan as mg
from minigan import nn

MODIFIED = "modified by an inplace operation"


def _torch():
    return pytest.importorskip("torch")


def _both(build):
    """Run build(lib) for minigan and (when installed) PyTorch; return {name: exception or None}."""
    libraries = {"minigan": mg}
    try:
        import torch
        libraries["torch"] = torch
    except ImportError:
        pass
    outcome = {}
    for name, lib in libraries.items():
        try:
            build(lib)
            outcome[name] = None
        except RuntimeError as err:
            outcome[name] = err
    return outcome


# ----------------------------------------------------------------------------- the five cases


def test_zero_on_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    def build(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (w * w).sum()
        w.zero_()

    outcome = _both(build)
    assert "leaf" in str(outcome["minigan"]) and "zero_()" in str(outcome["minigan"])
    assert "mg.no_grad()" in str(outcome["minigan"])
    if "torch" in outcome:
        assert "leaf" in str(outcome["torch"])


def test_zero_under_no_grad_after_forward_makes_backward_raise():
    def build(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        loss = (w * w).sum()
        with lib.no_grad():
            w.zero_()
        loss.backward()

    outcome = _both(build)
    message = str(outcome["minigan"])
    assert MODIFIED in message and "input 0 of MulBackward" in message and "(3,)" in message
    assert "zero_()" in message and "version 1; expected version 0" in message
    if "torch" in outcome:
        assert MODIFIED in str(outcome["torch"])


def test_setitem_under_no_grad_after_forward_makes_backward_raise():
    def build(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        loss = (w * w).sum()
        with lib.no_grad():
            w[...] = 10
        loss.backward()

    outcome = _both(build)
    assert MODIFIED in str(outcome["minigan"]) and "x[...] = value" in str(outcome["minigan"])
    if "torch" in outcome:
        assert MODIFIED in str(outcome["torch"])


def test_assigning_into_a_saved_input_makes_backward_raise():
    def build(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x = lib.tensor([4.0, 5.0, 6.0])  # does not require grad, but Mul saved it for w's gradient
        loss = (w * x).sum()
        x[0] = 100
        loss.backward()

    outcome = _both(build)
    assert MODIFIED in str(outcome["minigan"]) and "input 1 of MulBackward" in str(outcome["minigan"])
    if "torch" in outcome:
        assert MODIFIED in str(outcome["torch"])


def test_zeroing_a_saved_exp_output_makes_backward_raise():
    def build(lib):
        x = lib.tensor([0.5, 1.0], requires_grad=True)
        y = x.exp()
        with lib.no_grad():
            y.zero_()
        y.sum().backward()

    outcome = _both(build)
    assert MODIFIED in str(outcome["minigan"]) and "output 0 of ExpBackward" in str(outcome["minigan"])
    if "torch" in outcome:
        assert MODIFIED in str(outcome["torch"])


def test_an_in_place_change_of_a_recorded_result_is_refused_at_once():
    # PyTorch records y.zero_() and refuses at backward (exp saved y); minigan does not record
    # in-place ops, so it refuses at once, naming the out-of-place way
    x = mg.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()
    with pytest.raises(RuntimeError, match=r"zero_\(\): a tensor computed by a recorded op .* out of place"):
        y.zero_()


def _gan_step_in_the_wrong_order(lib, nn_module, optim_module):
    """D's optimizer steps between the G loss's forward and its backward (a classic GAN bug)."""
    lib.manual_seed(0)
    G, D = nn_module.Linear(3, 2), nn_module.Linear(2, 1)
    opt_d = optim_module.SGD(D.parameters(), lr=0.1)
    fake = G(lib.randn(4, 3))
    d_loss = D(fake.detach()).mean()
    g_loss = -D(fake).mean()
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    g_loss.backward()


def test_optimizer_step_between_forward_and_backward_makes_backward_raise():
    with pytest.raises(RuntimeError, match=MODIFIED) as info:
        _gan_step_in_the_wrong_order(mg, nn, mg.optim)
    message = str(info.value)
    assert "SGD.step()" in message
    assert "an optimizer step modified a parameter needed for backward" in message
    assert "call backward() before the optimizer's step()" in message
    torch = _torch()
    with pytest.raises(RuntimeError, match=MODIFIED):
        _gan_step_in_the_wrong_order(torch, torch.nn, torch.optim)


def test_the_right_order_still_trains():
    mg.manual_seed(0)
    G, D = nn.Linear(3, 2), nn.Linear(2, 1)
    opt_d = mg.optim.SGD(D.parameters(), lr=0.1)
    fake = G(mg.randn(4, 3))
    d_loss = D(fake.detach()).mean()
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    g_loss = -D(fake).mean()  # computed after D's step: fine
    g_loss.backward()
    assert G.weight.grad is not None and D.weight._version == 1


def test_versions_count_every_in_place_change_and_views_share_them():
    w = mg.zeros(2, 3)
    assert w._version == 0
    w.fill_(1.0)
    w[0] = 2.0
    w.add_(1.0)
    assert w._version == 3
    view = w.mT  # a view shares its base's counter (as in PyTorch)
    view.mul_(2.0)
    assert w._version == 4 and view._version == 4
    assert w.tolist() == [[6.0, 6.0, 6.0], [4.0, 4.0, 4.0]]
    detached = w.detach()
    detached.zero_()
    assert w._version == 5  # detach() shares the counter too
    data = w.data  # .data does not: PyTorch's way of changing a tensor unseen
    data.fill_(7.0)
    assert w._version == 5 and w.tolist() == [[7.0] * 3] * 2


def test_a_view_modified_in_place_is_caught():
    def build(lib):
        w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        x = lib.tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
        loss = (x @ w.T).sum()  # matmul saves w.T, a view of w, for x's gradient
        with lib.no_grad():
            w.mul_(2)
        loss.backward()

    outcome = _both(build)
    assert MODIFIED in str(outcome["minigan"]) and "input 1 of MatMulBackward" in str(outcome["minigan"])
    if "torch" in outcome:
        assert MODIFIED in str(outcome["torch"])


def test_a_tensor_no_gradient_needs_may_change_in_place_as_in_pytorch():
    def build(lib):
        w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        x = lib.tensor([[1.0, 0.0], [0.0, 1.0]])  # w's gradient needs x, not w
        loss = (x @ w.T).sum() + (w * 3.0).sum()
        with lib.no_grad():
            w.mul_(2)
        loss.backward()
        assert w.grad.tolist() == [[4.0, 4.0], [4.0, 4.0]]

    assert _both(build) in ({"minigan": None}, {"minigan": None, "torch": None})


def test_changes_through_data_are_not_seen_as_in_pytorch():
    # the reason .data is discouraged: the gradient uses the changed numbers, silently
    def run(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        loss = (w * w).sum()
        w.data.mul_(10)
        loss.backward()
        return np.asarray(w.grad.tolist())

    np.testing.assert_array_equal(run(mg), [20.0, 40.0, 60.0])
    torch = _torch()
    np.testing.assert_array_equal(run(torch), [20.0, 40.0, 60.0])


# ----------------------------------------------------------------------------- .data and the in-place family


def test_data_is_a_detached_tensor_sharing_the_array():
    w = mg.tensor([1.0, -2.0], requires_grad=True)
    d = w.data
    assert isinstance(d, mg.Tensor) and not d.requires_grad and d.grad_fn is None
    assert d.array is w.array
    d.clamp_(-1.0, 1.0)
    assert w.tolist() == [1.0, -1.0]
    assert w.data.size(0) == 2 and w.data.cpu().tolist() == [1.0, -1.0]
    w.data = mg.tensor([5.0, 6.0])  # replaces the array, as PyTorch allows
    assert w.tolist() == [5.0, 6.0] and w.requires_grad
    nn.init.normal_(w.data, 0.0, 0.02)  # the DCGAN init idiom
    assert w.shape == (2,) and abs(w.array).max() < 0.2


def test_in_place_methods_match_pytorch():
    torch = _torch()
    start = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
    other = np.array([0.5, 2.0, -1.0])
    steps = [
        ("fill_", (2.5,), {}), ("zero_", (), {}), ("clamp_", (-2.0, 2.0), {}), ("clamp_", (None, 0.0), {}),
        ("add_", ("other",), {}), ("add_", ("other",), {"alpha": 3.0}), ("sub_", ("other",), {"alpha": 2.0}),
        ("sub_", (1.5,), {}), ("mul_", ("other",), {}), ("mul_", (3.0,), {}), ("div_", ("other",), {}),
        ("div_", (4.0,), {}), ("copy_", ("other",), {}),
    ]
    for name, args, kwargs in steps:
        m, t = mg.tensor(start, dtype=np.float64), torch.tensor(start)
        m_args = [mg.tensor(other, dtype=np.float64) if a == "other" else a for a in args]
        t_args = [torch.tensor(other) if a == "other" else a for a in args]
        assert getattr(m, name)(*m_args, **kwargs) is m
        getattr(t, name)(*t_args, **kwargs)
        np.testing.assert_allclose(m.numpy(), t.numpy(), err_msg=name)
        assert m._version == 1, name


def test_random_in_place_methods_draw_the_right_distribution():
    mg.manual_seed(0)
    x = mg.zeros(20000)
    x.normal_(3.0, 0.5)
    assert abs(x.mean().item() - 3.0) < 0.02 and abs(x.var().item() ** 0.5 - 0.5) < 0.02
    x.uniform_(-2.0, 4.0)
    assert -2.0 <= x.array.min() and x.array.max() < 4.0 and abs(x.mean().item() - 1.0) < 0.05
    assert x._version == 2 and x.dtype == np.float32


def test_in_place_methods_refuse_a_leaf_that_requires_grad_like_pytorch():
    torch = _torch()
    for name, args in [("fill_", (1.0,)), ("normal_", ()), ("uniform_", ()), ("clamp_", (0.0, 1.0)),
                       ("copy_", None), ("mul_", (2.0,)), ("add_", (1.0,)), ("sub_", (1.0,)), ("div_", (2.0,))]:
        m, t = mg.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
        m_args = (mg.zeros(3),) if args is None else args
        t_args = (torch.zeros(3),) if args is None else args
        with pytest.raises(RuntimeError, match=rf"{name}\(\): a leaf tensor that requires grad"):
            getattr(m, name)(*m_args)
        with pytest.raises(RuntimeError, match="leaf"):
            getattr(t, name)(*t_args)
        with mg.no_grad():
            getattr(m, name)(*m_args)  # allowed, as in PyTorch
        assert m._version == 1


def test_clamp_without_bounds_is_an_error():
    with pytest.raises(ValueError, match="clamp_: at least one of min and max"):
        mg.ones(2).clamp_()


# ----------------------------------------------------------------------------- conversions, norm, device


def test_dtype_conversions_match_pytorch():
    torch = _torch()
    values = np.array([1.7, -2.2, 0.0])
    m, t = mg.tensor(values, dtype=np.float64), torch.tensor(values)
    for name in ["long", "int", "float", "double", "bool"]:
        got, expected = getattr(m, name)(), getattr(t, name)()
        assert str(got.dtype) == str(expected.dtype), name
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_float_conversion_is_differentiable():
    x = mg.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    x.float().sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("p, dim, keepdim", [(2, None, False), (2, 1, False), (2, 0, True), (1, 1, False),
                                             (float("inf"), None, False), (3, 1, True)])
def test_norm_matches_pytorch_with_gradients(p, dim, keepdim):
    torch = _torch()
    values = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
    m = mg.tensor(values, dtype=np.float64, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    mn, tn = m.norm(p, dim, keepdim), t.norm(p, dim, keepdim)
    np.testing.assert_allclose(mn.detach().numpy(), tn.detach().numpy(), rtol=1e-12)
    mn.sum().backward()
    tn.sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    assert mg.gradcheck(lambda x: x.norm(p, dim, keepdim), (mg.tensor(values, dtype=np.float64, requires_grad=True),))


def test_size_device_is_cuda_and_to():
    x = mg.zeros(2, 5)
    assert x.size() == (2, 5) and x.size(1) == 5 and x.size(-1) == 5
    assert x.device == "cpu" and x.is_cuda is False
    assert x.to("cpu") is x and x.to("numpy") is x
    assert x.to(mg.float64).dtype == np.float64
    assert x.to(mg.zeros(1, dtype=np.float64)).dtype == np.float64
    with pytest.raises(ValueError, match="backend must be one of"):
        x.to("tpu")


# ----------------------------------------------------------------------------- the save rule


class SquareSavingADerivedArray(mg.Function):
    """x ** 2 whose forward saves `a * 1`: the same numbers, but not the input object."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a * 1)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * 2 * a


class SquareSavingAView(SquareSavingADerivedArray):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a[...])  # a view: a new array object
        return a * a


@pytest.mark.parametrize("function", [SquareSavingADerivedArray, SquareSavingAView])
def test_saving_a_derived_array_warns_under_create_graph_and_gradgradcheck_catches_it(function):
    x = mg.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        function.apply(x).sum().backward()  # first order: right, and no warning
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert mg.gradcheck(function.apply, (x,))
    with pytest.warns(mg.SavedConstantWarning, match=rf"{function.__name__}.forward saved an array that is "
                      "neither its input nor its output.*Save the input or the output"):
        with pytest.raises(mg.GradcheckError, match="gradgradcheck failed"):
            mg.gradgradcheck(function.apply, (x,))


def test_saving_the_input_itself_gives_a_graph_tensor_and_no_warning():
    from test_autograd import Square  # the README's custom op, defined once

    x = mg.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mg.gradgradcheck(Square.apply, (x,))


def test_built_in_ops_do_not_warn_under_create_graph():
    x = mg.tensor([[0.5, -1.5, 2.0], [1.0, -0.2, 0.3]], dtype=np.float64, requires_grad=True)
    ops = [lambda x: x.relu(), lambda x: mg.functional.leaky_relu(x, 0.2), lambda x: x.abs(),
           lambda x: x.clamp(-1.0, 1.0), lambda x: x.amax(1), lambda x: x.max(), lambda x: mg.softplus(x),
           lambda x: mg.where(x > 0, x, x * x), lambda x: x.exp(), lambda x: x.sigmoid() * x.tanh()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for op in ops:
            (g,) = mg.grad(op(x).sum(), x, create_graph=True)
            if g.requires_grad:
                mg.grad((g * g).sum(), x, allow_unused=True)


# ----------------------------------------------------------------------------- piecewise-linear second derivatives


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "abs", "clamp"])
def test_second_derivative_through_piecewise_linear_ops_is_zeros_like_pytorch(name):
    torch = _torch()
    values = np.array([-1.5, -0.2, 0.4, 2.5])
    mg_fns = {"relu": mg.relu, "leaky_relu": lambda x: mg.functional.leaky_relu(x, 0.2),
              "abs": mg.abs, "clamp": lambda x: mg.clamp(x, -1.0, 1.0)}
    torch_fns = {"relu": torch.relu, "leaky_relu": lambda x: torch.nn.functional.leaky_relu(x, 0.2),
                 "abs": torch.abs, "clamp": lambda x: torch.clamp(x, -1.0, 1.0)}
    m = mg.tensor(values, dtype=np.float64, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    (mg_first,) = mg.grad(mg_fns[name](m).sum(), m, create_graph=True)
    (t_first,) = torch.autograd.grad(torch_fns[name](t).sum(), t, create_graph=True)
    np.testing.assert_allclose(mg_first.detach().numpy(), t_first.detach().numpy())
    assert mg_first.requires_grad
    (mg_second,) = mg.grad(mg_first.sum(), m)
    np.testing.assert_array_equal(mg_second.numpy(), np.zeros(4))
    if name == "clamp":  # PyTorch's clamp gradient is a constant: no second derivative at all
        assert not t_first.requires_grad
        return
    (t_second,) = torch.autograd.grad(t_first.sum(), t)
    np.testing.assert_array_equal(mg_second.numpy(), t_second.numpy(force=True))
