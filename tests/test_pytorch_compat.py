"""PyTorch's surface around the maths: devices, torch.cuda, creation keywords, dtype names,
utils.data, legacy aliases, Upsample & co, make_grid/save_image, .pth and .safetensors files."""

import os
import pickle
import warnings
import zipfile

import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan import nn
from torch_references import torchvision_make_grid
from minigan.utils.data import (
    BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler, TensorDataset,
    default_collate, random_split,
)

needs_no_gpu = pytest.mark.skipif(mg.cuda_available(), reason="this machine has a GPU")


# ----------------------------------------------------------------------------- devices


def test_device_objects_have_pytorchs_type_index_str_and_repr():
    d = mg.device("cuda:0")
    assert (d.type, d.index, str(d), repr(d)) == ("cuda", 0, "cuda:0", "device(type='cuda', index=0)")
    c = mg.device("cpu")
    assert (c.type, c.index, str(c), repr(c)) == ("cpu", None, "cpu", "device(type='cpu')")
    assert mg.device("cuda", 1) == mg.device("cuda:1")
    assert mg.device(d) is d


def test_device_objects_match_torch():
    torch = pytest.importorskip("torch")
    for spec in ("cpu", "cuda", "cuda:0", "cpu:0"):
        t, m = torch.device(spec), mg.device(spec)
        assert (m.type, m.index, str(m)) == (t.type, t.index, str(t))


@pytest.mark.parametrize("bad", ["tpu", "cuda:x", "gpu:0"])
def test_bad_device_strings_are_refused(bad):
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda device type"):
        mg.device(bad)


def test_normalize_backend_accepts_devices_and_indexed_names():
    from minigan.backend import normalize_backend

    assert [normalize_backend(x) for x in ("cpu:0", mg.device("cpu"), "cuda:0", mg.device("cuda", 0))] \
        == ["numpy", "numpy", "cupy", "cupy"]
    with pytest.raises(ValueError, match="invalid device string 'cuda:first': expected 'cpu', 'cuda' or 'cuda:N'"):
        normalize_backend("cuda:first")


def test_to_a_cpu_device_object_keeps_tensors_and_modules_where_they_are():
    x = mg.randn(2, 3)
    assert x.to(mg.device("cpu")) is x and x.to("cpu:0") is x
    layer = nn.Linear(3, 2)
    weight = layer.weight
    assert layer.to(mg.device("cpu")) is layer and layer.weight is weight


@needs_no_gpu
@pytest.mark.parametrize("make", [
    lambda: mg.randn(2, device="cuda"), lambda: mg.zeros(2, device=mg.device("cuda:0")),
    lambda: mg.ones(2).to("cuda"), lambda: nn.Linear(2, 2).to(mg.device("cuda")),
    lambda: mg.cuda.FloatTensor(2), lambda: mg.set_backend("cuda"),
])
def test_cuda_without_a_gpu_names_cuda_available_and_the_cupy_install(make):
    with pytest.raises(RuntimeError, match=r"needs a CUDA GPU, and mg.cuda_available\(\) is False"
                                           r".*pip install 'minigan\[cuda13\]'"):
        make()


@needs_no_gpu
def test_torch_cuda_surface_on_a_cpu_machine():
    assert mg.cuda.is_available() is False and mg.cuda.device_count() == 0
    assert mg.accelerator.is_available() is False and mg.accelerator.current_accelerator() is None
    mg.manual_seed(3)
    before = mg.randn(4).numpy()
    mg.manual_seed(3)
    mg.cuda.manual_seed(99)          # seeds only the GPU's stream: the CPU's numbers are unchanged
    mg.cuda.manual_seed_all(99)
    np.testing.assert_array_equal(mg.randn(4).numpy(), before)


def test_cudnn_flags_and_deterministic_algorithms_are_accepted():
    import minigan.backends.cudnn as cudnn

    cudnn.benchmark = True
    cudnn.deterministic = True
    assert mg.backends.cudnn.benchmark is True and cudnn.is_available() is False
    mg.use_deterministic_algorithms(True)
    assert mg.backends.are_deterministic_algorithms_enabled()
    mg.use_deterministic_algorithms(False)


# ----------------------------------------------------------------------------- creation keywords


def test_dtype_names_are_torchs():
    torch = pytest.importorskip("torch")
    for name in ("float", "float32", "float64", "double", "long", "int64", "int32", "int", "bool",
                 "half", "float16", "uint8", "int8", "int16", "short"):
        expected = str(getattr(torch, name)).replace("torch.", "")
        assert np.dtype(getattr(mg, name)).name == expected, name


@pytest.mark.parametrize("make", ["zeros", "ones", "empty", "randn", "rand"])
def test_sized_creation_takes_dtype_device_requires_grad(make):
    x = getattr(mg, make)(2, 3, dtype=mg.float64, device=mg.device("cpu"), requires_grad=True)
    assert (x.shape, x.dtype, x.device, x.requires_grad) == ((2, 3), np.float64, "cpu", True)
    y = getattr(mg, make)((4,), device="cpu")
    assert (y.shape, y.dtype, y.requires_grad) == ((4,), np.float32, False)


def test_full_tensor_arange_like_take_the_keywords_and_torchs_dtypes():
    torch = pytest.importorskip("torch")
    for value in (1.5, 2, True):
        assert mg.full((3,), value).dtype.name == str(torch.full((3,), value).dtype)[6:]
    label = mg.full((4,), 1.0, dtype=mg.float, device="cpu", requires_grad=False)
    assert label.dtype == np.float32 and label.numpy().tolist() == [1.0] * 4
    t = mg.tensor([1.0, 2.0], dtype=mg.float64, device="cpu", requires_grad=True)
    assert t.requires_grad and t.dtype == np.float64
    a = mg.arange(5, device="cpu")
    assert a.dtype == np.int64 and a.numpy().tolist() == torch.arange(5).tolist()
    assert mg.arange(0, 1, 0.25, dtype=mg.float64, requires_grad=True).requires_grad
    for like in ("zeros_like", "ones_like", "randn_like", "rand_like", "empty_like"):
        z = getattr(mg, like)(a, dtype=mg.float64, device="cpu", requires_grad=True)
        assert (z.shape, z.dtype, z.requires_grad) == ((5,), np.float64, True)
    assert mg.full_like(a, 7).numpy().tolist() == [7] * 5


def test_randint_takes_torchs_two_signatures_and_randperm_is_a_permutation():
    x = mg.randint(10, (200,))
    y = mg.randint(3, 5, size=(2, 50))
    assert x.dtype == np.int64 and 0 <= x.numpy().min() and x.numpy().max() < 10
    assert set(np.unique(y.numpy())) == {3, 4} and y.shape == (2, 50)
    assert sorted(mg.randperm(7).numpy().tolist()) == list(range(7))
    with pytest.raises(TypeError, match=r"randint expects \(high, size\) or \(low, high, size\)"):
        mg.randint(1, 2, 3, (4,))


def test_normal_with_numbers_and_with_tensors():
    z = mg.normal(2.0, 0.5, size=(20000,))
    assert z.shape == (20000,) and z.dtype == np.float32
    assert abs(z.numpy().mean() - 2.0) < 0.02 and abs(z.numpy().std() - 0.5) < 0.02
    m = mg.normal(mg.tensor([0.0, 100.0], dtype=mg.float64), 1e-9)
    assert m.dtype == np.float64 and np.allclose(m.numpy(), [0.0, 100.0])
    mg.manual_seed(5)
    a = mg.normal(0, 1, (3,)).numpy()
    mg.manual_seed(5)
    np.testing.assert_array_equal(a, mg.randn(3).numpy())  # N(0, 1) draws are randn's
    with pytest.raises(TypeError, match="needs a size"):
        mg.normal(0.0, 1.0)


def test_generators_give_their_own_reproducible_streams():
    g1, g2 = mg.Generator().manual_seed(7), mg.Generator().manual_seed(7)
    a = mg.randn(5, generator=g1).numpy()
    mg.randn(3)  # the global stream is independent
    np.testing.assert_array_equal(mg.randn(5, generator=g2).numpy(), a)
    assert g1.initial_seed() == 7
    with pytest.raises(TypeError, match="generator must be a minigan.Generator"):
        mg.randn(2, generator=np.random.default_rng(0))


def test_top_level_functions():
    a, b = mg.tensor([1.0, 2.0]), mg.tensor([3.0, 5.0])
    assert mg.mul(a, b).numpy().tolist() == [3.0, 10.0]
    assert mg.add(a, b).numpy().tolist() == [4.0, 7.0]
    assert mg.sub(b, a).numpy().tolist() == [2.0, 3.0]
    assert mg.div(b, a).numpy().tolist() == [3.0, 2.5]
    assert mg.mm(a.reshape(1, 2), b.reshape(2, 1)).numpy().tolist() == [[13.0]]
    arr = np.arange(3.0)
    t = mg.from_numpy(arr)
    assert t.dtype == np.float64 and np.shares_memory(t.numpy(), arr)
    assert mg.is_tensor(t) and not mg.is_tensor(arr) and mg.numel(mg.zeros(2, 3)) == 6


def test_autograd_grad_accepts_only_inputs():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mg.autograd.grad((x ** 2).sum(), x, only_inputs=True)
    assert g.numpy().tolist() == [2.0, 4.0]


# ----------------------------------------------------------------------------- utils.data


def test_tensordataset_batches_are_lists_like_torchs():
    torch = pytest.importorskip("torch")
    X, y = np.arange(20.0).reshape(10, 2).astype(np.float32), np.arange(10)
    ours = list(DataLoader(TensorDataset(mg.tensor(X), mg.tensor(y, dtype=mg.long)), batch_size=4))
    theirs = list(torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=4))
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs):
        assert isinstance(a, list) and len(a) == 2
        np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
        np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())
        assert a[1].dtype == np.int64
    (only,) = next(iter(DataLoader(TensorDataset(mg.tensor(X)), batch_size=3)))
    assert only.shape == (3, 2)


@pytest.mark.parametrize("n,batch,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, True)])
def test_len_and_drop_last_match_torch(n, batch, drop):
    torch = pytest.importorskip("torch")
    ours = DataLoader(TensorDataset(mg.zeros(n, 1)), batch_size=batch, drop_last=drop)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(n, 1)),
                                         batch_size=batch, drop_last=drop)
    assert len(ours) == len(theirs)
    assert [b[0].shape[0] for b in ours] == [b[0].shape[0] for b in theirs]


def test_shuffle_visits_every_sample_once_in_a_new_order_each_epoch():
    loader = DataLoader(TensorDataset(mg.arange(50)), batch_size=8, shuffle=True, num_workers=4,
                        pin_memory=True, persistent_workers=False)
    epochs = [np.concatenate([b[0].numpy() for b in loader]) for _ in range(2)]
    assert sorted(epochs[0].tolist()) == list(range(50)) == sorted(epochs[1].tolist())
    assert epochs[0].tolist() != epochs[1].tolist() and epochs[0].tolist() != list(range(50))


def test_shuffle_order_follows_the_generator_or_the_global_seed():
    data = TensorDataset(mg.arange(30))

    def order(**kw):
        return np.concatenate([b[0].numpy() for b in DataLoader(data, 7, shuffle=True, **kw)]).tolist()

    assert order(generator=mg.Generator().manual_seed(1)) == order(generator=mg.Generator().manual_seed(1))
    assert order(generator=mg.Generator().manual_seed(1)) != order(generator=mg.Generator().manual_seed(2))
    mg.manual_seed(4)
    first = order()
    mg.manual_seed(4)
    assert order() == first


def test_default_collate_matches_torchs_for_each_kind_of_sample():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    samples = [(np.full((2,), i, np.float32), i, float(i) / 2, {"a": np.float64(i), "b": [i, i]}, "s%d" % i)
               for i in range(3)]
    ours, theirs = default_collate(samples), torch_collate(samples)
    assert isinstance(ours, list) and len(ours) == len(theirs) == 5
    for k in range(3):
        np.testing.assert_array_equal(ours[k].numpy(), theirs[k].numpy())
        assert ours[k].dtype.name == str(theirs[k].dtype)[6:]
    np.testing.assert_array_equal(ours[3]["a"].numpy(), theirs[3]["a"].numpy())
    assert [t.numpy().tolist() for t in ours[3]["b"]] == [t.tolist() for t in theirs[3]["b"]]
    assert ours[4] == theirs[4] == ("s0", "s1", "s2")
    assert default_collate([mg.ones(2), mg.zeros(2)]).numpy().tolist() == [[1, 1], [0, 0]]
    assert default_collate([True, False]).dtype == np.bool_
    with pytest.raises(TypeError, match="found object"):
        default_collate([object()])


def test_a_dataset_subclass_with_collate_fn_sampler_and_batch_sampler():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=np.float32), i

    xs, ys = next(iter(DataLoader(Squares(), batch_size=5)))
    assert xs.numpy()[:, 1].tolist() == [0, 1, 4, 9, 16] and ys.dtype == np.int64
    assert [b for b in DataLoader(Squares(), batch_size=2, collate_fn=lambda s: len(s))] == [2, 2, 1]
    one_by_one = list(DataLoader(Squares(), batch_size=None))      # samples, arrays made tensors
    assert [y for _, y in one_by_one] == [0, 1, 2, 3, 4] and isinstance(one_by_one[2][0], mg.Tensor)
    backwards = DataLoader(Squares(), batch_size=2, sampler=[4, 3, 2, 1, 0])
    assert [y.numpy().tolist() for _, y in backwards] == [[4, 3], [2, 1], [0]]
    pairs = DataLoader(Squares(), batch_sampler=BatchSampler(SequentialSampler(range(5)), 2, True))
    assert len(pairs) == 2 and [y.numpy().tolist() for _, y in pairs] == [[0, 1], [2, 3]]
    assert sorted(RandomSampler(range(6))) == list(range(6))


def test_loader_and_dataset_errors_are_torchs():
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(TensorDataset(mg.zeros(3)), sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(TensorDataset(mg.zeros(3)), num_workers=-1)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        DataLoader(TensorDataset(mg.zeros(3)), batch_size=0)
    with pytest.raises(ValueError, match=r"Size mismatch between tensors: first dimensions \[3, 4\]"):
        TensorDataset(mg.zeros(3), mg.zeros(4))


def test_random_split():
    parts = random_split(TensorDataset(mg.arange(10)), [0.7, 0.3], generator=mg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [7, 3]
    seen = sorted(int(p[i][0].item()) for p in parts for i in range(len(p)))
    assert seen == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths 9 does not equal"):
        random_split(range(10), [4, 5])


# ----------------------------------------------------------------------------- legacy aliases


def test_variable_is_a_new_leaf_sharing_the_array():
    from minigan.autograd import Variable

    x = mg.ones(2, requires_grad=True)
    v = Variable(x * 2)
    assert v.requires_grad is False and v.is_leaf and v.numpy().tolist() == [2.0, 2.0]
    w = Variable(mg.ones(2), requires_grad=True)
    assert w.requires_grad and w.is_leaf


def test_tensor_type_constructors_and_type_method_match_torch():
    torch = pytest.importorskip("torch")
    assert mg.FloatTensor(2, 3).shape == (2, 3) and mg.FloatTensor(2, 3).dtype == np.float32
    assert mg.FloatTensor().shape == (0,)
    longs = mg.LongTensor(np.array([1.7, 2.0]))
    assert longs.dtype == np.int64 and longs.numpy().tolist() == torch.LongTensor(np.array([1.7, 2.0])).tolist()
    x = mg.ones(2)
    assert x.type() == torch.ones(2).type() == "torch.FloatTensor"
    assert x.type(mg.FloatTensor) is x
    assert x.type(mg.LongTensor).dtype == np.int64 and x.type("torch.DoubleTensor").dtype == np.float64
    assert isinstance(x, mg.FloatTensor) and not isinstance(x, mg.LongTensor)
    assert repr(mg.cuda.FloatTensor) == "<class 'torch.cuda.FloatTensor'>"
    with pytest.raises(ValueError, match="invalid type 'torch.Float'"):
        x.type("torch.Float")


# ----------------------------------------------------------------------------- layers


UPSAMPLE_CASES = [
    dict(scale_factor=2), dict(size=(7, 9)), dict(scale_factor=1.5), dict(size=(2, 3)),
    dict(scale_factor=2, mode="bilinear"), dict(scale_factor=2, mode="bilinear", align_corners=True),
    dict(size=(3, 11), mode="bilinear"), dict(size=(7, 3), mode="bilinear", align_corners=True),
    dict(scale_factor=(0.5, 2.5), mode="bilinear"), dict(size=(1, 1), mode="bilinear", align_corners=True),
    dict(scale_factor=4, mode="bicubic"), dict(size=(3, 11), mode="bicubic"),
    dict(scale_factor=2, mode="bicubic", align_corners=True), dict(scale_factor=(0.5, 2.5), mode="bicubic"),
    dict(size=(1, 1), mode="bicubic", align_corners=True),
]


@pytest.mark.parametrize("kw", UPSAMPLE_CASES)
def test_interpolate_forward_and_backward_match_torch(kw):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    g_out_shape = torch.nn.functional.interpolate(torch.tensor(x), **kw).shape
    v = np.random.default_rng(1).standard_normal(tuple(g_out_shape))
    xm = mg.tensor(x, requires_grad=True)
    out = F.interpolate(xm, **kw)
    (out * mg.tensor(v)).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    ot = torch.nn.functional.interpolate(xt, **kw)
    (ot * torch.tensor(v)).sum().backward()
    assert out.shape == tuple(ot.shape)
    np.testing.assert_allclose(out.detach().numpy(), ot.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=(3, 5), mode="bilinear"),
                                dict(scale_factor=2, mode="bilinear", align_corners=True),
                                dict(scale_factor=2, mode="bicubic")])
def test_interpolate_first_and_second_order_gradcheck(kw):
    x = mg.randn(1, 2, 3, 2, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(lambda t: F.interpolate(t, **kw), (x,))
    assert mg.gradgradcheck(lambda t: F.interpolate(t, **kw) ** 2, (x,))


def test_upsample_module_and_interpolate_errors():
    up = nn.Upsample(scale_factor=2)
    assert up(mg.zeros(1, 1, 2, 3)).shape == (1, 1, 4, 6)
    assert repr(up) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert nn.UpsamplingBilinear2d(scale_factor=2).align_corners is True
    with pytest.raises(ValueError, match="give exactly one of size and scale_factor"):
        nn.Upsample()
    with pytest.raises(NotImplementedError, match="mode 'trilinear' is not implemented"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=2, mode="trilinear")
    with pytest.raises(ValueError, match="expects a 4-D input"):
        F.interpolate(mg.zeros(2, 2), scale_factor=2)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=2, align_corners=True)


def test_dropout2d_zeros_whole_channels_and_scales_the_rest():
    layer = nn.Dropout2d(0.5)
    out = layer(mg.ones(8, 16, 3, 3)).numpy()
    per_channel = out.reshape(8, 16, 9)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))   # one value per channel
    assert set(np.unique(out)) == {0.0, 2.0}
    assert 0.3 < (per_channel[:, :, 0] == 0).mean() < 0.7
    layer.eval()
    assert np.all(layer(mg.ones(2, 3, 2, 2)).numpy() == 1.0)
    x = mg.ones(2, 3, 2, 2, requires_grad=True)
    nn.Dropout2d(0.25)(x).sum().backward()
    assert set(np.unique(x.grad.numpy())) <= {0.0, np.float32(1 / 0.75)}


def test_softmax_logsoftmax_l1loss_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4))
    y = np.random.default_rng(1).standard_normal((3, 4))
    np.testing.assert_allclose(nn.Softmax(dim=0)(mg.tensor(x)).numpy(),
                               torch.nn.Softmax(dim=0)(torch.tensor(x)).numpy(), atol=1e-12)
    np.testing.assert_allclose(nn.LogSoftmax(dim=1)(mg.tensor(x)).numpy(),
                               torch.nn.LogSoftmax(dim=1)(torch.tensor(x)).numpy(), atol=1e-12)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        implicit = nn.Softmax()(mg.tensor(x)).numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(implicit, torch.nn.Softmax()(torch.tensor(x)).numpy(), atol=1e-12)
    for reduction in ("mean", "sum", "none"):
        np.testing.assert_allclose(
            nn.L1Loss(reduction=reduction)(mg.tensor(x), mg.tensor(y)).numpy(),
            torch.nn.L1Loss(reduction=reduction)(torch.tensor(x), torch.tensor(y)).numpy(), atol=1e-12)


def test_data_parallel_is_the_module_under_dot_module():
    torch = pytest.importorskip("torch")
    model = nn.DataParallel(nn.Linear(3, 2), device_ids=[0, 1])
    twin = torch.nn.DataParallel(torch.nn.Linear(3, 2))
    assert list(model.state_dict()) == list(twin.state_dict()) == ["module.weight", "module.bias"]
    x = mg.randn(4, 3)
    np.testing.assert_array_equal(model(x).detach().numpy(), model.module(x).detach().numpy())
    np.testing.assert_array_equal(nn.parallel.data_parallel(model.module, x, [0]).detach().numpy(),
                                  model(x).detach().numpy())


def test_nn_functional_is_minigan_functional():
    from minigan.nn import functional

    assert F is mg.functional is functional is mg.nn.functional


# ----------------------------------------------------------------------------- make_grid, save_image


@pytest.mark.parametrize("kw", [
    dict(), dict(nrow=3), dict(nrow=20, padding=0), dict(normalize=True),
    dict(normalize=True, value_range=(-1, 1), pad_value=1.0), dict(normalize=True, scale_each=True, nrow=2),
    dict(normalize=True, value_range=(-0.5, 0.5), scale_each=True, padding=3),
])
@pytest.mark.parametrize("shape", [(7, 1, 4, 5), (5, 3, 2, 3), (1, 3, 4, 4), (3, 4, 4)])
def test_make_grid_matches_torchvisions_algorithm(kw, shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32) * 2
    ours = mg.utils.make_grid(mg.tensor(x), **kw)
    theirs = torchvision_make_grid(torch.tensor(x), **kw)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6)


def test_make_grid_by_hand():
    # two 1x1x2 grey images, padding 1, two per row: C=3 (grey -> RGB), H = 1 + 2, W = 2 * 3 + 1
    images = mg.tensor([[[[0.0, 2.0]]], [[[-1.0, 1.0]]]])
    grid = mg.utils.make_grid(images, padding=1, pad_value=9)
    assert grid.shape == (3, 3, 7)
    assert grid.numpy()[0].tolist() == [[9] * 7, [9, 0, 2, 9, -1, 1, 9], [9] * 7]   # no clamping
    normalized = mg.utils.make_grid(images, padding=1, normalize=True)           # min -1, max 2
    assert np.allclose(normalized.numpy()[1, 1], [0, 1 / 3, 1, 0, 0, 2 / 3, 0])
    assert mg.utils.make_grid([mg.zeros(1, 2, 2), mg.ones(1, 2, 2)]).shape == (3, 6, 10)
    with pytest.raises(ValueError, match=r"got shape \(2, 2, 2, 2, 2\)"):
        mg.utils.make_grid(mg.zeros(2, 2, 2, 2, 2))
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        mg.utils.make_grid(images, normalize=True, value_range=[0, 1])


def test_save_image_writes_torchvisions_uint8_pixels(tmp_path):
    from PIL import Image

    images = mg.tensor([[[[0.0, 0.5]], [[1.0, 2.0]], [[-1.0, 0.25]]]])      # one 3x1x2 image
    path = tmp_path / "one.png"
    mg.utils.save_image(images, path)
    pixels = np.asarray(Image.open(path))
    # uint8(clamp(255 x + 0.5, 0, 255)): 0 -> 0, 0.5 -> 128, 1 -> 255, 2 -> 255, -1 -> 0, 0.25 -> 64
    assert pixels.shape == (1, 2, 3)
    assert pixels[0].tolist() == [[0, 255, 0], [128, 255, 64]]
    mg.utils.save_image(mg.randn(10, 1, 4, 4), tmp_path / "grid.png", nrow=5, normalize=True)
    assert np.asarray(Image.open(tmp_path / "grid.png")).shape == (2 * 6 + 2, 5 * 6 + 2, 3)


def test_minigans_image_grid_is_make_grid_of_minus_one_to_one():
    from minigan.gan.plots import image_grid

    images = np.array([[[[-1.0, 0.0], [1.0, 3.0]]]] * 3, dtype=np.float32)
    grid = image_grid(images, nrow=2, padding=1)
    assert grid.shape == (2 * 3 + 1, 2 * 3 + 1, 1) and grid.dtype == np.uint8
    assert grid[1:3, 1:3, 0].tolist() == [[0, 128], [255, 255]]     # [-1, 1] -> [0, 255], clamped
    assert grid[0, 0, 0] == 255 and grid[4:6, 4:6, 0].tolist() == [[255, 255], [255, 255]]  # white


# ----------------------------------------------------------------------------- PyTorch's .pth files


def _torch_twin(torch):
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.LeakyReLU(0.2),
                               torch.nn.Linear(8, 1))


def _minigan_twin():
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.LeakyReLU(0.2), nn.Linear(8, 1))


def test_a_state_dict_trained_in_pytorch_loads_and_gives_the_same_outputs(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = _torch_twin(torch)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(5):                                       # trained: moved weights and stats
        opt.zero_grad()
        model(torch.randn(16, 4)).pow(2).mean().backward()
        opt.step()
    path = tmp_path / "model.pth"
    torch.save(model.state_dict(), path)
    ours = _minigan_twin()
    ours.load_state_dict(mg.load(path, map_location="cpu", weights_only=True))
    model.eval()
    ours.eval()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(), model(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_pth_files_with_nested_dicts_views_ints_and_parameters(tmp_path):
    torch = pytest.importorskip("torch")
    base = torch.arange(12, dtype=torch.float64).reshape(3, 4)
    torch.save({"epoch": 3, "names": ["a", "b"], "view": base.t()[1:], "flags": torch.tensor([True, False]),
                "param": torch.nn.Parameter(torch.ones(2)), "opt": {"lr": 0.1, "betas": (0.5, 0.999)},
                "ints": torch.tensor([1, 2], dtype=torch.int32), "empty": torch.zeros(0, 3)},
               tmp_path / "c.pt")
    got = mg.load(tmp_path / "c.pt")
    assert got["epoch"] == 3 and got["names"] == ["a", "b"] and got["opt"] == {"lr": 0.1, "betas": (0.5, 0.999)}
    np.testing.assert_array_equal(got["view"], base.t()[1:].numpy())
    assert got["flags"].dtype == np.bool_ and got["ints"].dtype == np.int32
    assert got["param"].tolist() == [1.0, 1.0] and got["empty"].shape == (0, 3)


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def _pth_with_pickle(path, payload: bytes):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil/data.pkl", payload)
        archive.writestr("evil/byteorder", "little")
        archive.writestr("evil/version", "3\n")


@pytest.mark.parametrize("payload, forbidden", [
    (pickle.dumps({"weight": _Boom()}, protocol=2), "posix.system"),
    (pickle.dumps(_Boom(), protocol=4), "posix.system"),
    (pickle.dumps({"x": np.float64(1.0)}, protocol=2), "numpy"),
    (pickle.dumps(print, protocol=2), "__builtin__.print"),
])
def test_a_malicious_pickle_in_a_pth_is_refused_before_anything_runs(tmp_path, payload, forbidden,
                                                                    monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    path = tmp_path / "evil.pth"
    _pth_with_pickle(path, payload)
    with pytest.raises(pickle.UnpicklingError, match=f"asks for the global '{forbidden}.*not on the allow list"):
        mg.load(path)
    assert calls == []


def test_damaged_and_unsupported_pth_files_are_named(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.pth")
    with pytest.raises(pickle.UnpicklingError, match="torch.BFloat16Storage are not supported"):
        mg.load(tmp_path / "bf16.pth")
    torch.save({"w": torch.ones(3)}, tmp_path / "ok.pth")
    with zipfile.ZipFile(tmp_path / "ok.pth") as src, zipfile.ZipFile(tmp_path / "cut.pth", "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data[:4] if name.endswith("data/0") else data)
    with pytest.raises(ValueError, match="is damaged: storage '0' has 4 bytes, expected 12"):
        mg.load(tmp_path / "cut.pth")


def test_minigan_checkpoints_named_pth_still_load(tmp_path):
    mg.save({"w": mg.ones(2)}, tmp_path / "ours.pth")
    assert mg.load(tmp_path / "ours.pth")["w"].tolist() == [1.0, 1.0]


# ----------------------------------------------------------------------------- safetensors


def test_safetensors_minigan_to_pytorch_and_back(tmp_path):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    ours = _minigan_twin()
    for _ in range(2):
        ours(mg.randn(8, 4))                          # moves the running statistics
    mg.save(ours.state_dict(), tmp_path / "m.safetensors")
    twin = _torch_twin(torch)
    twin.load_state_dict(st.load_file(str(tmp_path / "m.safetensors")))
    ours.eval()
    twin.eval()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(twin(torch.tensor(x)).detach().numpy(), ours(mg.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    torch.manual_seed(1)
    back = _torch_twin(torch)
    st.save_file(back.state_dict(), str(tmp_path / "t.safetensors"))
    loaded = mg.load(tmp_path / "t.safetensors")
    assert loaded["1.num_batches_tracked"].dtype == np.int64
    again = _minigan_twin()
    again.load_state_dict(loaded)
    again.eval()
    back.eval()
    np.testing.assert_allclose(again(mg.tensor(x)).detach().numpy(), back(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_safetensors_bytes_follow_the_format(tmp_path):
    import json
    import struct

    from minigan.formats.safetensors import save_file

    save_file({"b": np.array([1, 2], dtype=np.int16), "a": mg.tensor([1.5])}, tmp_path / "x.safetensors",
              metadata={"format": "pt"})
    data = (tmp_path / "x.safetensors").read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0
    header = json.loads(data[8:8 + n])
    assert header == {"__metadata__": {"format": "pt"},
                      "b": {"dtype": "I16", "shape": [2], "data_offsets": [0, 4]},
                      "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}
    assert data[8 + n:] == np.array([1, 2], "<i2").tobytes() + np.array([1.5], "<f4").tobytes()


def test_safetensors_errors(tmp_path):
    with pytest.raises(TypeError, match="'state' is a dict"):
        mg.save({"state": {"lr": 1}}, tmp_path / "o.safetensors")
    mg.save({"w": mg.ones(4)}, tmp_path / "w.safetensors")
    data = (tmp_path / "w.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[:-3])
    with pytest.raises(ValueError, match="outside the 13 bytes of data"):
        mg.load(tmp_path / "cut.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\xff" * 16)
    with pytest.raises(ValueError, match="is not a safetensors file"):
        mg.load(tmp_path / "junk.safetensors")


# ----------------------------------------------------------------------------- on a GPU (pytest -m gpu)


@pytest.fixture
def gpu():
    if not mg.cuda_available():
        pytest.skip("needs CuPy and a CUDA device")


@pytest.mark.gpu
def test_cuda_devices_map_to_the_cupy_backend(gpu):
    assert mg.cuda.is_available() and mg.cuda.device_count() >= 1
    assert mg.accelerator.current_accelerator() == mg.device("cuda")
    for spec in ("cuda", "cuda:0", mg.device("cuda"), mg.device("cuda", 0)):
        assert mg.randn(2, 3, device=spec).backend == "cupy"
        assert mg.zeros(2, device=spec).backend == "cupy"
        assert mg.ones(3).to(spec).backend == "cupy"
    layer = nn.Linear(3, 2).to(mg.device("cuda:0"))
    assert layer.weight.backend == "cupy"
    assert mg.cuda.FloatTensor(2, 3).backend == "cupy" and mg.ones(2).type(mg.cuda.LongTensor).backend == "cupy"
    assert mg.randperm(5, device="cuda").backend == "cupy"
    assert mg.normal(0.0, 1.0, (3,), device="cuda").backend == "cupy"
    assert mg.randn(3, generator=mg.Generator().manual_seed(0), device="cuda").backend == "cupy"
    mg.cuda.manual_seed_all(1)
    a = mg.randn(4, device="cuda").numpy()
    mg.cuda.manual_seed(1)
    np.testing.assert_array_equal(mg.randn(4, device="cuda").numpy(), a)
    mg.cuda.synchronize()


@pytest.mark.gpu
def test_gpu_layers_loader_grid_and_safetensors_match_the_cpu(gpu, tmp_path):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    for kw in UPSAMPLE_CASES:
        np.testing.assert_allclose(F.interpolate(mg.tensor(x, device="cuda"), **kw).numpy(),
                                   F.interpolate(mg.tensor(x), **kw).numpy(), rtol=1e-6, atol=1e-6)
    assert F.dropout2d(mg.ones(2, 3, 2, 2, device="cuda"), 0.5).backend == "cupy"
    X, y = mg.randn(6, 2, device="cuda"), mg.arange(6, device="cuda")
    xb, yb = next(iter(DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True)))
    assert xb.backend == "cupy" and yb.backend == "cupy" and xb.shape == (4, 2)
    grid = mg.utils.make_grid(mg.tensor(x, device="cuda"), normalize=True)
    np.testing.assert_allclose(grid.numpy(), mg.utils.make_grid(mg.tensor(x), normalize=True).numpy())
    model = _minigan_twin().to("cuda")
    mg.save(model.state_dict(), tmp_path / "g.safetensors")
    loaded = mg.load(tmp_path / "g.safetensors")
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded[name], value.numpy())
