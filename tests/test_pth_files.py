"""Checkpoints both ways: mg.save(obj, "x.pth") writes PyTorch's zip format, which real
torch.load(weights_only=True) reads (DCGAN state dicts, optimizer state, plain values), and a file
written by real torch.save loads in minigan -- an optimizer state saved by torch.optim.Adam included."""

import collections
import io
import os
import pickletools
import zipfile

import numpy as np
import pytest

import minigan as mg
from minigan import gan, nn, optim

torch = pytest.importorskip("torch")

from test_dcgan_parity import LATENT, WIDTH, torch_discriminator, torch_generator  # noqa: E402


def pickle_globals(path) -> set:
    """Every global a .pth file's pickle names (module, name)."""
    with zipfile.ZipFile(path) as archive:
        data = archive.read(next(n for n in archive.namelist() if n.endswith("/data.pkl")))
    found = set()
    for opcode, arg, _ in pickletools.genops(io.BytesIO(data)):
        if opcode.name == "GLOBAL":
            found.add(tuple(arg.split(" ")))
        assert opcode.name != "STACK_GLOBAL"
    return found


ALLOWED_BY_TORCH = {("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2"),
                    ("torch._utils", "_rebuild_parameter")} | {
    ("torch", name) for name in ("FloatStorage", "DoubleStorage", "HalfStorage", "LongStorage",
                                 "IntStorage", "ShortStorage", "CharStorage", "ByteStorage",
                                 "BoolStorage")}


def test_a_dcgan_saved_by_minigan_loads_in_pytorch_and_gives_the_same_outputs(tmp_path):
    mg.manual_seed(0)
    G, D = gan.DCGANGenerator28(LATENT, WIDTH), gan.DCGANDiscriminator28(WIDTH)
    path = tmp_path / "dcgan.pth"
    mg.save({"G": G.state_dict(), "D": D.state_dict(), "epoch": 7}, path)
    assert pickle_globals(path) <= ALLOWED_BY_TORCH

    loaded = torch.load(path, weights_only=True)
    assert loaded["epoch"] == 7 and isinstance(loaded["G"], collections.OrderedDict)
    tg, td = torch_generator(), torch_discriminator()
    assert repr(tg.load_state_dict(loaded["G"])) == "<All keys matched successfully>"
    assert repr(td.load_state_dict(loaded["D"])) == "<All keys matched successfully>"
    assert loaded["G"]["net.2.num_batches_tracked"].dtype == torch.int64
    G.eval(), D.eval(), tg.eval(), td.eval()
    z = np.random.default_rng(1).standard_normal((3, LATENT)).astype(np.float32)
    with mg.no_grad(), torch.no_grad():
        ours = D(G(mg.tensor(z))).numpy()
        theirs = td(tg(torch.from_numpy(z))).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def train(model, opt, x, steps: int) -> None:
    """`steps` optimizer steps on mean(model(x)^2): the same code for both libraries."""
    for _ in range(steps):
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()


def test_an_adam_state_saved_by_minigan_continues_in_pytorch(tmp_path):
    mg.manual_seed(1)
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.01, betas=(0.5, 0.999))
    x = mg.randn(4, 3)
    train(model, opt, x, 3)
    mg.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "ckpt.pt")
    assert pickle_globals(tmp_path / "ckpt.pt") <= ALLOWED_BY_TORCH

    ckpt = torch.load(tmp_path / "ckpt.pt", weights_only=True)
    assert ckpt["opt"]["state"][0]["step"].dtype == torch.float32 and ckpt["opt"]["state"][0]["step"].item() == 3
    t_model = torch.nn.Linear(3, 2)
    t_model.load_state_dict(ckpt["model"])
    t_opt = torch.optim.Adam(t_model.parameters(), lr=0.01, betas=(0.5, 0.999))
    t_opt.load_state_dict(ckpt["opt"])
    train(model, opt, x, 2)  # both take two more steps from the same state
    train(t_model, t_opt, torch.from_numpy(x.numpy()), 2)
    np.testing.assert_allclose(model.weight.detach().numpy(), t_model.weight.detach().numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name, options", [
    ("Adam", dict(lr=0.01, amsgrad=True)), ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)), ("SGD", dict(lr=0.05)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True))])
def test_an_optimizer_state_saved_by_pytorch_loads_in_minigan_and_continues_identically(tmp_path, name, options):
    torch.manual_seed(0)
    t_model = torch.nn.Linear(3, 2)
    t_opt = getattr(torch.optim, name)(t_model.parameters(), **options)
    x = torch.randn(5, 3)
    train(t_model, t_opt, x, 3)
    torch.save({"model": t_model.state_dict(), "opt": t_opt.state_dict()}, tmp_path / "torch.pth")
    saved = t_opt.state_dict()["param_groups"][0]
    assert {"foreach", "differentiable"} <= set(saved)

    ckpt = mg.load(tmp_path / "torch.pth")
    assert all(isinstance(v, mg.Tensor) for state in ckpt["opt"]["state"].values() for v in state.values())
    model = nn.Linear(3, 2)
    model.load_state_dict(ckpt["model"])
    opt = getattr(optim, name)(model.parameters(), **options)
    opt.load_state_dict(ckpt["opt"])
    assert opt.state_dict()["param_groups"][0] == {**saved, "params": [0, 1]}
    train(t_model, t_opt, x, 2)
    train(model, opt, mg.tensor(x.numpy()), 2)
    np.testing.assert_allclose(model.weight.detach().numpy(), t_model.weight.detach().numpy(), rtol=1e-5, atol=1e-7)


def test_a_parameter_without_saved_state_starts_fresh_as_in_pytorch():
    w, b = nn.Parameter(mg.ones(2)), nn.Parameter(mg.zeros(2))
    opt = optim.Adam([w, b])
    state = {"state": {0: {"step": mg.tensor(4.0), "exp_avg": mg.ones(2), "exp_avg_sq": mg.ones(2)}},
             "param_groups": [{**opt.param_groups[0], "params": [0, 1]}]}
    opt.load_state_dict(state)
    assert opt.state[w]["step"] == 4 and b not in opt.state
    sgd = optim.SGD([w], lr=0.1, momentum=0.9)
    sgd.load_state_dict({"state": {0: {"momentum_buffer": None}}, "param_groups": [{**sgd.param_groups[0], "params": [0]}]})
    assert sgd.state == {}


def test_plain_values_and_every_dtype_reach_pytorch_unchanged(tmp_path):
    obj = collections.OrderedDict(
        f32=mg.tensor([[1.5, -2.0]]), f64=mg.tensor([1.0], dtype=mg.float64), f16=mg.ones(2, dtype=mg.half),
        i64=mg.arange(3), i32=mg.tensor([7], dtype=mg.int32), u8=mg.tensor([255], dtype=mg.uint8),
        boolean=mg.tensor([True, False]), scalar=mg.tensor(2.5), empty=mg.zeros(0, 3),
        transposed=mg.arange(6.0).reshape(2, 3).t(), array=np.arange(4, dtype=np.int16),
        param=nn.Parameter(mg.ones(2)), leaf=mg.ones(1, requires_grad=True),
        numbers=[0, 255, 256, -1, 2 ** 31, -(2 ** 40), 2 ** 70, 0.1, float("inf")],
        text="naïve ∂", flags=(True, False, None), nested={1: {"a": []}, 2.5: ()}, np_scalar=np.float32(0.25))
    path = tmp_path / "values.pth"
    mg.save(obj, path)
    theirs = torch.load(path, weights_only=True)
    assert list(theirs) == list(obj) and isinstance(theirs, collections.OrderedDict)
    for key in ("f32", "f64", "f16", "i64", "i32", "u8", "boolean", "scalar", "empty", "transposed", "param"):
        want = obj[key]
        assert str(theirs[key].dtype) == str(want.dtype) and tuple(theirs[key].shape) == want.shape, key
        np.testing.assert_array_equal(theirs[key].detach().numpy(), want.detach().numpy())
    assert theirs["array"].dtype == torch.int16 and theirs["array"].tolist() == [0, 1, 2, 3]
    assert isinstance(theirs["param"], torch.nn.Parameter) and theirs["leaf"].requires_grad
    assert theirs["numbers"] == obj["numbers"] and theirs["text"] == obj["text"]
    assert theirs["flags"] == (True, False, None) and theirs["nested"] == {1: {"a": []}, 2.5: ()}
    assert theirs["np_scalar"] == 0.25
    assert torch.load(path, weights_only=True, mmap=True)["f32"].tolist() == [[1.5, -2.0]]

    ours = mg.load(path)  # minigan's own reader: tensors come back as Tensors, as torch.load gives them
    assert isinstance(ours, collections.OrderedDict) and list(ours) == list(obj)
    assert isinstance(ours["transposed"], mg.Tensor) and ours["transposed"].tolist() == [[0, 3], [1, 4], [2, 5]]
    assert ours["i64"].dtype == mg.int64 and ours["boolean"].dtype == mg.bool and ours["scalar"].shape == ()
    assert ours["numbers"] == obj["numbers"] and ours["nested"] == obj["nested"]


def test_the_archive_has_pytorchs_layout_with_aligned_data(tmp_path):
    path = tmp_path / "g.pth"
    mg.save({"a": mg.ones(3), "b": mg.arange(5)}, path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert names == ["archive/data.pkl", "archive/.format_version", "archive/.storage_alignment",
                         "archive/byteorder", "archive/data/0", "archive/data/1", "archive/version"]
        assert archive.read("archive/byteorder") == b"little" and archive.read("archive/version") == b"3\n"
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            if "/data/" in info.filename:
                with open(path, "rb") as f:
                    f.seek(info.header_offset + 26)
                    name_length, extra_length = np.frombuffer(f.read(4), dtype="<u2")
                assert (info.header_offset + 30 + name_length + extra_length) % 64 == 0


def test_what_pytorch_cannot_read_is_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "bad.pth"
    with pytest.raises(TypeError, match=r"cannot store a object at \['model'\]\['x'\]"):
        mg.save({"model": {"x": object()}}, path)
    with pytest.raises(TypeError, match=r"PyTorch has no storage for the <U1 array at \['s'\]"):
        mg.save({"s": np.array(["a"])}, path)
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"refusing to save the non-leaf tensor at \['y'\]"):
        mg.save({"y": x * 2}, path)
    assert not os.path.exists(path)


def test_other_extensions_still_write_minigans_npz(tmp_path):
    mg.save({"a": mg.ones(2)}, tmp_path / "c.npz")
    with zipfile.ZipFile(tmp_path / "c.npz") as archive:
        assert "__minigan_manifest__.npy" in archive.namelist()
    assert isinstance(mg.load(tmp_path / "c.npz")["a"], np.ndarray)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_a_state_dict_without_pytorchs_implementation_flags_loads_with_their_defaults(name):
    """State dicts of older minigan versions (and older PyTorch) lack foreach, capturable,
    differentiable, fused and decoupled_weight_decay: they get PyTorch's defaults, and AdamW stays AdamW."""
    p = nn.Parameter(mg.ones(2))
    opt = getattr(optim, name)([p], lr=0.1)
    flags = {"foreach", "capturable", "differentiable", "fused", "decoupled_weight_decay"}
    old = {"state": {}, "param_groups": [{k: v for k, v in opt.state_dict()["param_groups"][0].items()
                                          if k not in flags}]}
    opt.load_state_dict(old)
    group = opt.param_groups[0]
    assert group["foreach"] is None and group["differentiable"] is False
    assert group.get("decoupled_weight_decay", False) is (name == "AdamW")
    assert set(opt.state_dict()["param_groups"][0]) == set(getattr(torch.optim, name)(
        [torch.ones(2, requires_grad=True)], lr=0.1).state_dict()["param_groups"][0])
