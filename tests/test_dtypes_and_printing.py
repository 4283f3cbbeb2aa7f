"""Integer and boolean tensors, PyTorch's type promotion and PyTorch's printing, each checked
case by case against PyTorch 2.13: the dtype (and values) of every operator over every pair of
dtypes, with tensors, 0-d tensors and Python numbers; and repr() of a corpus of tensors."""

import itertools
import warnings

import numpy as np
import pytest

import minigan as mg

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
OPERATORS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
             "/": lambda a, b: a / b, "//": lambda a, b: a // b, "%": lambda a, b: a % b,
             "**": lambda a, b: a ** b, "==": lambda a, b: a == b, "<": lambda a, b: a < b,
             "&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
             "maximum": lambda a, b: (mg if isinstance(a, mg.Tensor) else torch).maximum(a, b),
             "where": lambda a, b: (mg if isinstance(a, mg.Tensor) else torch).where(a > 0, a, b)}


def outcome(fn, *args):
    """(dtype name, values) of fn(*args), or the exception's type name."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = fn(*args)
    except Exception as err:
        return type(err).__name__
    if not hasattr(out, "detach"):  # a Python number (item())
        return type(out).__name__, out
    return str(out.dtype).replace("torch.", ""), np.round(out.detach().numpy().astype(np.float64), 3).tolist()


def make(lib, dtype: str, shape, value=2):
    data = np.full(shape, value).astype(dtype)
    return mg.tensor(data) if lib is mg else torch.tensor(data)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((3,), ()), ((), (3,))], ids=["tensors", "tensor-0d", "0d-tensor"])
def test_every_operator_over_every_pair_of_dtypes_matches_pytorch(shapes):
    differences = []
    for (a_type, b_type), (name, op) in itertools.product(itertools.product(DTYPES, DTYPES), OPERATORS.items()):
        theirs = outcome(op, make(torch, a_type, shapes[0], 3), make(torch, b_type, shapes[1]))
        ours = outcome(op, make(mg, a_type, shapes[0], 3), make(mg, b_type, shapes[1]))
        # PyTorch names its errors RuntimeError; minigan raises TypeError where NumPy refuses a type
        if theirs != ours and not (isinstance(theirs, str) and isinstance(ours, str)):
            differences.append(f"{a_type}{shapes[0]} {name} {b_type}{shapes[1]}: torch {theirs}, minigan {ours}")
    assert differences == []


@pytest.mark.parametrize("number", [True, 3, 2.5, -1])
def test_python_numbers_are_weak_as_in_pytorch(number):
    differences = []
    for dtype, (name, op) in itertools.product(DTYPES, OPERATORS.items()):
        if name in ("where", "maximum"):  # (torch.maximum takes tensors only; minigan also numbers)
            continue
        for flip in (False, True):
            call = (lambda a, b, op=op: op(b, a)) if flip else op
            theirs = outcome(call, make(torch, dtype, (2,), 3), number)
            ours = outcome(call, make(mg, dtype, (2,), 3), number)
            if theirs != ours and not (isinstance(theirs, str) and isinstance(ours, str)):
                differences.append(f"{dtype} {name} {number!r} (flipped: {flip}): torch {theirs}, minigan {ours}")
    assert differences == []


@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_ops_and_reductions_of_every_dtype_match_pytorch(dtype):
    calls = {"exp": lambda t: t.exp(), "sqrt": lambda t: t.sqrt(), "sigmoid": lambda t: t.sigmoid(),
             "log1p": lambda t: t.log1p(), "neg": lambda t: -t, "abs": lambda t: t.abs(), "~": lambda t: ~t,
             "sum": lambda t: t.sum(), "sum(dim)": lambda t: t.sum(0), "mean": lambda t: t.mean(),
             "amax": lambda t: t.amax(), "argmax": lambda t: t.argmax(), "float": lambda t: t.float(),
             "long": lambda t: t.long(), "half": lambda t: t.half(), "bool": lambda t: t.bool(),
             "any": lambda t: t.any(), "all(dim)": lambda t: t.all(0), "one element item": lambda t: t[:1].sum().item()}
    differences = []
    for name, call in calls.items():
        theirs = outcome(call, make(torch, dtype, (2, 3), 1))
        ours = outcome(call, make(mg, dtype, (2, 3), 1))
        if theirs != ours and not (isinstance(theirs, str) and isinstance(ours, str)):
            differences.append(f"{name} of {dtype}: torch {theirs}, minigan {ours}")
    assert differences == []


@pytest.mark.parametrize("dtype", DTYPES)
def test_issue_21s_layers_and_tensor_methods_keep_pytorchs_dtypes(dtype):
    """repeat, flip, chunk & co, var/std, pad, pixel shuffle and pooling on integer and bool
    tensors: PyTorch's result dtype and values (integer average pooling divides toward zero)."""
    def F(t):
        return torch.nn.functional if isinstance(t, torch.Tensor) else mg.functional

    calls = {"repeat": lambda t: t.repeat(2, 1, 1, 1), "flip": lambda t: t.flip(1),
             "chunk": lambda t: t.chunk(2, 1)[1], "split": lambda t: t.split([1, 3], 1)[1],
             "clone": lambda t: t.clone(), "contiguous": lambda t: t.contiguous(),
             "expand": lambda t: t.expand(3, -1, -1, -1), "var": lambda t: t.var(1),
             "std": lambda t: t.std(), "pad": lambda t: F(t).pad(t, (1, 1)),
             "pixel_shuffle": lambda t: F(t).pixel_shuffle(t, 2),
             "max_pool2d": lambda t: F(t).max_pool2d(t, 2),
             "avg_pool2d": lambda t: F(t).avg_pool2d(t * 3 - 7, 2)}
    differences = []
    for name, call in calls.items():
        data = np.arange(16).reshape(1, 4, 2, 2) % (2 if dtype == "bool" else 16)
        theirs = outcome(call, make(torch, dtype, data.shape, data))
        ours = outcome(call, make(mg, dtype, data.shape, data))
        if theirs != ours and not (isinstance(theirs, str) and isinstance(ours, str)):
            differences.append(f"{name} of {dtype}: torch {theirs}, minigan {ours}")
    assert differences == []


def test_tensor_from_python_data_has_pytorchs_dtype():
    for data in ([0, 1], [True], 3, 2.5, [1, 2.5], [[1, 2], [3, 4]], [], [True, 2], np.array([1, 2], dtype=np.int32),
                 np.array([1.0]), np.array([True]), np.arange(3, dtype=np.uint8)):
        assert str(mg.tensor(data).dtype) == str(torch.tensor(data).dtype), data
    assert mg.tensor([0, 1]).dtype == mg.int64 == np.int64 and mg.tensor([True]).dtype == mg.bool


def test_integer_true_division_follows_the_default_dtype():
    mg.set_default_dtype(mg.float64)
    try:
        assert (mg.tensor([1, 2]) / 2).dtype == mg.float64 and (mg.tensor([3]) * 0.5).dtype == mg.float64
    finally:
        mg.set_default_dtype(mg.float32)
    assert (mg.tensor([1, 2]) / 2).dtype == mg.float32


def test_mean_of_integers_is_refused_with_pytorchs_message():
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype. Input dtype must be either "
                                           r"a floating point or complex dtype. Got: Long"):
        mg.tensor([1, 2]).mean()
    assert mg.tensor([1, 2]).mean(dtype=mg.float32).item() == 1.5
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors is not supported"):
        mg.tensor([True]) - mg.tensor([False])


def test_dtype_objects_print_compare_and_work_as_numpy_dtypes():
    assert str(mg.float32) == repr(mg.float32) == "torch.float32" and str(mg.long) == "torch.int64"
    assert mg.float32 == np.float32 and np.dtype("float32") == mg.float32 and mg.float32 != mg.float64
    assert mg.float32 != "float32" and mg.float32 != None  # noqa: E711 (PyTorch's answers)
    assert {np.dtype(np.int64): "x"}[mg.int64] == "x" and np.zeros(2, dtype=mg.half).dtype == np.float16
    assert mg.float32.is_floating_point and not mg.int64.is_floating_point and mg.float32.itemsize == 4
    assert mg.get_default_dtype() is mg.float32 and mg.promote_types(mg.int64, mg.float16) == mg.float16
    assert mg.result_type(mg.tensor([1, 2]), 2.5) == mg.float32


# ----------------------------------------------------------------------------- printing

CORPUS = [
    ([1.01], "float32"), ([1.0, 2.0, 3.0], "float32"), ([1, 2], "int64"), ([True, False], "bool"),
    (3.5, "float32"), (7, "int64"), (-0.0, "float32"), ([1e-5, 1.0], "float32"), ([1e10, 1.0], "float32"),
    ([0.1, 100.0], "float32"), ([0.1, 1000.0], "float32"), ([1e8, 3.0], "float32"), ([1e9], "float32"),
    ([-0.5, 2.25], "float32"), ([123456.789], "float32"), ([float("nan"), float("inf"), -float("inf"), 1.5], "float32"),
    ([float("nan"), 2.0], "float32"), ([0.0, 0.0], "float32"), ([1e-20, 1e20], "float64"), ([1.0, 2.0], "float64"),
    ([1, 2], "int32"), ([250, 3], "uint8"), ([1.5, -2.0], "float16"), ([[1.5, -2.25], [3.0, 4.0]], "float32"),
    (np.arange(24).reshape(2, 3, 4) / 7, "float32"), (np.arange(40.0) / 3, "float32"), (np.arange(2000.0), "float32"),
    (np.arange(3000).reshape(30, 100), "int64"), (np.arange(1200).reshape(2, 600) * 1e-3, "float64"),
    (np.linspace(-1, 1, 1001).reshape(7, 11, 13)[:, :, :], "float32"), ([], "float32"), (np.zeros((3, 0)), "float32"),
    ([], "int64"), (np.ones((2, 1, 1)), "bool"), ([-1, 10, -100], "int64"), ([0.001, 0.002], "float32"),
    ([1e-4, 1.0], "float32"), ([99999.5], "float32"),
]


@pytest.mark.parametrize("data, dtype", CORPUS, ids=[f"{i}-{d}" for i, (_, d) in enumerate(CORPUS)])
def test_repr_matches_pytorch(data, dtype):
    array = np.array(data, dtype=dtype)
    assert repr(mg.tensor(array)) == repr(torch.tensor(array))
    if dtype.startswith("float") and array.size:
        assert repr(mg.tensor(array, requires_grad=True)) == repr(torch.tensor(array, requires_grad=True))


@pytest.mark.parametrize("options", [dict(precision=2), dict(sci_mode=True), dict(sci_mode=False),
                                     dict(threshold=5), dict(edgeitems=1, threshold=5), dict(linewidth=30),
                                     dict(profile="short"), dict(profile="full")])
def test_set_printoptions_matches_pytorch(options):
    arrays = [np.array([1.12345, 1e-5, 300.0]), np.arange(12.0).reshape(3, 4) / 3, np.arange(1500.0)]
    try:
        mg.set_printoptions(**options)
        torch.set_printoptions(**options)
        for array in arrays:
            assert repr(mg.tensor(array, dtype=mg.float32)) == repr(torch.tensor(array, dtype=torch.float32))
    finally:
        mg.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    with mg.printoptions(precision=1):
        assert repr(mg.tensor([1.25])) == "tensor([1.2])"
    assert repr(mg.tensor([1.25])) == "tensor([1.2500])"


def test_suffixes_shapes_and_formatting_match_pytorch():
    x, tx = mg.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    for make in (lambda t: t * 2, lambda t: t.sum(), lambda t: (t * 3).mean(), lambda t: t + 1, lambda t: t / 2):
        assert repr(make(x)) == repr(make(tx))
    assert repr(mg.nn.Parameter(mg.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))
    assert repr(mg.zeros(2, 3).shape) == repr(torch.zeros(2, 3).shape) == "torch.Size([2, 3])"
    assert str(mg.zeros(4).size()) == "torch.Size([4])" and mg.zeros(2, 3).shape[1:] == (3,)
    assert isinstance(mg.zeros(2, 3).shape[1:], mg.Size) and mg.Size([2, 3]).numel() == 6
    assert f"{mg.tensor(3.14159):.3f}" == f"{torch.tensor(3.14159):.3f}" == "3.142"
    with pytest.raises(TypeError):
        f"{mg.tensor([3.14159]):.3f}"
    assert str(mg.tensor([0.5])) == "tensor([0.5000])" and f"{mg.tensor([0.5])}" == "tensor([0.5000])"
