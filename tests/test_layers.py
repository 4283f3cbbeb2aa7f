"""The layers of image-to-image and style-based GANs (issue 21): instance, group and layer norm,
padding (constant, reflect, replicate, circular), pooling (average, max, adaptive average), pixel
shuffle and PReLU.

For each op: first and second derivatives against central differences in float64 on hypothesis
shapes (contiguous and strided inputs), values, gradients and second derivatives against PyTorch,
PyTorch's errors for bad arguments; for each layer: PyTorch's repr, state_dict keys and defaults.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan import functional as F
from minigan import nn
from strategies import noncontiguous, values
from test_fast_paths import backward_only_both_ways, same_both_ways
from test_ops import _compare_with_torch, needs_torch

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the parity tests skip; the gradient checks still run
    torch = TF = None


@st.composite
def images(draw, min_side=2, max_side=5, max_channels=3):
    """A float64 (N, C, H, W) array, contiguous or a strided view, values in [-2, 2]."""
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, max_channels)),
             draw(st.integers(min_side, max_side)), draw(st.integers(min_side, max_side)))
    x = values(draw(st.integers(0, 2**32 - 1)), shape)
    return noncontiguous(x) if draw(st.booleans()) else x


# the window settings below are parametrized: a third of the profile's examples for each
FEWER = settings(max_examples=max(3, settings.default.max_examples // 3))


def _param(seed, shape, low=0.5, high=1.5):
    return values(seed, shape, low, high)


def _check_both_orders(fn, *inputs):
    tensors = [mg.Tensor(a, requires_grad=True) for a in inputs]
    assert mg.gradcheck(fn, tensors)
    assert mg.gradgradcheck(fn, tensors)


# ----------------------------------------------------------------------------- instance, group, layer norm


@given(x=images(), seed=st.integers(0, 1000), affine=st.booleans())
def test_instance_norm_first_and_second_derivatives(x, seed, affine):
    c = x.shape[1]
    if affine:
        _check_both_orders(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), x, _param(seed, c), _param(seed + 1, c))
    else:
        _check_both_orders(lambda x: F.instance_norm(x) * mg.Tensor(_param(seed, x.shape)), x)


@given(x=images(max_channels=2, max_side=4), groups=st.sampled_from([1, 2]), seed=st.integers(0, 1000))
def test_group_norm_first_and_second_derivatives(x, groups, seed):
    x = np.concatenate([x, x[:, ::-1] * 0.5 + 0.3], axis=1)  # an even channel count for 2 groups
    c = x.shape[1]
    _check_both_orders(lambda x, w, b: F.group_norm(x, groups, w, b), x, _param(seed, c), _param(seed + 1, c))


@given(x=images(), seed=st.integers(0, 1000), last=st.sampled_from([1, 2, 3]))
def test_layer_norm_first_and_second_derivatives(x, seed, last):
    shape = x.shape[4 - last:]
    _check_both_orders(lambda x, w, b: F.layer_norm(x, shape, w, b), x, _param(seed, shape), _param(seed + 1, shape))


@needs_torch
@given(x=images(), seed=st.integers(0, 1000))
def test_norms_match_torch(x, seed):
    c, shape = x.shape[1], x.shape[2:]
    w, b = _param(seed, c), _param(seed + 1, c)
    _compare_with_torch(lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
                        lambda x, w, b: TF.instance_norm(x, weight=w, bias=b), [x, w, b], rtol=1e-9, atol=1e-10)
    _compare_with_torch(lambda x, w, b: F.group_norm(x, 1, w, b), lambda x, w, b: TF.group_norm(x, 1, w, b),
                        [x, w, b], rtol=1e-9, atol=1e-10)
    lw, lb = _param(seed, shape), _param(seed + 1, shape)
    _compare_with_torch(lambda x, w, b: F.layer_norm(x, shape, w, b), lambda x, w, b: TF.layer_norm(x, shape, w, b),
                        [x, lw, lb], rtol=1e-9, atol=1e-10)


@needs_torch
@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 2, 3, 2)])
@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm_on_other_ranks_and_with_running_statistics_matches_torch(shape, use_input_stats):
    x, w, b = values(3, shape), _param(4, shape[1]), _param(5, shape[1])
    mean, var = values(6, shape[1:2]), _param(7, shape[1:2])  # copied per call: updated in place
    _compare_with_torch(
        lambda x, w, b: F.instance_norm(x, mg.tensor(mean), mg.tensor(var), w, b, use_input_stats),
        lambda x, w, b: TF.instance_norm(x, torch.tensor(mean), torch.tensor(var), w, b, use_input_stats),
        [x, w, b], rtol=1e-9, atol=1e-10)


@needs_torch
@pytest.mark.parametrize("shape, groups", [((2, 6, 3, 4), 2), ((2, 6, 3, 4), 3), ((1, 6, 2, 2), 6),
                                           ((2, 4, 5), 2), ((5, 4), 2), ((2, 4, 2, 3, 2), 4)])
def test_group_norm_with_several_groups_matches_torch(shape, groups):
    x = values(shape[0] + groups, shape)
    w, b = _param(1, shape[1]), _param(2, shape[1])
    _compare_with_torch(lambda x, w, b: F.group_norm(x, groups, w, b), lambda x, w, b: TF.group_norm(x, groups, w, b),
                        [x, w, b], rtol=1e-9, atol=1e-10)


@needs_torch
@pytest.mark.parametrize("momentum", [0.1, None])
def test_instance_norm2d_running_statistics_train_and_eval_match_torch(momentum):
    ours = nn.InstanceNorm2d(3, affine=True, track_running_stats=True, momentum=momentum)
    theirs = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True, momentum=momentum)
    rng = np.random.default_rng(0)
    for step in range(3):
        x = (rng.standard_normal((4, 3, 5, 6)) * (step + 1) + step).astype(np.float32)
        np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), atol=1e-5)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, err_msg=key)
    assert ours.num_batches_tracked.item() == 0  # InstanceNorm does not count, unlike BatchNorm
    ours.eval(), theirs.eval()
    x = rng.standard_normal((2, 3, 1, 1)).astype(np.float32)  # one position: fine with running statistics
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5)


def test_instance_norm2d_normalises_each_sample_and_channel_and_takes_unbatched_input():
    x = mg.tensor(np.random.default_rng(1).normal(3.0, 2.0, (2, 3, 8, 8)))
    y = nn.InstanceNorm2d(3)(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(2, 3)), 0, atol=1e-6)
    np.testing.assert_allclose(y.var(axis=(2, 3)), 1, atol=1e-4)
    unbatched = nn.InstanceNorm2d(3)(x[1])
    assert unbatched.shape == (3, 8, 8)
    np.testing.assert_allclose(unbatched.numpy(), y[1], atol=1e-6)
    model = nn.InstanceNorm2d(3)
    model.eval()  # without running statistics, evaluation still uses each instance's own
    np.testing.assert_allclose(model(x).numpy(), y, atol=1e-6)


def test_instance_norm2d_errors_are_pytorchs():
    with pytest.raises(ValueError, match=r"Expected more than 1 spatial element when training, got input size \(2, 3, 1, 1\)"):
        nn.InstanceNorm2d(3)(mg.ones(2, 3, 1, 1))
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features \(3\), but got: 4"):
        nn.InstanceNorm2d(3, affine=True)(mg.ones(2, 4, 5, 5))
    with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
        assert nn.InstanceNorm2d(3)(mg.randn(2, 4, 5, 5)).shape == (2, 4, 5, 5)
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.InstanceNorm2d(3)(mg.ones(3, 5))
    with pytest.raises(RuntimeError, match="Expected running_mean and running_var to be defined when use_input_stats is false"):
        F.instance_norm(mg.ones(2, 3, 4, 4), use_input_stats=False)


def test_group_and_layer_norm_errors_are_pytorchs():
    with pytest.raises(ValueError, match=r"num_channels \(4\) must be divisible by num_groups \(3\)"):
        nn.GroupNorm(3, 4)
    with pytest.raises(RuntimeError, match=r"divisible by num_groups, but got input of shape \[2, 4, 3, 3\] and num_groups=3"):
        F.group_norm(mg.ones(2, 4, 3, 3), 3)
    with pytest.raises(RuntimeError, match=r"weight of shape \[4\] and input of shape \[2, 6, 3, 3\]"):
        nn.GroupNorm(2, 4)(mg.ones(2, 6, 3, 3))
    with pytest.raises(RuntimeError, match="Expected at least 2 dimensions for input tensor but received 1"):
        nn.GroupNorm(2, 4)(mg.ones(4))
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size\[3, 5\]"):
        nn.LayerNorm(4)(mg.ones(3, 5))
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[3, 4\], expected input with shape \[\*, 3, 4\]"):
        nn.LayerNorm([3, 4])(mg.ones(2, 4, 4))


def test_group_norm_with_one_group_per_channel_is_instance_norm_and_layer_norm_on_2d_input():
    x = mg.randn(2, 4, 3, 3)
    np.testing.assert_allclose(F.group_norm(x, 4).numpy(), F.instance_norm(x).numpy(), atol=1e-6)
    np.testing.assert_allclose(F.group_norm(x, 1).numpy(), F.layer_norm(x, (4, 3, 3)).numpy(), atol=1e-6)
    rows = mg.randn(5, 4)
    assert nn.GroupNorm(2, 4)(rows).shape == (5, 4)


# ----------------------------------------------------------------------------- padding


@st.composite
def paddings(draw, x_shape, mode):
    """(left, right, top, bottom) within the mode's limits for an (.., H, W) input."""
    h, w = x_shape[-2:]
    limit = {"reflect": (h - 1, w - 1), "circular": (h, w)}.get(mode, (3, 3))
    return (draw(st.integers(0, limit[1])), draw(st.integers(0, limit[1])),
            draw(st.integers(0, limit[0])), draw(st.integers(0, limit[0])))


MODES = ["constant", "reflect", "replicate", "circular"]


@pytest.mark.parametrize("mode", MODES)
@given(data=st.data())
def test_pad_first_and_second_derivatives(mode, data):
    x = data.draw(images(max_side=4))
    widths = data.draw(paddings(x.shape, mode))
    weights = values(7, (x.shape[0], x.shape[1], x.shape[2] + widths[2] + widths[3], x.shape[3] + widths[0] + widths[1]))
    # times a fixed random weight and squared: a second derivative that is not zero
    _check_both_orders(lambda x: (F.pad(x, widths, mode) * mg.Tensor(weights)) ** 2, x)


@needs_torch
@pytest.mark.parametrize("mode", MODES)
@given(data=st.data())
def test_pad_matches_torch(mode, data):
    x = data.draw(images(max_side=4))
    widths = data.draw(paddings(x.shape, mode))
    _compare_with_torch(lambda x: F.pad(x, widths, mode) ** 2, lambda x: TF.pad(x, widths, mode=mode) ** 2, [x])


@needs_torch
@pytest.mark.parametrize("mode", MODES)
def test_negative_padding_crops_first_as_in_torch(mode):
    x = np.arange(2 * 5 * 6, dtype=np.float64).reshape(1, 2, 5, 6)
    for widths in [(-1, 2, 1, -2), (2, -1, -1, 0)]:
        _compare_with_torch(lambda x: F.pad(x, widths, mode) ** 2, lambda x: TF.pad(x, widths, mode=mode) ** 2, [x])


@needs_torch
def test_pad_on_three_dimensional_and_unbatched_inputs_matches_torch():
    x = np.random.default_rng(3).standard_normal((2, 3, 5))
    _compare_with_torch(lambda x: F.pad(x, (2, 1), "reflect"), lambda x: TF.pad(x, (2, 1), mode="reflect"), [x])
    _compare_with_torch(lambda x: F.pad(x, (1, 2, 2, 1), "replicate"), lambda x: TF.pad(x, (1, 2, 2, 1), mode="replicate"), [x])
    _compare_with_torch(lambda x: F.pad(x, (1, 1, 1, 1, 1, 1), value=2.5), lambda x: TF.pad(x, (1, 1, 1, 1, 1, 1), value=2.5), [x])


def test_reflection_padding_values():
    row = mg.tensor([[[1.0, 2.0, 3.0]]])
    assert F.pad(row, (2, 2), "reflect").tolist() == [[[3, 2, 1, 2, 3, 2, 1]]]
    assert F.pad(row, (2, 2), "replicate").tolist() == [[[1, 1, 1, 2, 3, 3, 3]]]
    assert F.pad(row, (2, 2), "circular").tolist() == [[[2, 3, 1, 2, 3, 1, 2]]]
    assert F.pad(row, (2, 2), value=9).tolist() == [[[9, 9, 1, 2, 3, 9, 9]]]


def test_padding_errors_are_pytorchs():
    x = mg.ones(1, 1, 2, 2)
    with pytest.raises(RuntimeError, match=r"Padding size should be less than the corresponding input dimension, but got: padding \(2, 2\) at dimension 3 of input \[1, 1, 2, 2\]"):
        F.pad(x, (2, 2, 2, 2), mode="reflect")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 4D input tensor"):
        F.pad(x, (1, 1), mode="replicate")
    with pytest.raises(NotImplementedError, match="Padding size 4 is not supported for 2D input tensor"):
        nn.ReflectionPad2d(1)(mg.ones(3, 3))
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(x, (1, 1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times the input dimension but got padding length 6 and input of dimension 2"):
        F.pad(mg.ones(2, 3), (1, 1, 1, 1, 1, 1))
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
        F.pad(x, (1, 1), mode="foo")
    with pytest.raises(RuntimeError, match='Padding mode "reflect" doesn\'t take in value argument'):
        F.pad(x, (1, 1, 1, 1), mode="reflect", value=1.0)
    with pytest.raises(RuntimeError, match="Padding value causes wrapping around more than once"):
        F.pad(x, (3, 0, 0, 0), mode="circular")


@needs_torch
def test_padding_layers_match_torch_and_print_as_torch():
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 5)).astype(np.float32)
    pairs = [(nn.ReflectionPad2d(1), torch.nn.ReflectionPad2d(1)),
             (nn.ReflectionPad2d((1, 0, 2, 3)), torch.nn.ReflectionPad2d((1, 0, 2, 3))),
             (nn.ReplicationPad2d(2), torch.nn.ReplicationPad2d(2)),
             (nn.ZeroPad2d((1, 0, 1, 0)), torch.nn.ZeroPad2d((1, 0, 1, 0))),
             (nn.ConstantPad2d(1, 3.5), torch.nn.ConstantPad2d(1, 3.5))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs) and list(ours.state_dict()) == []
        np.testing.assert_array_equal(ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())


# ----------------------------------------------------------------------------- pooling

AVG_SETTINGS = [  # kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    (2, None, 0, False, True, None), (3, 2, 1, False, True, None), (3, 2, 1, True, False, None),
    ((2, 3), (1, 2), (1, 1), True, True, None), (2, 1, 1, False, False, None), (3, 2, 1, False, True, 4),
]
MAX_SETTINGS = [  # kernel_size, stride, padding, dilation, ceil_mode
    (2, None, 0, 1, False), (3, 2, 1, 1, False), (3, 2, 1, 1, True), ((2, 3), (2, 1), (1, 0), (2, 1), True),
    (2, 1, 0, 1, False),
]


@pytest.mark.parametrize("setting", AVG_SETTINGS, ids=str)
@FEWER
@given(x=images(min_side=4, max_side=5))
def test_avg_pool2d_first_and_second_derivatives(setting, x):
    kernel, stride, padding, ceil, count_pad, divisor = setting
    _check_both_orders(lambda x: F.avg_pool2d(x, kernel, stride, padding, ceil, count_pad, divisor) ** 2, x)


@needs_torch
@pytest.mark.parametrize("setting", AVG_SETTINGS, ids=str)
@FEWER
@given(x=images(min_side=4, max_side=7))
def test_avg_pool2d_matches_torch(setting, x):
    kernel, stride, padding, ceil, count_pad, divisor = setting
    _compare_with_torch(lambda x: F.avg_pool2d(x, kernel, stride, padding, ceil, count_pad, divisor) ** 2,
                        lambda x: TF.avg_pool2d(x, kernel, stride, padding, ceil, count_pad, divisor) ** 2, [x])


@pytest.mark.parametrize("setting", MAX_SETTINGS, ids=str)
@FEWER
@given(x=images(min_side=4, max_side=5))
def test_max_pool2d_first_and_second_derivatives(setting, x):
    kernel, stride, padding, dilation, ceil = setting
    _check_both_orders(lambda x: F.max_pool2d(x, kernel, stride, padding, dilation, ceil) ** 2, x)


@needs_torch
@pytest.mark.parametrize("setting", MAX_SETTINGS, ids=str)
@FEWER
@given(x=images(min_side=4, max_side=7))
def test_max_pool2d_matches_torch_with_indices(setting, x):
    kernel, stride, padding, dilation, ceil = setting
    _compare_with_torch(lambda x: F.max_pool2d(x, kernel, stride, padding, dilation, ceil) ** 2,
                        lambda x: TF.max_pool2d(x, kernel, stride, padding, dilation, ceil) ** 2, [x])
    _, ours = F.max_pool2d(mg.tensor(x), kernel, stride, padding, dilation, ceil, return_indices=True)
    _, theirs = TF.max_pool2d(torch.tensor(x), kernel, stride, padding, dilation, ceil, return_indices=True)
    assert ours.dtype == np.int64 and np.array_equal(ours.numpy(), theirs.numpy())


def test_max_pool2d_gradient_goes_to_the_first_maximum_of_each_window():
    x = mg.tensor([[[[1.0, 5.0, 5.0, 0.0], [2.0, 0.0, 3.0, 4.0]]]], requires_grad=True)
    y = F.max_pool2d(x, 2)
    assert y.tolist() == [[[[5.0, 5.0]]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[[0, 1, 1, 0], [0, 0, 0, 0]]]]
    overlapping = mg.tensor([[[[0.0, 9.0, 0.0]]]], requires_grad=True)
    F.max_pool2d(overlapping, (1, 2), stride=1).sum().backward()  # both windows pick the 9
    assert overlapping.grad.tolist() == [[[[0, 2, 0]]]]


@needs_torch
@pytest.mark.parametrize("setting", MAX_SETTINGS, ids=str)
def test_max_pool2d_picks_torchs_element_among_infs_nans_and_ties(setting):
    """The first of equal maxima, the last nan, never the padding (not even over a window of -inf):
    the same values and indices as PyTorch on inputs made of 0, 1, -1, inf, -inf and nan."""
    kernel, stride, padding, dilation, ceil = setting
    rng = np.random.default_rng(10)
    for pool in range(20):
        x = rng.choice([0.0, 1.0, -1.0, np.inf, -np.inf, np.nan], size=(2, 2, 5, 6), p=[.3, .2, .2, .1, .1, .1])
        if pool % 2:
            x = np.where(x == 1.0, -np.inf, x)  # more windows of nothing but -inf and nan
        values_, ours = F.max_pool2d(mg.tensor(x), kernel, stride, padding, dilation, ceil, return_indices=True)
        expected, theirs = TF.max_pool2d(torch.tensor(x), kernel, stride, padding, dilation, ceil, return_indices=True)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        np.testing.assert_array_equal(values_.numpy(), expected.numpy())  # nan == nan here


@needs_torch
def test_max_pool2d_window_on_padding_only_is_minus_inf_as_in_torch():
    """With dilation, a window's taps can all fall on the padding: PyTorch gives -inf (and an index
    its loop reached), minigan too; such a window sends no gradient back."""
    x = np.arange(1.0, 5.0).reshape(1, 1, 4, 1)
    args = ((1, 2), (3, 3), (0, 1), (1, 2), True)  # kernel, stride, padding, dilation, ceil_mode
    ours, ours_index = F.max_pool2d(mg.tensor(x), *args, return_indices=True)
    theirs, theirs_index = TF.max_pool2d(torch.tensor(x), *args, return_indices=True)
    assert ours.tolist() == theirs.tolist() == [[[[-np.inf], [-np.inf]]]]
    assert ours_index.tolist() == theirs_index.tolist() == [[[[1], [4]]]]
    edge = mg.tensor(np.arange(1.0, 3.0).reshape(1, 1, 2, 1), requires_grad=True)
    y = F.max_pool2d(edge, (1, 2), (3, 3), (0, 1), (1, 2))
    assert y.tolist() == [[[[-np.inf]]]]
    y.sum().backward()
    assert edge.grad.tolist() == [[[[0.0], [0.0]]]]  # the window's taps, columns -1 and 1: padding


@given(x=images(min_side=2, max_side=6), out=st.tuples(st.integers(1, 4), st.integers(1, 4)))
def test_adaptive_avg_pool2d_first_and_second_derivatives(x, out):
    _check_both_orders(lambda x: F.adaptive_avg_pool2d(x, out) ** 2, x)


@needs_torch
@given(x=images(min_side=1, max_side=7), out=st.tuples(st.integers(1, 5), st.sampled_from([1, 2, 3, None])))
def test_adaptive_avg_pool2d_matches_torch(x, out):
    _compare_with_torch(lambda x: F.adaptive_avg_pool2d(x, out) ** 2, lambda x: TF.adaptive_avg_pool2d(x, out) ** 2, [x])


def test_pooling_errors_are_pytorchs():
    x = mg.ones(1, 1, 2, 2)
    for pool in (F.max_pool2d, F.avg_pool2d):
        with pytest.raises(RuntimeError, match=r"Given input size: \(2x2\). Calculated output size: \(0x0\). Output size is too small"):
            pool(x, 3)
        with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1"):
            pool(mg.ones(1, 1, 5, 5), 2, padding=2)
        with pytest.raises(RuntimeError, match="stride should not be zero"):
            pool(mg.ones(1, 1, 5, 5), 2, stride=0)
        with pytest.raises(RuntimeError, match="non-empty 3D or 4D"):
            pool(mg.ones(5, 5), 2)
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        F.avg_pool2d(mg.ones(1, 1, 5, 5), 2, divisor_override=0)
    with pytest.raises(RuntimeError, match=r"adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received \[-1, 2\]"):
        nn.AdaptiveAvgPool2d((-1, 2))(mg.ones(1, 1, 4, 4))
    with pytest.raises(RuntimeError, match=r"adaptive_avg_pool2d: output_size must be 2 \(an int or a pair\), got \(1, 2, 3\)"):
        F.adaptive_avg_pool2d(x, (1, 2, 3))
    with pytest.raises(TypeError, match="output_size must be an int or a pair, got None"):
        F.adaptive_avg_pool2d(x, None)
    with pytest.raises(RuntimeError, match="adaptive_avg_pool2d: non-empty 3D or 4D"):
        F.adaptive_avg_pool2d(mg.ones(4, 4), 2)
    assert F.adaptive_avg_pool2d(mg.ones(1, 1, 4, 4), (0, 2)).shape == (1, 1, 0, 2)  # as PyTorch


@needs_torch
def test_pooling_layers_match_torch_on_unbatched_input_and_print_as_torch():
    x = np.random.default_rng(5).standard_normal((3, 7, 6)).astype(np.float32)
    pairs = [(nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
             (nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
             (nn.AvgPool2d(2), torch.nn.AvgPool2d(2)),
             (nn.AvgPool2d(3, stride=2, padding=[1, 1], count_include_pad=False),
              torch.nn.AvgPool2d(3, stride=2, padding=[1, 1], count_include_pad=False)),
             (nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1)),
             (nn.AdaptiveAvgPool2d((2, 3)), torch.nn.AdaptiveAvgPool2d((2, 3)))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs) and list(ours.state_dict()) == []
        np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------------------------- pixel shuffle


@given(x=images(max_side=3, max_channels=2), r=st.sampled_from([1, 2, 3]))
def test_pixel_shuffle_and_unshuffle_derivatives_and_inverse(x, r):
    x = np.repeat(x, r * r, axis=1) * np.arange(1, r * r * x.shape[1] + 1).reshape(1, -1, 1, 1)
    _check_both_orders(lambda x: F.pixel_shuffle(x, r) ** 2, x)
    shuffled = F.pixel_shuffle(mg.tensor(x), r).numpy()  # (N, C, H r, W r)
    _check_both_orders(lambda y: F.pixel_unshuffle(y, r) ** 2, shuffled)
    t = mg.tensor(x)
    assert F.pixel_shuffle(t, r).shape == (x.shape[0], x.shape[1] // (r * r), x.shape[2] * r, x.shape[3] * r)
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(t, r), r).numpy(), x)


@needs_torch
@pytest.mark.parametrize("shape, r", [((2, 8, 3, 2), 2), ((3, 1, 9, 2, 2), 3), ((4, 2, 2), 2)])
def test_pixel_shuffle_matches_torch(shape, r):
    x = np.random.default_rng(6).standard_normal(shape)
    _compare_with_torch(lambda x: F.pixel_shuffle(x, r) ** 2, lambda x: TF.pixel_shuffle(x, r) ** 2, [x])
    y = np.random.default_rng(7).standard_normal(shape[:-3] + (shape[-3], shape[-2] * r, shape[-1] * r))
    _compare_with_torch(lambda y: F.pixel_unshuffle(y, r) ** 2, lambda y: TF.pixel_unshuffle(y, r) ** 2, [y])
    assert repr(nn.PixelShuffle(r)) == repr(torch.nn.PixelShuffle(r))
    assert repr(nn.PixelUnshuffle(r)) == repr(torch.nn.PixelUnshuffle(r))


def test_pixel_shuffle_places_channels_as_pixel_blocks_and_errors_are_pytorchs():
    x = mg.tensor(np.arange(4.0).reshape(1, 4, 1, 1))
    assert F.pixel_shuffle(x, 2).tolist() == [[[[0, 1], [2, 3]]]]
    with pytest.raises(RuntimeError, match=r"input.size\(-3\)=3 is not divisible by 4"):
        nn.PixelShuffle(2)(mg.ones(1, 3, 2, 2))
    with pytest.raises(RuntimeError, match="pixel_shuffle expects input to have at least 3 dimensions, but got input with 2"):
        F.pixel_shuffle(mg.ones(4, 2), 2)
    with pytest.raises(RuntimeError, match="pixel_shuffle expects a positive upscale_factor, but got 0"):
        F.pixel_shuffle(mg.ones(1, 4, 2, 2), 0)
    with pytest.raises(RuntimeError, match=r"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size\(-2\)=3"):
        F.pixel_unshuffle(mg.ones(1, 1, 3, 4), 2)


# ----------------------------------------------------------------------------- PReLU


@given(x=images(), per_channel=st.booleans(), seed=st.integers(0, 1000))
def test_prelu_first_and_second_derivatives(x, per_channel, seed):
    x = np.where(np.abs(x) < 0.05, 0.05, x)  # away from the kink
    slope = values(seed, (x.shape[1] if per_channel else 1,), 0.05, 0.5)
    _check_both_orders(lambda x, a: F.prelu(x, a) ** 2, x, slope)


@needs_torch
@given(x=images(), per_channel=st.booleans(), seed=st.integers(0, 1000))
def test_prelu_matches_torch(x, per_channel, seed):
    x = np.where(np.abs(x) < 0.05, 0.05, x)
    slope = values(seed, (x.shape[1] if per_channel else 1,), 0.05, 0.5)
    _compare_with_torch(lambda x, a: F.prelu(x, a) ** 2, lambda x, a: TF.prelu(x, a) ** 2, [x, slope])


@needs_torch
def test_prelu_layer_defaults_and_errors_are_pytorchs():
    for args, kwargs in [((), {}), ((3,), {}), ((2,), {"init": 0.1})]:
        ours, theirs = nn.PReLU(*args, **kwargs), torch.nn.PReLU(*args, **kwargs)
        assert repr(ours) == repr(theirs) and list(ours.state_dict()) == ["weight"]
        np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 and channel size = 4."):
        nn.PReLU(3)(mg.ones(2, 4, 3))
    with pytest.raises(RuntimeError, match="Not allow zero-dim input tensor"):
        nn.PReLU(3)(mg.tensor(2.0))
    with pytest.raises(RuntimeError, match="prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2"):
        F.prelu(mg.ones(2, 3), mg.ones(1, 1))
    assert F.prelu(mg.tensor([-2.0, 3.0]), mg.tensor(0.5)).tolist() == [-1.0, 3.0]  # a 0-d slope
    assert nn.PReLU()(mg.tensor(-2.0)).item() == pytest.approx(-0.5)


# ----------------------------------------------------------------------------- the layers as PyTorch builds them


@needs_torch
@pytest.mark.parametrize("make", [
    lambda nn: nn.InstanceNorm2d(3), lambda nn: nn.InstanceNorm2d(3, affine=True),
    lambda nn: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
    lambda nn: nn.InstanceNorm1d(3, track_running_stats=True),
    lambda nn: nn.GroupNorm(2, 4), lambda nn: nn.GroupNorm(2, 4, affine=False), lambda nn: nn.GroupNorm(2, 4, bias=False),
    lambda nn: nn.LayerNorm(4), lambda nn: nn.LayerNorm([3, 4], elementwise_affine=False), lambda nn: nn.LayerNorm(4, bias=False),
], ids=["in", "in_affine", "in_tracked", "in1d", "gn", "gn_plain", "gn_nobias", "ln", "ln_plain", "ln_nobias"])
def test_norm_layers_have_pytorchs_repr_state_dict_and_initial_values(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy(), err_msg=key)
        assert ours.state_dict()[key].dtype == value.numpy().dtype


@needs_torch
def test_norm_layers_with_copied_weights_match_torch_forward_and_backward():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 4, 5, 5)).astype(np.float32)
    pairs = [(nn.InstanceNorm2d(4, affine=True), torch.nn.InstanceNorm2d(4, affine=True)),
             (nn.GroupNorm(2, 4), torch.nn.GroupNorm(2, 4)), (nn.LayerNorm([5, 5]), torch.nn.LayerNorm([5, 5]))]
    for ours, theirs in pairs:
        state = {k: rng.uniform(0.5, 1.5, v.shape).astype(np.float32) for k, v in theirs.state_dict().items()}
        ours.load_state_dict(state)
        theirs.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
        mx, tx = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (ours(mx) ** 2).sum().backward()
        (theirs(tx) ** 2).sum().backward()
        np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_no_layer_warns_on_an_ordinary_forward():
    x = mg.randn(2, 4, 6, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for layer in (nn.InstanceNorm2d(4), nn.GroupNorm(2, 4), nn.LayerNorm(6), nn.ReflectionPad2d(2),
                      nn.MaxPool2d(2), nn.AvgPool2d(3, 1, 1), nn.AdaptiveAvgPool2d(2), nn.PReLU(4)):
            assert layer(x).ndim == 4


# ----------------------------------------------------------------------------- on the fast paths
# and on the reference code
# Instance, group and layer norm run on BatchNorm, average pooling on Conv2dFunction: two ops with
# fast paths (minigan/fast_paths.py). The gradient checks above run with the fast paths on (the
# default: first derivatives by BatchNorm's and conv's fast backwards, second derivatives by their
# reference backwards); here each of these layers is also gradient-checked to second order on the
# reference code alone (mg.fast_paths(False)), and the two paths give the same values, first and
# second derivatives. The guard below finds, by walking the graph, which of issue 21's ops reach a
# Function with a fast path, so that a fast path added under another of them gets a case here.


def _float64(rng, *shape):
    return mg.tensor(rng.standard_normal(shape), dtype=mg.float64, requires_grad=True)


def _running(c):
    """Running statistics (C,) as an InstanceNorm2d with track_running_stats has them."""
    rng = np.random.default_rng(9)
    return (mg.tensor(rng.standard_normal(c), dtype=mg.float64),
            mg.tensor(rng.uniform(0.5, 2.0, c), dtype=mg.float64))


ON_FAST_PATHS = [  # (op, case, the function, its float64 inputs)
    ("instance_norm", "affine", lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
     lambda r: (_float64(r, 2, 3, 4, 5), _float64(r, 3), _float64(r, 3))),
    ("instance_norm", "1d_times_x", lambda x: F.instance_norm(x) * x, lambda r: (_float64(r, 2, 3, 6),)),
    ("instance_norm", "eval_running_stats",
     lambda x, w, b: F.instance_norm(x, *_running(3), w, b, use_input_stats=False),
     lambda r: (_float64(r, 2, 3, 4, 4), _float64(r, 3), _float64(r, 3))),
    ("group_norm", "affine", lambda x, w, b: F.group_norm(x, 2, w, b),
     lambda r: (_float64(r, 2, 4, 3, 3), _float64(r, 4), _float64(r, 4))),
    ("layer_norm", "affine", lambda x, w, b: F.layer_norm(x, (3, 4), w, b),
     lambda r: (_float64(r, 2, 5, 3, 4), _float64(r, 3, 4), _float64(r, 3, 4))),
    ("layer_norm", "plain_squared", lambda x: F.layer_norm(x, (5,)) ** 2, lambda r: (_float64(r, 3, 5),)),
    ("avg_pool2d", "k2", lambda x: F.avg_pool2d(x, 2) ** 2, lambda r: (_float64(r, 2, 3, 6, 6),)),
    ("avg_pool2d", "k3_s2_p1_ceil_no_pad_count",
     lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False) ** 2,
     lambda r: (_float64(r, 2, 2, 7, 6),)),
    ("avg_pool2d", "divisor_unbatched", lambda x: F.avg_pool2d(x, (2, 3), 1, divisor_override=4) ** 2,
     lambda r: (_float64(r, 2, 5, 5),)),
    ("prelu", "per_channel", lambda x, w: F.prelu(x, w) ** 2,                   # on Where's fast path
     lambda r: (_float64(r, 2, 3, 4, 4), _float64(r, 3))),
    ("prelu", "one_slope", lambda x, w: F.prelu(x, w) * x, lambda r: (_float64(r, 3, 5), _float64(r, 1))),
    ("pad", "every_mode", lambda x: sum((F.pad(x, (1, 2, 2, 1), mode) ** 2).sum() for mode in MODES),
     lambda r: (_float64(r, 2, 3, 4, 5),)),                                     # Pad's own
    ("lerp", "tensor_weight", lambda x, e, w: x.lerp(e, w) ** 2,                # lerp's where
     lambda r: (_float64(r, 2, 3, 4), _float64(r, 2, 3, 4), _float64(r, 3, 4))),
]
FAST_IDS = [f"{op}-{case}" for op, case, _, _ in ON_FAST_PATHS]


@pytest.mark.parametrize("op, case, fn, make", ON_FAST_PATHS, ids=FAST_IDS)
def test_layer_on_the_reference_code_passes_gradcheck_and_gradgradcheck(op, case, fn, make):
    inputs = make(np.random.default_rng(0))
    with mg.fast_paths(False):
        assert mg.gradcheck(fn, inputs)
        assert mg.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("op, case, fn, make", ON_FAST_PATHS, ids=FAST_IDS)
def test_layer_gives_the_same_numbers_on_the_fast_paths_and_the_reference_code(op, case, fn, make):
    inputs = make(np.random.default_rng(1))
    same_both_ways(fn, inputs)            # values, first and second derivatives
    backward_only_both_ways(fn, inputs)   # a plain backward: the fast backwards on raw arrays


# Every differentiable op of issue 21, on a (2, 4, 6, 6) input.
ISSUE_21_OPS = {
    "instance_norm": lambda x: F.instance_norm(x),
    "group_norm": lambda x: F.group_norm(x, 2),
    "layer_norm": lambda x: F.layer_norm(x, (6, 6)),
    "pad": lambda x: sum(F.pad(x, (1, 2, 2, 1), mode).sum() for mode in MODES),
    "avg_pool2d": lambda x: F.avg_pool2d(x, 3, 2, 1),
    "max_pool2d": lambda x: F.max_pool2d(x, 3, 2, 1),
    "adaptive_avg_pool2d": lambda x: F.adaptive_avg_pool2d(x, (4, 3)),
    "pixel_shuffle": lambda x: F.pixel_shuffle(x, 2),
    "pixel_unshuffle": lambda x: F.pixel_unshuffle(x, 2),
    "prelu": lambda x: F.prelu(x, mg.tensor(np.full(4, 0.25))),
    "repeat": lambda x: x.repeat(1, 2, 1, 1),
    "expand": lambda x: x[:1].expand(3, -1, -1, -1),
    "chunk/split": lambda x: x.chunk(2, 1)[1] * x.split([1, 3], 1)[1][:, :2],
    "flip": lambda x: x.flip(0, 3),
    "std/var": lambda x: x.std(dim=1, keepdim=True) * x.var((2, 3), keepdim=True),
    "lerp": lambda x: x.lerp(x ** 2, x.sigmoid()),
    "clone/contiguous": lambda x: x.clone().permute(0, 2, 3, 1).contiguous(),
}


def _functions_with_fast_paths_reached(out) -> set:
    """The names of the Functions with a fast path among the nodes of out's graph, but for the
    elementary ops' backwards on raw arrays (backward_on_arrays: Mul, Reshape, ...), which
    tests/test_fast_paths.py checks op by op, bit for bit."""
    found, seen, todo = set(), set(), [out.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        function = node.function
        on_arrays = hasattr(function.fast_backward, "__wrapped__")
        if function.fast_forward is not None or (function.fast_backward is not None
                                                 and not on_arrays):
            found.add(function.__name__)
        todo += [t.grad_fn for t in node.inputs if t is not None]
    return found


def test_the_ops_on_fast_paths_are_the_ones_checked_on_both_paths():
    x = mg.tensor(np.random.default_rng(2).standard_normal((2, 4, 6, 6)), requires_grad=True)
    reached = {name: _functions_with_fast_paths_reached(fn(x)) for name, fn in ISSUE_21_OPS.items()}
    assert {name for name, found in reached.items() if found} == {op for op, _, _, _ in ON_FAST_PATHS}
    assert reached["instance_norm"] == reached["layer_norm"] == {"BatchNorm"}
    assert reached["avg_pool2d"] == {"Conv2dFunction", "Pad"}  # padding=1: a constant Pad
    assert reached["prelu"] == reached["lerp"] == {"Where"}
    assert reached["pad"] == {"Pad"}
    # max_pool2d's fast path is how it finds each window's maximum (no Function of its own):
    # tests/test_fast_paths.py checks it against the reference, to second order
