"""How the house is kept: the settings table and TrainConfig agree, every model family of the
registry builds and trains, remedies compose onto plain models."""

import dataclasses

import numpy as np
import pytest

import minigan as mg
from minigan import gan, nn, optim
from minigan.gan.models import FAMILIES
from minigan.gan.recipes import build_models, default_config
from minigan.gan.settings import CONFIG_SETTINGS, MODELS, TrainConfig


# ----------------------------------------------------------------------------- TrainConfig


def test_trainconfig_fields_are_the_settings_rows_in_order_with_their_types_and_defaults():
    fields = dataclasses.fields(TrainConfig)
    assert [f.name for f in fields] == [s.name for s in CONFIG_SETTINGS]
    for f, s in zip(fields, CONFIG_SETTINGS):
        assert f.type == s.type.__name__, f.name
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        assert default == ({} if s.type is dict else s.default), f.name


def test_trainconfig_checks_every_field_by_its_row():
    assert TrainConfig(steps=5.0).steps == 5 and isinstance(TrainConfig(steps=5.0).steps, int)
    with pytest.raises(ValueError, match=r"steps must be an integer in \[1, 100,000,000\], got 0"):
        TrainConfig(steps=0)
    with pytest.raises(ValueError, match=r"minibatch must be one of 'none', 'discrimination', 'stddev', got 'x'"):
        TrainConfig(minibatch="x")
    config = TrainConfig(model="mlp", dataset="ring", betas=(0.5, 0.9))
    assert TrainConfig.from_dict(config.to_dict()) == config and config.to_dict()["betas"] == [0.5, 0.9]


# ----------------------------------------------------------------------------- the model registry


def test_the_settings_models_are_the_registry_families():
    assert MODELS == tuple(FAMILIES) == ("mlp", "dcgan", "dcgan64", "cgan", "pix2pix", "cyclegan",
                                         "srgan", "inpaint", "progan", "stylegan")
    for name, family in FAMILIES.items():
        assert family.name == name and set(family.defaults) == set(family.data)


@pytest.mark.parametrize("name", [name for name, family in FAMILIES.items() if family.task is None])
def test_every_family_builds_from_its_row(name):
    family = FAMILIES[name]
    dataset = "ring" if "toy" in family.data else "sample"
    config = default_config(name, dataset, width=4, latent_dim=8)
    shape = (2,) if dataset == "ring" else (1, config.image_size, config.image_size)
    mg.manual_seed(0)
    G, D, conditional = build_models(config, shape)
    assert conditional == family.conditional
    z = mg.randn(4, 8)
    labels = mg.tensor(np.arange(4), dtype=mg.long) if conditional else None
    fake = G(z) if labels is None else G(z, labels)
    if family.growing:  # a growing G starts at its first resolution (7x7 for progan)
        shape = (1, G.resolution, G.resolution)
    assert fake.shape == (4, *shape)
    assert (D(fake) if labels is None else D(fake, labels)).shape == (4, 1)


@pytest.mark.parametrize("name", [name for name, family in FAMILIES.items() if family.task])
def test_every_image_to_image_family_builds_from_its_row(name):
    """G translates its task's inputs into 28x28 images; D scores what its step shows it."""
    from minigan.datasets.translation import load_task

    family = FAMILIES[name]
    config = default_config(name, width=4)
    assert config.loss == family.loss
    mg.manual_seed(0)
    G, D, conditional = build_models(config, (1, 28, 28))
    assert not conditional
    inputs = mg.tensor(load_task(family.task, "held-out").inputs[:3])
    out = G(inputs)
    assert out.shape == ((3, 1, 14, 14) if name == "inpaint" else (3, 1, 28, 28))
    scores = D(inputs, out) if name == "pix2pix" else D(out)
    assert scores.shape[0] == 3


# ----------------------------------------------------------------------------- composed remedies


def test_a_minibatch_layer_is_composed_before_the_head_with_the_old_keys():
    mg.manual_seed(0)
    D = gan.DCGANDiscriminator28(4, 1)
    plain_keys = list(D.state_dict())
    gan.add_minibatch_layer(D, "discrimination", init=gan.dcgan_init)
    assert isinstance(D.net[6], nn.MinibatchDiscrimination) and D.net[7].in_features == 4 * 2 * 49 + 8
    assert list(D.state_dict()) == plain_keys[:-2] + ["net.6.T", "net.7.weight", "net.7.bias"]
    assert list(D.state_dict()) == list(gan.DCGANDiscriminator28(4, 1, minibatch="discrimination").state_dict())
    x = mg.randn(8, 1, 28, 28)
    assert D(x).shape == (8, 1) and D.features(x).shape == (8, 4 * 2 * 49 + 8)
    stddev = gan.add_minibatch_layer(gan.MLPDiscriminator((2,), (8,)), "stddev")
    assert isinstance(stddev.net[3], nn.MinibatchStdDev) and stddev.net[4].in_features == 9
    with pytest.raises(ValueError, match=r"a minibatch layer goes before the Linear head of D.net"):
        gan.add_minibatch_layer(gan.DCGANDiscriminator64(2, 1), "stddev")


def test_the_generator_objectives_are_what_the_keywords_select():
    loss = gan.LOSSES["bce"]

    def step(**how):
        mg.manual_seed(0)
        G, D = gan.MLPGenerator(2, (2,), (8,)), gan.MLPDiscriminator((2,), (8,))
        real, z = mg.randn(16, 2), mg.randn(16, 2)
        stats = gan.g_step(G, D, optim.SGD(G.parameters(), lr=0.1), z, loss, real=real, **how)
        assert all(p.grad is None and p.requires_grad for p in D.parameters())
        return stats, [p.detach().numpy() for p in G.parameters()]

    for keywords, objective in (({}, gan.Adversarial(loss)),
                                ({"feature_matching": True}, gan.FeatureMatching()),
                                ({"unroll": 1, "unroll_lr": 0.5}, gan.Unrolled(loss, 1, 0.5))):
        (a, weights_a), (b, weights_b) = step(**keywords), step(objective=objective)
        assert a == b and all(np.array_equal(x, y) for x, y in zip(weights_a, weights_b))
    with pytest.raises(ValueError, match=r"g_step: choose feature matching or unrolling, not both"):
        step(feature_matching=True, unroll=1)


# ----------------------------------------------------------------------------- imports flow downward

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent

# Each module's layer; a module imports (at import time) only modules of its own layer or below.
LAYERS = [
    ("minigan.grad_mode", "minigan.fast_paths", "minigan.files", "minigan.paths",
     "minigan.conv_geometry",
     "minigan.compat", "minigan.compat.device", "minigan.compat.backends"),
    ("minigan.backend", "minigan.dtypes", "minigan.printing", "minigan.compat.accelerator"),
    ("minigan.tensor",),
    ("minigan.autograd", "minigan.compat.legacy", "minigan.compat.cuda"),
    ("minigan.ops",),
    ("minigan.functional", "minigan.nn", "minigan.optim", "minigan.gradcheck", "minigan.serialization",
     "minigan.formats", "minigan.cuda", "minigan.utils", "minigan"),
    ("minigan.datasets",),
    ("minigan.gan",),
    ("minigan.cli", "minigan.__main__"),
]


def layer_of(module: str) -> int:
    """The layer of a module: its own entry, else its package's (minigan.nn.conv -> minigan.nn)."""
    name = module
    while name:
        for i, names in enumerate(LAYERS):
            if name in names:
                return i
        name = name.rpartition(".")[0]
    raise AssertionError(f"{module} has no layer in tests/test_structure.py's LAYERS")


def module_level_imports(path):
    """The minigan modules a file imports at import time (not inside functions)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:  # top-level statements only (a lazy import inside a function is fine)
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("minigan")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("minigan"):
            folder = ROOT / node.module.replace(".", "/")
            for alias in node.names:  # `from minigan import nn`: the module minigan.nn
                is_module = (folder / f"{alias.name}.py").exists() or (folder / alias.name).is_dir()
                found.add(f"{node.module}.{alias.name}" if is_module else node.module)
    return found


def all_modules():
    for path in sorted((ROOT / "minigan").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def test_every_module_imports_only_its_own_layer_or_below():
    upward = []
    for module, path in all_modules():
        for target in module_level_imports(path):
            if module == "minigan.tensor" and target in ("minigan.autograd", "minigan.ops"):
                continue  # the one late binding: the Tensor's methods call the engine and the ops
            if layer_of(target) > layer_of(module):
                upward.append(f"{module} imports {target}")
    assert upward == []


def test_import_minigan_loads_the_core_only():
    import subprocess
    import sys

    code = ("import sys, minigan; mods = {m for m in sys.modules if m.startswith('minigan')}; "
            "print(len({id(sys.modules[m]) for m in mods}), sorted(mods))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    count, names = out.stdout.split(" ", 1)
    assert int(count) <= 21, names  # 20 on house's core, + dtypes.py (every tensor has a dtype)
    for lazy in ("minigan.nn", "minigan.gan", "minigan.datasets", "minigan.optim", "minigan.cuda",
                 "minigan.serialization"):
        assert f"'{lazy}'" not in names
    probe = ("import minigan as mg; assert mg.nn.Linear(2, 3).weight.shape == (3, 2); "
             "assert callable(mg.save) and mg.optim.Adam and mg.gan.Trainer; print('ok')")
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT).stdout == "ok\n"
