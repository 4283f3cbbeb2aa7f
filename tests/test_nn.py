"""nn: Module (registration, traversal, modes, state dicts, repr, moves), containers and layers."""

import math
from collections import OrderedDict

import numpy as np
import pytest

import minigan as mg
from minigan import nn

# ----------------------------------------------------------------------------- helpers


class Block(nn.Module):
    """A module with a parameter, a buffer and a submodule, assigned in that order."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(mg.ones(3))
        self.register_buffer("count", mg.zeros(1))
        self.inner = nn.Linear(3, 2)
        self.offset = nn.Parameter(mg.zeros(2))

    def forward(self, x):
        return self.inner(x * self.scale) + self.offset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Block()
        self.body = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.LeakyReLU(0.2))
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        return self.head(self.body(self.first(x)))


def snapshot(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


def assert_same_state(module, saved):
    current = snapshot(module)
    assert list(current) == list(saved)
    for key in saved:
        assert current[key].dtype == saved[key].dtype
        np.testing.assert_array_equal(current[key], saved[key])


def to_torch(state_dict):
    torch = pytest.importorskip("torch")
    return {k: torch.from_numpy(v.numpy().copy()) for k, v in state_dict.items()}


def from_torch(state_dict):
    return {k: v.detach().numpy().copy() for k, v in state_dict.items()}


# ----------------------------------------------------------------------------- registration and traversal


def test_registration_order_and_nested_names():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["first.scale", "first.offset", "first.inner.weight", "first.inner.bias",
                     "body.0.weight", "body.0.bias", "body.1.weight", "body.1.bias",
                     "head.weight", "head.bias"]
    assert [name for name, _ in net.named_buffers()] == [
        "first.count", "body.1.running_mean", "body.1.running_var", "body.1.num_batches_tracked"]
    assert [name for name, _ in net.named_children()] == ["first", "body", "head"]
    assert [name for name, _ in net.named_modules()] == [
        "", "first", "first.inner", "body", "body.0", "body.1", "body.2", "head"]
    assert len(list(net.parameters())) == 10 and len(list(net.buffers())) == 4
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert list(net.first.parameters(recurse=False)) == [net.first.scale, net.first.offset]


def test_state_dict_order_is_pytorchs():
    """Each module's parameters, then its buffers, then its submodules (unlike named_parameters)."""
    keys = list(Net().state_dict())
    assert keys == ["first.scale", "first.offset", "first.count", "first.inner.weight", "first.inner.bias",
                    "body.0.weight", "body.0.bias", "body.1.weight", "body.1.bias", "body.1.running_mean",
                    "body.1.running_var", "body.1.num_batches_tracked", "head.weight", "head.bias"]


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(model.modules())) == 3
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # as PyTorch


def test_attribute_assignment_rules():
    block = Block()
    with pytest.raises(TypeError, match=r"cannot assign 'Tensor' as parameter 'scale' \(nn.Parameter or None expected\)"):
        block.scale = mg.ones(3)
    with pytest.raises(TypeError, match=r"cannot assign 'int' as buffer 'count' \(Tensor or None expected\)"):
        block.count = 3
    with pytest.raises(TypeError, match=r"cannot assign 'str' as child module 'inner'"):
        block.inner = "no"
    block.count = mg.ones(1)  # replacing a buffer keeps it a buffer
    assert "count" in dict(block.named_buffers())
    block.scale = None  # a declared but absent parameter
    assert "scale" not in dict(block.named_parameters())
    block.plain = mg.ones(2)  # a plain tensor attribute is not registered
    assert "plain" not in dict(block.named_parameters()) and "plain" not in dict(block.named_buffers())
    del block.offset
    assert "offset" not in dict(block.named_parameters())
    with pytest.raises(AttributeError, match=r"'Block' object has no attribute 'offset'"):
        block.offset
    with pytest.raises(KeyError, match=r"attribute 'plain' already exists"):
        block.register_buffer("plain", mg.ones(1))
    with pytest.raises(KeyError, match=r'buffer name must not be empty or contain ".", got .*a.b'):
        block.register_buffer("a.b", mg.ones(1))
    with pytest.raises(TypeError, match=r"cannot assign 'Tensor' object to parameter 'w' \(nn.Parameter or None required\)"):
        block.register_parameter("w", mg.ones(1))


def test_forgetting_super_init_and_forward():
    class NoInit(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(mg.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        NoInit()
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'):
        nn.Module()(mg.ones(1))


def test_non_persistent_buffers_stay_out_of_the_state_dict():
    module = nn.Module()
    module.register_buffer("kept", mg.zeros(2))
    module.register_buffer("scratch", mg.zeros(2), persistent=False)
    assert [n for n, _ in module.named_buffers()] == ["kept", "scratch"]
    assert list(module.state_dict()) == ["kept"]


def test_train_and_eval_propagate():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.body.train()
    assert net.body[1].training and not net.training and not net.first.inner.training
    with pytest.raises(ValueError, match=r"training mode is expected to be a bool, got 'yes'"):
        net.train("yes")


def test_requires_grad_false_freezes_but_input_gradients_flow():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    assert model.requires_grad_(False) is model
    x = mg.randn(5, 3, requires_grad=True)
    model(x).sum().backward()
    assert all(p.grad is None and not p.requires_grad for p in model.parameters())
    assert x.grad is not None and x.grad.shape == (5, 3)
    model.requires_grad_()
    model(x).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_zero_grad():
    model = nn.Linear(3, 2)
    model(mg.randn(4, 3)).sum().backward()
    grad = model.weight.grad
    assert np.abs(grad.numpy()).sum() > 0
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is grad  # zeroed in place
    np.testing.assert_array_equal(model.weight.grad.numpy(), np.zeros((2, 3)))
    model(mg.randn(4, 3)).sum().backward()  # accumulates onto the zeros
    assert np.abs(model.weight.grad.numpy()).sum() > 0
    model.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None


def test_apply_visits_children_first():
    visited = []
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Tanh()))
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited == ["Linear", "ReLU", "Tanh", "Sequential", "Sequential"]


def test_apply_with_a_dcgan_style_init():
    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)

    model = nn.Sequential(nn.Linear(200, 300), nn.ReLU()).apply(init_weights)
    assert abs(model[0].weight.detach().numpy().std() - 0.02) < 0.001
    assert not model[0].bias.detach().numpy().any()


def test_to_keeps_parameter_identity():
    net = Net()
    params = list(net.parameters())
    buffers = list(net.buffers())
    net(mg.randn(4, 3)).sum().backward()
    assert net.to("numpy") is net and net.to("cpu") is net
    assert all(a is b for a, b in zip(params, net.parameters()))
    net.to(mg.float64)
    assert all(a is b for a, b in zip(params, net.parameters()))
    assert all(a is b for a, b in zip(buffers, net.buffers()))
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in net.parameters())
    assert net.body[1].num_batches_tracked.dtype == np.int64
    assert net.body[1].running_var.dtype == np.float64
    assert net(mg.randn(4, 3, dtype=mg.float64)).dtype == np.float64
    with pytest.raises(ValueError, match=r"backend must be one of 'numpy', 'cupy'"):
        net.to("tpu")


def test_forward_hooks():
    model = nn.Linear(2, 2)
    calls = []
    pre = model.register_forward_pre_hook(lambda m, inputs: (inputs[0] * 0,))
    post = model.register_forward_hook(lambda m, inputs, output: calls.append(output.shape))
    out = model(mg.ones(3, 2))
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(model.bias.detach().numpy(), (3, 2)))
    assert calls == [(3, 2)]
    pre.remove()
    post.remove()
    model(mg.ones(3, 2))
    assert calls == [(3, 2)]


# ----------------------------------------------------------------------------- repr


def test_repr_matches_pytorchs_layout():
    model = nn.Sequential(
        nn.Linear(784, 256), nn.LeakyReLU(0.2),
        nn.Sequential(nn.BatchNorm1d(256), nn.Dropout(0.3)),
        nn.Linear(256, 1, bias=False), nn.Sigmoid(),
    )
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=256, bias=True)\n"
        "  (1): LeakyReLU(negative_slope=0.2)\n"
        "  (2): Sequential(\n"
        "    (0): BatchNorm1d(256, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n"
        "    (1): Dropout(p=0.3, inplace=False)\n"
        "  )\n"
        "  (3): Linear(in_features=256, out_features=1, bias=False)\n"
        "  (4): Sigmoid()\n"
        ")"
    )


def test_layer_reprs_equal_torchs():
    torch = pytest.importorskip("torch")
    pairs = [
        (nn.Conv2d(3, 64, 4, 2, 1, bias=False), torch.nn.Conv2d(3, 64, 4, 2, 1, bias=False)),
        (nn.Conv2d(1, 8, (3, 5), dilation=2), torch.nn.Conv2d(1, 8, (3, 5), dilation=2)),
        (nn.ConvTranspose2d(100, 512, 4, 1, 0, bias=False), torch.nn.ConvTranspose2d(100, 512, 4, 1, 0, bias=False)),
        (nn.ConvTranspose2d(8, 4, 3, 2, 1, output_padding=1), torch.nn.ConvTranspose2d(8, 4, 3, 2, 1, output_padding=1)),
        (nn.BatchNorm2d(64, momentum=None, affine=False), torch.nn.BatchNorm2d(64, momentum=None, affine=False)),
        (nn.BatchNorm1d(8, bias=False), torch.nn.BatchNorm1d(8, bias=False)),
        (nn.Embedding(10, 3, padding_idx=0), torch.nn.Embedding(10, 3, padding_idx=0)),
        (nn.ReLU(), torch.nn.ReLU()), (nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True)),
        (nn.LeakyReLU(), torch.nn.LeakyReLU()), (nn.Tanh(), torch.nn.Tanh()), (nn.Dropout(), torch.nn.Dropout()),
        (nn.Flatten(), torch.nn.Flatten()), (nn.Unflatten(1, (1, 28, 28)), torch.nn.Unflatten(1, (1, 28, 28))),
        (nn.Identity(), torch.nn.Identity()),
        (nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Tanh())),
         torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sequential(torch.nn.Tanh()))),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)


# ----------------------------------------------------------------------------- containers


def test_sequential_indexing_iteration_and_ordered_dict():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    assert list(head.state_dict()) == ["0.weight", "0.bias"]
    with pytest.raises(IndexError, match=r"Sequential index 3 is out of range for 3 modules"):
        model[3]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    x = mg.randn(4, 2)
    np.testing.assert_allclose(model(x).detach().numpy(), layers[2](layers[1](layers[0](x))).detach().numpy())
    model.append(nn.Sigmoid())
    assert len(model) == 4 and isinstance(model[3], nn.Sigmoid)


def test_module_list_registers_its_modules():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    blocks.append(nn.Linear(2, 1))
    assert len(blocks) == 4 and [n for n, _ in blocks.named_parameters()][-2:] == ["3.weight", "3.bias"]
    replacement = nn.Linear(2, 2)
    blocks[-1] = replacement
    assert blocks[3] is replacement and list(blocks)[3] is replacement
    with pytest.raises(IndexError, match=r"ModuleList index 4 is out of range for 4 modules"):
        blocks[4]


# ----------------------------------------------------------------------------- load_state_dict


def test_load_state_dict_accepts_arrays_and_tensors():
    source, target = Net(), Net()
    state = source.state_dict()
    mixed = {k: (v.numpy().copy() if i % 2 else v) for i, (k, v) in enumerate(state.items())}
    result = target.load_state_dict(mixed)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert_same_state(target, snapshot(source))
    x = mg.randn(5, 3)
    np.testing.assert_array_equal(source(x).detach().numpy(), target(x).detach().numpy())


def test_load_state_dict_copies_in_place_and_casts():
    model = nn.Linear(3, 2)
    weight = model.weight
    model.load_state_dict({"weight": np.ones((2, 3), dtype=np.float64), "bias": np.zeros(2)})
    assert model.weight is weight and weight.dtype == np.float32
    np.testing.assert_array_equal(weight.detach().numpy(), np.ones((2, 3)))


def test_failed_load_lists_every_problem_and_changes_nothing():
    net = Net()
    before = snapshot(net)
    params_before = list(net.parameters())
    bad = {k: v.numpy().copy() + 1 for k, v in net.state_dict().items()}
    del bad["head.bias"], bad["first.count"]
    bad["head.weight"] = np.zeros((1, 5))
    bad["body.1.running_mean"] = np.zeros(3)
    bad["extra.weight"] = np.zeros(2)
    bad["body.9.bias"] = np.zeros(2)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(bad)
    message = str(info.value)
    assert message == (
        "Error(s) in loading state_dict for Net:\n"
        '\tMissing key(s) in state_dict: "first.count", "head.bias".\n'
        '\tUnexpected key(s) in state_dict: "extra.weight", "body.9.bias".\n'
        "\tsize mismatch for body.1.running_mean: copying a param with shape (3,) from checkpoint, the "
        "shape in current model is (4,).\n"
        "\tsize mismatch for head.weight: copying a param with shape (1, 5) from checkpoint, the shape "
        "in current model is (1, 4)."
    )
    assert_same_state(net, before)
    assert all(a is b for a, b in zip(params_before, net.parameters()))


def test_shape_mismatch_is_an_error_even_when_not_strict():
    model = nn.Linear(3, 2)
    before = snapshot(model)
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with shape \(3, 2\)"):
        model.load_state_dict({"weight": np.zeros((3, 2)), "bias": np.zeros(2)}, strict=False)
    assert_same_state(model, before)


def test_non_strict_load_returns_the_key_lists_and_loads_the_rest():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    result = model.load_state_dict({"0.weight": np.ones((2, 3)), "1.bias": np.full(2, 5.0), "2.weight": np.ones(1)},
                                   strict=False)
    assert result.missing_keys == ["0.bias", "1.weight", "1.running_mean", "1.running_var", "1.num_batches_tracked"]
    assert result.unexpected_keys == ["2.weight"]
    assert result == (result.missing_keys, result.unexpected_keys)
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(model[1].bias.detach().numpy(), [5.0, 5.0])


def test_non_numeric_values_are_reported():
    model = nn.Linear(1, 1)
    with pytest.raises(RuntimeError, match=r"value for bias is not a numeric array or Tensor \(got str\)"):
        model.load_state_dict({"weight": np.ones((1, 1)), "bias": "zero"})


def test_state_dict_values_are_detached_and_share_memory():
    model = nn.Linear(2, 2)
    state = model.state_dict()
    assert not state["weight"].requires_grad and type(state["weight"]) is mg.Tensor
    with mg.no_grad():
        model.weight[0, 0] = 7.0
    assert state["weight"].numpy()[0, 0] == 7.0  # as in PyTorch: copy it to keep a snapshot
    assert model.state_dict(keep_vars=True)["weight"] is model.weight


# ----------------------------------------------------------------------------- layers: behaviour and errors


def test_linear_validates_its_input():
    layer = nn.Linear(784, 1)
    with pytest.raises(ValueError, match=r"^Linear\(in_features=784\) got input with last dimension 28 \(input shape \(64, 28\)\)$"):
        layer(mg.zeros(64, 28))
    assert layer(mg.zeros(2, 5, 784)).shape == (2, 5, 1)


def test_batchnorm_validates_its_input():
    with pytest.raises(ValueError, match=r"BatchNorm2d expects a 4-D input \(N, C, H, W\), got a 3-D input of shape \(2, 3, 4\)"):
        nn.BatchNorm2d(3)(mg.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(num_features=3\) got input with 4 channels \(input shape \(2, 4, 5, 5\)"):
        nn.BatchNorm2d(3)(mg.zeros(2, 4, 5, 5))
    with pytest.raises(ValueError, match=r"BatchNorm1d expects a 2-D \(N, C\) or 3-D \(N, C, L\) input, got a 4-D input"):
        nn.BatchNorm1d(3)(mg.zeros(2, 3, 4, 4))
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"expected more than 1 value per channel when training"):
        bn(mg.zeros(1, 3))
    assert bn.num_batches_tracked.item() == 0  # a rejected batch is not counted


def test_conv_layers_validate_arguments_and_input():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(ValueError, match=r"Conv2d\(in_channels=3\) got input with 4 channels \(input shape \(2, 4, 8, 8\)"):
        conv(mg.zeros(2, 4, 8, 8))
    with pytest.raises(ValueError, match=r"Conv2d expects a 4-D input \(N, C, H, W\), got a 3-D input of shape \(3, 8, 8\)"):
        conv(mg.zeros(3, 8, 8))
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(in_channels=8\) got input with 3 channels"):
        nn.ConvTranspose2d(8, 3, 4)(mg.zeros(1, 3, 4, 4))
    with pytest.raises(ValueError, match=r"Conv2d: groups must be 1 or divide in_channels and out_channels, got groups=3"):
        nn.Conv2d(4, 4, 3, groups=3)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: groups must be 1, got groups=2"):
        nn.ConvTranspose2d(4, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"Conv2d: kernel_size must be an int or a pair of ints, got \(3, 3, 3\)"):
        nn.Conv2d(4, 4, (3, 3, 3))
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output_padding must be smaller than either stride or dilation"):
        nn.ConvTranspose2d(4, 4, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"only padding_mode='zeros' is supported, got 'reflect'"):
        nn.Conv2d(4, 4, 3, padding_mode="reflect")


def test_conv_layers_pass_their_settings_to_the_ops(monkeypatch):
    """Conv2d/ConvTranspose2d call minigan.ops.conv with PyTorch's argument order (a stand-in op here)."""
    import sys
    import types

    calls = []
    fake = types.ModuleType("minigan.ops.conv")
    fake.conv2d = lambda *args: calls.append(("conv2d",) + args) or "out"
    fake.conv_transpose2d = lambda *args: calls.append(("conv_transpose2d",) + args) or "out"
    monkeypatch.setitem(sys.modules, "minigan.ops.conv", fake)
    conv = nn.Conv2d(3, 8, (3, 5), stride=2, padding=(1, 2), dilation=3)
    x = mg.zeros(2, 3, 16, 16)
    assert conv(x) == "out"
    assert calls[-1][0] == "conv2d" and all(a is b for a, b in zip(calls[-1][1:4], (x, conv.weight, conv.bias)))
    assert calls[-1][4:] == ((2, 2), (1, 2), (3, 3), 1)
    deconv = nn.ConvTranspose2d(3, 4, 4, stride=2, padding=1, bias=False)
    assert deconv(x) == "out"
    assert calls[-1][0] == "conv_transpose2d" and calls[-1][1] is x and calls[-1][2] is deconv.weight
    assert calls[-1][3:] == (None, (2, 2), (1, 1), (0, 0), (1, 1))
    deconv(x, output_size=(33, 32))  # sizes 32 and 33 are both reachable with stride 2
    assert calls[-1][6] == (1, 0)
    deconv(x, output_size=(2, 4, 32, 33))
    assert calls[-1][6] == (0, 1)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: requested an output size of \(34, 32\), but valid sizes along dimension 2 range from 32 to 33"):
        deconv(x, output_size=(34, 32))


def test_dropout_module_follows_training_mode():
    layer = nn.Dropout(0.5)
    x = mg.ones(100, 100)
    assert (layer(x).numpy() == 0).mean() == pytest.approx(0.5, abs=0.02)
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match=r"dropout probability has to be between 0 and 1, but got 1.2"):
        nn.Dropout(1.2)


def test_embedding_flatten_unflatten_identity():
    emb = nn.Embedding(10, 4, padding_idx=-1)
    assert emb.padding_idx == 9 and not emb.weight.detach().numpy()[9].any()
    assert emb(mg.tensor([[1, 2, 9]], dtype=mg.int64)).shape == (1, 3, 4)
    with pytest.raises(ValueError, match=r"Embedding: padding_idx 10 must be within num_embeddings \(10\)"):
        nn.Embedding(10, 4, padding_idx=10)
    x = mg.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert nn.Identity(54, unused="argument")(x) is x


def test_activation_layers_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 5))
    pairs = [(nn.ReLU(), torch.nn.ReLU()), (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
             (nn.Tanh(), torch.nn.Tanh()), (nn.Sigmoid(), torch.nn.Sigmoid())]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), theirs(torch.from_numpy(x)).numpy(), rtol=1e-12)


def test_loss_modules_call_their_functions():
    from minigan import functional as F

    x, y = mg.randn(4, 3), mg.rand(4, 3)
    assert nn.MSELoss(reduction="sum")(x, y).item() == F.mse_loss(x, y, reduction="sum").item()
    assert nn.BCEWithLogitsLoss()(x, y).item() == F.binary_cross_entropy_with_logits(x, y).item()
    assert nn.BCELoss()(F.sigmoid(x), y).item() == F.binary_cross_entropy(F.sigmoid(x), y).item()
    target = np.array([0, 2, 1, 1])
    assert nn.CrossEntropyLoss(label_smoothing=0.1)(x, target).item() == F.cross_entropy(x, target, label_smoothing=0.1).item()
    assert nn.NLLLoss()(x, target).item() == F.nll_loss(x, target).item()
    assert repr(nn.BCEWithLogitsLoss()) == "BCEWithLogitsLoss()"
    with pytest.raises(ValueError, match=r"MSELoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        nn.MSELoss(reduction="avg")


# ----------------------------------------------------------------------------- default initialisation


INIT_CASES = [
    (lambda nn: nn.Linear(400, 300), 400),
    (lambda nn: nn.Conv2d(16, 64, 5), 16 * 25),
    (lambda nn: nn.ConvTranspose2d(64, 32, 4), 32 * 16),  # PyTorch: weight.shape[1] * kh * kw
]


@pytest.mark.parametrize("make, fan_in", INIT_CASES)
def test_default_init_uses_pytorchs_bounds(make, fan_in):
    layer = make(nn)
    bound = 1 / math.sqrt(fan_in)
    for tensor in (layer.weight.detach().numpy(), layer.bias.detach().numpy()):
        assert np.abs(tensor).max() <= np.float32(bound)  # the bound rounded to float32 may be reached
    weight = layer.weight.detach().numpy()
    assert weight.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert np.abs(weight).max() > 0.99 * bound
    assert weight.dtype == np.float32


@pytest.mark.parametrize("make, fan_in", INIT_CASES)
def test_torch_uses_the_same_bounds(make, fan_in):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    bound = np.float32(1 / math.sqrt(fan_in))  # torch draws in float32: the rounded bound can be reached
    layer, theirs = make(nn), make(torch.nn)
    assert theirs.weight.abs().max().item() <= bound and theirs.bias.abs().max().item() <= bound
    assert theirs.weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert tuple(theirs.weight.shape) == layer.weight.shape


def test_embedding_and_batchnorm_defaults():
    emb = nn.Embedding(1000, 50)
    assert emb.weight.detach().numpy().mean() == pytest.approx(0, abs=0.01)
    assert emb.weight.detach().numpy().std() == pytest.approx(1, rel=0.02)
    bn = nn.BatchNorm2d(5)
    for tensor, value in ((bn.weight, 1), (bn.bias, 0), (bn.running_mean, 0), (bn.running_var, 1)):
        np.testing.assert_array_equal(tensor.detach().numpy(), np.full(5, value, dtype=np.float32))
    assert bn.num_batches_tracked.shape == () and bn.num_batches_tracked.dtype == np.int64
    assert bn.num_batches_tracked.item() == 0
    plain = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert list(plain.parameters()) == [] and plain.state_dict() == OrderedDict()


def test_init_is_reproducible_with_manual_seed_and_dtype_aware():
    mg.manual_seed(3)
    a = nn.Linear(5, 4, dtype=mg.float64)
    mg.manual_seed(3)
    b = nn.Linear(5, 4, dtype=mg.float64)
    assert a.weight.dtype == np.float64
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    np.testing.assert_array_equal(a.bias.detach().numpy(), b.bias.detach().numpy())


# ----------------------------------------------------------------------------- BatchNorm against PyTorch


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("kind, shape", [("1d", (8, 3)), ("1d", (4, 3, 5)), ("2d", (4, 3, 5, 5))])
def test_batchnorm_running_stats_and_eval_match_torch(momentum, kind, shape):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, f"BatchNorm{kind}")(3, momentum=momentum)
    theirs = getattr(torch.nn, f"BatchNorm{kind}")(3, momentum=momentum)
    theirs.load_state_dict(to_torch(ours.state_dict()))
    rng = np.random.default_rng(0)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.5, 1.5, -1.0]))
        theirs.bias.copy_(torch.tensor([0.1, 0.0, 2.0]))
    ours.load_state_dict(from_torch(theirs.state_dict()))
    for step in range(4):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(),
                                   rtol=1e-5, atol=1e-5)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 4
    for key, value in from_torch(theirs.state_dict()).items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value, rtol=1e-5, err_msg=key)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    assert ours.num_batches_tracked.item() == 4  # eval does not count


def test_batchnorm_without_running_stats_matches_torch_in_eval():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm1d(3, track_running_stats=False), torch.nn.BatchNorm1d(3, track_running_stats=False)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- state dicts move to PyTorch and back


LAYERS = {
    "Linear": (lambda m: m.Linear(6, 4), (5, 6)),
    "Linear_no_bias": (lambda m: m.Linear(6, 4, bias=False), (5, 6)),
    "Conv2d": (lambda m: m.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 8, 8)),
    "ConvTranspose2d": (lambda m: m.ConvTranspose2d(4, 3, 4, stride=2, padding=1), (2, 4, 5, 5)),
    "BatchNorm1d": (lambda m: m.BatchNorm1d(6), (5, 6)),
    "BatchNorm2d": (lambda m: m.BatchNorm2d(3), (2, 3, 4, 4)),
    "Embedding": (lambda m: m.Embedding(7, 3), None),
    "Sequential": (lambda m: m.Sequential(m.Linear(6, 8), m.BatchNorm1d(8), m.LeakyReLU(0.2), m.Dropout(0.3),
                                          m.Linear(8, 1), m.Sigmoid()), (5, 6)),
}


def _forward_available(name):
    if name.startswith("Conv"):
        try:
            import minigan.ops.conv  # noqa: F401  (another part of the project)
        except ImportError:
            return False
    return True


@pytest.mark.parametrize("name", list(LAYERS))
def test_state_dicts_round_trip_through_torch(name):
    torch = pytest.importorskip("torch")
    make, input_shape = LAYERS[name]
    ours, theirs = make(nn), make(torch.nn)
    # Train BatchNorm a little first, so that its buffers are not at their defaults.
    if input_shape is not None and "BatchNorm" in repr(ours) and _forward_available(name):
        for seed in range(2):
            ours(mg.tensor(np.random.default_rng(seed).standard_normal(input_shape).astype(np.float32)))
    state = ours.state_dict()
    assert list(state) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert state[key].shape == tuple(value.shape) and state[key].dtype == value.numpy().dtype, key
    before = snapshot(ours)
    theirs.load_state_dict(to_torch(state))
    fresh = make(nn)
    fresh.load_state_dict(from_torch(theirs.state_dict()))
    assert_same_state(fresh, before)
    ours.eval()
    theirs.eval()
    if name == "Embedding":
        indices = np.array([[1, 6], [0, 1]])
        np.testing.assert_array_equal(ours(indices).detach().numpy(), theirs(torch.from_numpy(indices)).detach().numpy())
    elif _forward_available(name):
        x = np.random.default_rng(5).standard_normal(input_shape).astype(np.float32)
        np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(ours(mg.tensor(x)).detach().numpy(), fresh.eval()(mg.tensor(x)).detach().numpy())


# ----------------------------------------------------------------------------- nn.init


def test_calculate_gain_and_fans_match_torch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv_transpose2d", None)]:
        assert nn.init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-15)
    for shape in [(3, 4), (8, 3, 5, 5), (3, 8, 4, 2)]:
        assert nn.init._calculate_fan_in_and_fan_out(mg.zeros(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    with pytest.raises(ValueError, match=r"calculate_gain: unsupported nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions, got shape \(5,\)"):
        nn.init.xavier_uniform_(mg.zeros(5))


@pytest.mark.parametrize("fill, expected_std, uniform", [
    (lambda t: nn.init.xavier_uniform_(t, gain=2.0), 2.0 * math.sqrt(2.0 / (200 + 300)), True),
    (lambda t: nn.init.xavier_normal_(t), math.sqrt(2.0 / (200 + 300)), False),
    (lambda t: nn.init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(2.0 / 200), True),
    (lambda t: nn.init.kaiming_normal_(t, a=0.2, mode="fan_out"), math.sqrt(2.0 / 1.04) / math.sqrt(300), False),
    (lambda t: nn.init.normal_(t, 3.0, 0.5), 0.5, False),
    (lambda t: nn.init.uniform_(t, -2.0, 2.0), 4.0 / math.sqrt(12), True),
])
def test_init_distributions(fill, expected_std, uniform):
    tensor = nn.Parameter(mg.zeros(300, 200))
    assert fill(tensor) is tensor
    data = tensor.detach().numpy()
    assert data.std() == pytest.approx(expected_std, rel=0.02)
    if uniform:
        assert np.abs(data).max() <= expected_std * math.sqrt(3) * (1 + 1e-6)


def test_constant_fills_and_mode_errors():
    t = mg.zeros(2, 3)
    np.testing.assert_array_equal(nn.init.constant_(t, 0.25).numpy(), np.full((2, 3), 0.25))
    np.testing.assert_array_equal(nn.init.ones_(t).numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(nn.init.zeros_(t).numpy(), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"mode must be 'fan_in' or 'fan_out', got 'fan_avg'"):
        nn.init.kaiming_normal_(t, mode="fan_avg")


# ----------------------------------------------------------------------------- nn.utils.clip_grad_norm_


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s) for s in [(3, 4), (4,), (2, 2, 2)]]
    ours = [nn.Parameter(mg.zeros(*g.shape, dtype=mg.float64)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, t, g in zip(ours, theirs, grads):
        p.grad, t.grad = mg.tensor(g.copy()), torch.from_numpy(g.copy())
    ours.append(nn.Parameter(mg.zeros(2)))  # no gradient: skipped
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.shape == () and total.item() == pytest.approx(expected.item(), rel=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_edge_cases():
    p = nn.Parameter(mg.zeros(3))
    assert nn.utils.clip_grad_norm_([p], 1.0).item() == 0.0
    p.grad = mg.tensor([3.0, 4.0, 0.0])
    assert nn.utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    assert np.linalg.norm(p.grad.numpy()) == pytest.approx(1.0, rel=1e-5)
    p.grad = mg.tensor([np.inf, 0.0, 0.0])
    with pytest.raises(RuntimeError, match=r"clip_grad_norm_: the total norm of order 2.0 of the gradients is inf"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


# ----------------------------------------------------------------------------- nn.utils.spectral_norm


def test_spectral_norm_layout_equals_torchs():
    torch = pytest.importorskip("torch")
    ours = nn.utils.spectral_norm(nn.Linear(5, 4))
    theirs = torch.nn.utils.spectral_norm(torch.nn.Linear(5, 4))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert ours.weight_u.shape == (4,) and ours.weight_v.shape == (5,)
    assert np.linalg.norm(ours.weight_u.numpy()) == pytest.approx(1.0, rel=1e-6)
    assert repr(ours) == repr(theirs)
    deconv = nn.utils.spectral_norm(nn.ConvTranspose2d(6, 3, 4))
    assert deconv.weight_u.shape == (3,) and deconv.weight_v.shape == (6 * 16,)  # dim=1 for transposed convs
    conv = nn.utils.spectral_norm(nn.Conv2d(3, 6, 4))
    assert conv.weight_u.shape == (6,) and conv.weight_v.shape == (3 * 16,)


def test_spectral_norm_matches_torch_over_several_steps():
    torch = pytest.importorskip("torch")
    ours = nn.utils.spectral_norm(nn.Linear(6, 5), n_power_iterations=2)
    theirs = torch.nn.utils.spectral_norm(torch.nn.Linear(6, 5), n_power_iterations=2)
    ours.load_state_dict(from_torch(theirs.state_dict()))  # the same weights, u and v
    rng = np.random.default_rng(0)
    for step in range(4):
        x = rng.standard_normal((3, 6)).astype(np.float32)
        y, ty = ours(mg.tensor(x)), theirs(torch.from_numpy(x))
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(ours.weight_orig.grad.numpy(), theirs.weight_orig.grad.numpy(), rtol=1e-4, atol=1e-6)
        for key in ("weight_u", "weight_v"):
            np.testing.assert_allclose(getattr(ours, key).numpy(), getattr(theirs, key).numpy(), rtol=1e-5, atol=1e-6)
    ours.eval()
    theirs.eval()
    u_before = ours.weight_u.numpy().copy()
    x = rng.standard_normal((3, 6)).astype(np.float32)
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours.weight_u.numpy(), u_before)  # no power iteration in eval mode
    ours.train()
    for _ in range(30):  # more power iterations: sigma converges to the largest singular value
        ours(mg.tensor(x))
    sigma = np.linalg.svd(ours.weight_orig.detach().numpy(), compute_uv=False)[0]
    np.testing.assert_allclose(ours.weight.detach().numpy(), ours.weight_orig.detach().numpy() / sigma, rtol=1e-4, atol=1e-7)


def test_spectral_norm_gradients_are_differentiable_again():
    layer = nn.utils.spectral_norm(nn.Linear(3, 2, dtype=mg.float64))
    layer(mg.zeros(1, 3, dtype=mg.float64))  # one power iteration in training mode
    layer.eval()  # u and v stay fixed, so every call computes the same function

    def fn(x, weight_orig):
        layer.weight_orig = weight_orig  # the Parameter that gradcheck perturbs
        return layer(x) ** 2

    x = mg.tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    w = nn.Parameter(layer.weight_orig.detach().numpy().copy())
    assert mg.gradcheck(fn, (x, w))
    assert mg.gradgradcheck(fn, (x, w))


def test_spectral_norm_remove_and_errors():
    layer = nn.utils.spectral_norm(nn.Linear(4, 3))
    layer(mg.randn(2, 4))
    expected = layer.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError, match=r"cannot register two spectral_norm hooks on the same parameter 'weight'"):
        nn.utils.spectral_norm(layer)
    nn.utils.remove_spectral_norm(layer)
    assert isinstance(layer.weight, nn.Parameter) and list(layer.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(layer.weight.detach().numpy(), expected, rtol=1e-6)
    with pytest.raises(ValueError, match=r"spectral_norm of 'weight' not found in Linear"):
        nn.utils.remove_spectral_norm(layer)
    with pytest.raises(ValueError, match=r"n_power_iterations must be positive, got n_power_iterations=0"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match=r"spectral_norm: Linear has no parameter 'bias'"):
        nn.utils.spectral_norm(nn.Linear(2, 2, bias=False), name="bias")


# ----------------------------------------------------------------------------- double backward through a critic


def test_gradient_penalty_through_a_critic_matches_torch():
    """WGAN-GP: d/dparams of mean((||d critic(x) / dx|| - 1)^2), through spectral norm, batch norm,
    leaky ReLU and linear layers, equals PyTorch's."""
    torch = pytest.importorskip("torch")

    def critic(m):
        return m.Sequential(m.Linear(4, 8), m.BatchNorm1d(8), m.LeakyReLU(0.2), m.Linear(8, 1))

    ours, theirs = critic(nn), critic(torch.nn).double()
    nn.utils.spectral_norm(ours[0])
    torch.nn.utils.spectral_norm(theirs[0])
    ours.to(mg.float64).load_state_dict(from_torch(theirs.state_dict()))
    x = np.random.default_rng(0).standard_normal((6, 4))

    def penalty(out, inp, grad):
        (g,) = grad(out.sum(), inp)
        return ((((g * g).sum(1)) ** 0.5 - 1) ** 2).mean()

    xs = mg.tensor(x, requires_grad=True)
    gp = penalty(ours(xs), xs, lambda o, i: mg.grad(o, i, create_graph=True))
    gp.backward()
    txs = torch.tensor(x, requires_grad=True)
    tgp = penalty(theirs(txs), txs, lambda o, i: torch.autograd.grad(o, i, create_graph=True))
    tgp.backward()
    assert gp.item() == pytest.approx(tgp.item(), rel=1e-10)
    theirs_grads = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        # Biases that feed only a piecewise-linear activation do not reach the input gradient:
        # ours records no path (grad None), torch records one that carries zeros.
        expected = theirs_grads[name].grad
        ours_grad = np.zeros(param.shape) if param.grad is None else param.grad.numpy()
        expected = np.zeros(param.shape) if expected is None else expected.numpy()
        np.testing.assert_allclose(ours_grad, expected, rtol=1e-8, atol=1e-12, err_msg=name)
    assert ours[0].weight_orig.grad is not None and ours[1].weight.grad is not None


def test_layer_sizes_must_be_integers_and_zero_sizes_work_as_in_pytorch():
    """Linear(2.5, 3) and mg.randn(2.5) are refused (never truncated); Linear(0, 3) builds, as
    in PyTorch, and gives zeros plus its bias (which is 0: the bound 1/sqrt(fan_in) is 0 there)."""
    with pytest.raises(TypeError, match=r"a layer's sizes must be non-negative integers, got \(3, 2.5\)"):
        nn.Linear(2.5, 3)
    with pytest.raises(TypeError, match=r"a layer's sizes must be non-negative integers"):
        nn.Conv2d(1, 2.0, 3)
    with pytest.raises(TypeError, match=r"sizes must be integers, got \(2.5,\)"):
        mg.randn(2.5)
    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        layer = nn.Linear(0, 3)
    assert layer.weight.shape == (3, 0)
    out = layer(mg.zeros(4, 0))
    assert out.shape == (4, 3) and np.array_equal(out.detach().numpy(), np.zeros((4, 3), np.float32))
    torch = pytest.importorskip("torch")
    assert tuple(torch.nn.Linear(0, 3).weight.shape) == (3, 0)
    with pytest.raises(TypeError):
        torch.nn.Linear(2.5, 3)
