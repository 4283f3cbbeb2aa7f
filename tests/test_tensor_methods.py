"""The Tensor methods image-to-image programs use (issue 21): clone, contiguous, repeat,
expand(..., -1), chunk/split, flip, std/var with PyTorch's unbiased/correction, lerp, detach_, and
torch.Tensor(...) as a constructor and a type.

Each differentiable one: first and second derivatives against central differences (float64,
hypothesis shapes, strided inputs) and values, gradients and second derivatives against PyTorch.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigan as mg
from strategies import NONEMPTY_SHAPES, arrays, values
from test_ops import _compare_with_torch, needs_torch

try:
    import torch
except ImportError:
    torch = None


# (name, minigan function, PyTorch function): the same code on both libraries' tensors
METHODS = [
    ("clone", lambda x: x.clone() * x),
    ("contiguous", lambda x: x.permute(*reversed(range(x.ndim))).contiguous() * 2),
    ("repeat", lambda x: x.repeat(2, *([1] * (x.ndim - 1)), 3) ** 2),
    ("expand_keep", lambda x: x.unsqueeze(0).expand(3, *([-1] * x.ndim)) ** 2),
    ("chunk", lambda x: x.chunk(2, dim=-1)[-1] ** 2),
    ("split_size", lambda x: x.split(2, dim=0)[0] ** 2),
    ("split_sections", lambda x: x.split([1, x.shape[-1] - 1], dim=-1)[1] * x.split([1, x.shape[-1] - 1], dim=-1)[0]),
    ("flip", lambda x: x.flip(0) * x),
    ("flip_all", lambda x: x.flip(tuple(range(x.ndim))) * x),
    ("std", lambda x: x.std()),
    ("std_dim_keepdim", lambda x: x.std(dim=-1, keepdim=True) * x),
    ("std_biased_positional", lambda x: x.std(0, False)),
    ("std_correction", lambda x: x.std(dim=0, correction=0.5)),
    ("var_positional", lambda x: x.var(-1, True, True) * x),
    ("lerp_number", lambda x: x.lerp(x ** 2, 0.3)),
    ("lerp_tensor_weight", lambda x: x.lerp(x * 0 + 1.5, x.sigmoid())),
]


def _big_enough(shape):
    """Shapes these methods accept: a last dimension of 2 or more, and 2 or more elements along 0."""
    return len(shape) >= 1 and shape[-1] >= 2 and shape[0] >= 2


SHAPES = NONEMPTY_SHAPES.filter(_big_enough)


@pytest.mark.parametrize("name, fn", METHODS, ids=[m[0] for m in METHODS])
@given(data=st.data())
def test_method_first_and_second_derivatives(name, fn, data):
    x = data.draw(arrays(SHAPES))
    assert mg.gradcheck(fn, (mg.Tensor(x, requires_grad=True),))
    assert mg.gradgradcheck(fn, (mg.Tensor(x, requires_grad=True),))


@needs_torch
@pytest.mark.parametrize("name, fn", METHODS, ids=[m[0] for m in METHODS])
@given(data=st.data())
def test_method_matches_torch(name, fn, data):
    x = data.draw(arrays(SHAPES))
    _compare_with_torch(fn, fn, [x])


@needs_torch
def test_torch_lerp_function_and_module_level_names_match_torch():
    a, b, w = (values(s, (3, 4)) for s in (1, 2, 3))
    _compare_with_torch(lambda a, b, w: mg.lerp(a, b, w.sigmoid()), lambda a, b, w: torch.lerp(a, b, w.sigmoid()), [a, b, w])
    _compare_with_torch(lambda a: mg.std(a, 1).sum() + (mg.flip(a, 0) * a).sum() + (mg.clone(a) * a).sum(),
                        lambda a: torch.std(a, 1).sum() + (torch.flip(a, (0,)) * a).sum() + (torch.clone(a) * a).sum(), [a])
    for ours, theirs in zip(mg.chunk(mg.tensor(a), 3, 1), torch.chunk(torch.tensor(a), 3, 1)):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for ours, theirs in zip(mg.split(mg.tensor(a), [1, 2], 0), torch.split(torch.tensor(a), [1, 2], 0)):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_lerp_is_exact_at_both_ends_as_torchs():
    """Computed from the nearer end, as PyTorch does: weight 0 gives start, weight 1 gives end,
    also where start + weight * (end - start) would round them away."""
    start, end = mg.tensor([1e20, 0.0, -3.0], dtype=mg.float64), mg.tensor([1.0, 1e-30, 5.0], dtype=mg.float64)
    assert start.lerp(end, 1.0).tolist() == [1.0, 1e-30, 5.0]
    assert start.lerp(end, 0.0).tolist() == [1e20, 0.0, -3.0]
    assert mg.lerp(start, end, mg.tensor([1.0, 0.0, 1.0], dtype=mg.float64)).tolist() == [1.0, 0.0, 5.0]
    assert mg.lerp(start, end, np.array([0.0, 1.0, 0.25])).tolist() == [1e20, 1e-30, -1.0]
    assert start.lerp(end, 0.75).tolist()[2] == 3.0


def test_repeat_tiles_as_torch_does():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.repeat(1, 2).tolist() == [[1, 2, 1, 2], [3, 4, 3, 4]]
    assert x.repeat(2, 1, 1).shape == (2, 2, 2)
    assert mg.tensor([1.0, 2.0]).repeat(3).tolist() == [1, 2, 1, 2, 1, 2]
    assert x.repeat(0, 1).shape == (0, 2)
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"):
        x.repeat(2)


def test_chunk_and_split_sizes_are_torchs():
    x = mg.arange(6.0)
    assert [c.tolist() for c in x.chunk(4)] == [[0, 1], [2, 3], [4, 5]]  # ceil(6 / 4) = 2 per chunk
    assert [len(c) for c in mg.arange(5.0).chunk(3)] == [2, 2, 1]
    assert [c.tolist() for c in x.split(4)] == [[0, 1, 2, 3], [4, 5]]
    assert [c.tolist() for c in x.split([1, 5])] == [[0], [1, 2, 3, 4, 5]]
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0, got: 0"):
        x.chunk(0)
    with pytest.raises(RuntimeError, match="split_size can only be 0 if dimension size is 0, but got dimension size of 6"):
        x.split(0)
    with pytest.raises(RuntimeError, match=r"split_with_sizes expects split_sizes to sum exactly to 6 \(input tensor's size at dimension 0\), but got split_sizes=\[2, 2\]"):
        x.split([2, 2])


def test_expand_keeps_sizes_with_minus_one_and_errors_as_torch():
    x = mg.ones(3, 1)
    assert x.expand(2, -1, 4).shape == (2, 3, 4)
    assert mg.broadcast_to(x, (2, -1, 5)).shape == (2, 3, 5)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(4\) must match the existing size \(3\) at non-singleton dimension 0.  Target sizes: \[4, 1\].  Tensor sizes: \[3, 1\]"):
        x.expand(4, 1)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(-1\) isn't allowed in a leading, non-existing dimension 0"):
        x.expand(-1, 3, 1)


def test_flip_copies_and_errors_as_torch():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    flipped = x.flip(0, 1)
    assert flipped.tolist() == [[4, 3], [2, 1]] and x.flip([1]).tolist() == [[2, 1], [4, 3]]
    with mg.no_grad():
        x[0, 0] = 9.0
    assert flipped.tolist() == [[4, 3], [2, 1]]  # a copy, not a view
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        x.flip(0, 0)
    with pytest.raises(TypeError, match="flip.. missing 1 required positional arguments"):
        x.flip()


@needs_torch
def test_std_and_var_signatures_and_degenerate_cases_are_torchs():
    a = values(4, (3, 5))
    for call in [lambda t: t.std(), lambda t: t.std(1), lambda t: t.std(1, False), lambda t: t.std(1, True, True),
                 lambda t: t.std(False), lambda t: t.var(dim=0, correction=2), lambda t: t.var(0, keepdim=True),
                 lambda t: t.std(dim=(0, 1), unbiased=False)]:
        np.testing.assert_allclose(call(mg.tensor(a)).numpy(), call(torch.tensor(a)).numpy(), rtol=1e-12)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        assert np.isnan(mg.ones(1).std().item())
    with pytest.raises(TypeError, match="give unbiased or correction, not both"):
        mg.ones(3).var(0, True, correction=1)


def test_clone_is_a_copy_in_the_graph_and_contiguous_returns_self_when_it_can():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.array is not x.array and y.grad_fn is not None
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3, 3]
    assert x.contiguous() is x
    strided = mg.ones(4, 3).T
    assert strided.contiguous() is not strided and strided.contiguous().array.flags.c_contiguous


def test_detach_in_place_makes_a_leaf():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert y.detach_() is y and y.is_leaf and not y.requires_grad and y.grad_fn is None
    assert y.tolist() == [2, 4]


# ----------------------------------------------------------------------------- torch.Tensor, the constructor and the type


def test_tensor_constructor_behaves_as_torch_tensor():
    assert mg.Tensor(4).shape == (4,) and mg.Tensor(4).dtype == np.float32
    assert mg.Tensor(2, 3).shape == (2, 3) and not mg.Tensor(2, 3).requires_grad
    assert mg.Tensor(2, 3).tolist() == [[0, 0, 0], [0, 0, 0]]  # zeros (PyTorch: uninitialised)
    assert mg.Tensor([1, 2]).tolist() == [1.0, 2.0] and mg.Tensor([1, 2]).dtype == np.float32
    assert mg.Tensor((2, 3)).tolist() == [2.0, 3.0]  # a tuple is data, as in PyTorch
    assert mg.Tensor([[True], [False]]).dtype == np.float32
    assert mg.Tensor().shape == (0,)
    x = mg.randn(3)
    assert mg.Tensor(x).array is x.array  # a tensor: shared, as PyTorch's alias
    assert isinstance(x, mg.Tensor) and isinstance(mg.nn.Parameter(mg.Tensor(3).uniform_()), mg.Tensor)
    with pytest.raises(RuntimeError, match="negative dimension"):
        mg.Tensor(-1)
    with pytest.raises(TypeError, match=r"Tensor\(\) takes integer sizes .* got \(float\)"):
        mg.Tensor(2.5)


def test_tensor_constructor_follows_the_default_dtype():
    mg.set_default_dtype(np.float64)
    assert mg.Tensor(2).dtype == np.float64 and mg.Tensor([1]).dtype == np.float64


@needs_torch
def test_type_of_torch_tensor_converts_to_the_default_float_type():
    for data in (np.ones(3), np.ones(3, dtype=np.int64), np.ones(3, dtype=np.float32)):
        ours, theirs = mg.tensor(data, dtype=data.dtype).type(mg.Tensor), torch.tensor(data).type(torch.Tensor)
        assert ours.dtype == np.float32 and theirs.dtype == torch.float32


def test_no_method_warns():
    x = mg.randn(4, 3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        total = x.clone().sum() + x.repeat(2, 1).sum() + x.std() + x.flip(0).sum() + x.lerp(x * 2, 0.5).sum()
        mg.grad(total, x, create_graph=True)[0].sum().backward()
