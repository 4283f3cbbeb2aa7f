"""benchmarks/run.py's step cases: the PyTorch twins record minigan's history (losses, mean outputs,
gradient norms; the check run.py makes before timing), a twin that differs or leaves part of the
history out is caught, and `run.py table` marks the 2x target of the CycleGAN and style-based rows.
Its layer rows: each at a shape a lesson's model trains the layer with
(benchmarks/lesson_layer_shapes.py records them), and the table shows each row's layer, model,
shape and target. No timing here: run.py measures."""

import copy
import importlib
import math
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    """(benchmarks/model_steps.py, benchmarks/run.py) as modules; afterwards sys.path and
    sys.modules are as they were (the scripts put their folder on the path)."""
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module("model_steps"), importlib.import_module("run")
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            if str(getattr(sys.modules[name], "__file__", None) or "").startswith(str(BENCHMARKS)):
                del sys.modules[name]


@pytest.mark.slow   # builds both models and runs two steps of each (about 5 s)
@pytest.mark.parametrize("name", ["cyclegan", "style"])
def test_the_twin_gives_minigans_losses_step_after_step(bench, name):
    model_steps, _ = bench
    case = model_steps.MODEL_STEPS[name](torch)
    assert case.check() < 1e-4                  # the first step, from the copied weights: every number
    # the next, after both optimizers stepped: the losses (see check() for the gradient norms)
    assert case.check(keys=["d_loss", "g_loss"]) < model_steps.LOSS_TOLERANCE
    assert case.draws.replayed is None          # the twin is back on torch's own generator


@pytest.mark.slow   # builds both models and runs two steps of each (about 2 s)
@pytest.mark.parametrize("model, dataset", [("dcgan", "sample"), ("mlp", "ring")])
def test_the_dcgan_and_mlp_twins_record_minigans_history(bench, model, dataset):
    _, run = bench
    case = run.gan_steps(torch, model, dataset)
    assert case.check() < 1e-5      # losses, D's mean outputs and both gradient norms, from one step
    assert case.check() < 1e-3      # and the next, after both Adams stepped
    assert case.steps["torch_bare"]() is None   # the bare twin computes no history


def test_a_twin_that_leaves_out_part_of_the_history_is_caught(bench):
    model_steps, _ = bench
    minigan_history = {"d_loss": 1.0, "d_grad_norm": 2.0}
    case = model_steps.ModelSteps({"minigan": lambda: minigan_history, "torch": lambda: {"d_loss": 1.0}},
                                  model_steps.twins.Draws(), {}, {"model": "toy"})
    with pytest.raises(RuntimeError, match=r"toy: the PyTorch twin records \['d_loss'\], minigan's step "
                                           r"\['d_grad_norm', 'd_loss'\]: a twin must do the work"):
        case.check()


@pytest.mark.slow
def test_a_twin_that_differs_is_caught(bench):
    model_steps, _ = bench
    case = model_steps.MODEL_STEPS["cyclegan"](torch)
    with torch.no_grad():
        # G_AB's last convolution (before tanh), 1 % off (the first would not do: InstanceNorm
        # follows it and divides any scale out)
        case.twin["G"]["G_AB"].model[20].weight.mul_(1.01)
    with pytest.raises(RuntimeError, match="cyclegan: the PyTorch twin's history differs from minigan's"):
        case.check()


def test_a_twin_that_draws_other_random_numbers_is_caught(bench):
    model_steps, _ = bench
    draws = model_steps.twins.Draws()
    draws.replay([("rand", torch.zeros(4, 1, 1, 1).numpy())])
    with pytest.raises(RuntimeError, match=r"the twin drew randn\(4, 1, 7, 7\) where rand\(4, 1, 1, 1\) was recorded"):
        draws.randn(4, 1, 7, 7)


def test_the_table_marks_the_2x_target_of_both_steps(bench):
    _, run = bench
    results = {"machine": {"date": "2026-12-07T12:00:00Z", "cpu": "test CPU", "cores": 2, "numpy": "2",
                           "threads": 2, "load_average_at_start": [0.1, 0.1, 0.1]},
               "quick": False, "clock": "wall",
               "cases": {"cyclegan_step": {"minigan_ms": 30.0, "torch_ms": 20.0, "ratio_vs_torch": 1.5},
                         "style_step": {"minigan_ms": 50.0, "torch_ms": 20.0, "ratio_vs_torch": 2.5}}}
    lines = run.results_table(copy.deepcopy(results)).splitlines()
    assert "| CycleGAN step (G_AB, G_BA, D_A, D_B; cycle + identity losses; batch 8) | 30.0 ms | " \
           "PyTorch 20.0 ms | 1.50x | <= 2x: met |" in lines
    assert "| style-based GAN step (WGAN-GP critic + G with style mixing; batch 32) | 50.0 ms | " \
           "PyTorch 20.0 ms | 2.50x | <= 2x: **missed** |" in lines
    assert {"cyclegan", "style"} <= set(run.CASES)


def test_the_table_gives_the_mlp_ratio_against_the_twin_with_the_history_and_without(bench):
    _, run = bench
    results = {"machine": {"date": "2026-12-07T12:00:00Z", "cpu": "test CPU", "cores": 2, "numpy": "2",
                           "threads": 2, "load_average_at_start": [0.1, 0.1, 0.1]},
               "quick": False, "clock": "wall",
               "cases": {"mlp_step": {"minigan_ms": 2.5, "torch_ms": 2.6, "torch_bare_ms": 2.4,
                                      "ratio_vs_torch": 0.96, "ratio_vs_torch_bare": 1.04}}}
    lines = run.results_table(results).splitlines()
    assert "| MLP-GAN step on the ring (batch 256) | 2.5 ms | PyTorch 2.6 ms (without the history minigan " \
           "records: 2.4 ms, ratio 1.04x) | 0.96x | <= 1x: met |" in lines


def test_the_layer_table_shows_each_rows_layer_model_shape_and_target(bench):
    _, run = bench
    layers = {"shapes_from": "benchmarks/lesson_layer_shapes.py", "layers": {
        "InstanceNorm2d(16) in CycleGAN's G (lesson 17), (8, 16, 28, 28)": {
            "layer": "InstanceNorm2d(16)", "model": "CycleGAN's G (lesson 17)", "input_shape": [8, 16, 28, 28],
            "target": 2.0, "minigan_ms": 0.5, "torch_ms": 0.4, "ratio_vs_torch": 1.25},
        "PReLU() in SRGAN's G, residual blocks (lesson 18), (16, 16, 7, 7)": {
            "layer": "PReLU()", "model": "SRGAN's G, residual blocks (lesson 18)", "input_shape": [16, 16, 7, 7],
            "target": 2.0, "minigan_ms": 0.3, "torch_ms": 0.1, "ratio_vs_torch": 3.0},
        "MaxPool2d(2) in no lesson model, (64, 64, 28, 28)": {
            "layer": "MaxPool2d(2)", "model": None, "input_shape": [64, 64, 28, 28], "target": None,
            "minigan_ms": 30.0, "torch_ms": 10.0, "ratio_vs_torch": 3.0}}}
    lines = run.layer_table(layers)
    assert "| `InstanceNorm2d(16)` | CycleGAN's G (lesson 17) | (8, 16, 28, 28) | 0.50 ms | 0.40 ms | 1.25x " \
           "| <= 2x: met |" in lines
    assert "| `PReLU()` | SRGAN's G, residual blocks (lesson 18) | (16, 16, 7, 7) | 0.30 ms | 0.10 ms | 3.00x " \
           "| <= 2x: **missed** |" in lines
    assert "| `MaxPool2d(2)` | not in a lesson model | (64, 64, 28, 28) | 30.00 ms | 10.00 ms | 3.00x | — |" in lines
    assert lines[0].startswith("Layers, forward + backward (output summed) of one float32 batch, each at the input "
                               "shape a lesson's model trains it with")
    # results written before the rows had shapes: one shape for all, every row with the target
    old = {"input_shape": [64, 64, 28, 28], "layers": {"PReLU(64)": {
        "minigan_ms": 45.6, "torch_ms": 14.5, "ratio_vs_torch": 3.16}}}
    lines = run.layer_table(old)
    assert lines[0] == "Layers, forward + backward of one (64, 64, 28, 28) float32 batch:"
    assert "| `PReLU(64)` | — | (64, 64, 28, 28) | 45.60 ms | 14.50 ms | 3.16x | <= 2x: **missed** |" in lines
    # and run.py's own rows: a lesson row has its model and the target, the others neither
    for row in run.LAYERS:
        assert bool(row.where) == bool(row.models) == (row.shape != run.UNUSED_SHAPE)
        assert run.layer_row_key(row).endswith(f", {tuple(row.shape)}")


@pytest.mark.slow   # one training step of each of six models (about 5 s)
def test_the_layer_rows_are_at_the_shapes_the_lessons_models_train_them_with(bench):
    """Each lesson row of run.LAYERS: its layer (minigan's repr, or class) was called at its shape
    by each model it names; and each layer class a lesson model calls has a row at the largest
    shape that model calls it with (the functions the models call directly: no larger than the
    row of their layer)."""
    _, run = bench
    import lesson_layer_shapes

    calls = lesson_layer_shapes.recorded_calls()
    kit = run.layer_kits(torch)["minigan"]
    for row in (r for r in run.LAYERS if r.models):
        layer = row.make(kit)
        name = " ".join(repr(layer).split()) if isinstance(layer, run.mg.nn.Module) else row.layer.split("(")[0]
        for model in row.models:
            shapes = set().union(*[s for (m, _, call), s in calls.items()
                                   if m == model and (call == name or call.startswith(name + "("))])
            assert tuple(row.shape) in shapes, (row, model, shapes)
    functions = {"F.avg_pool2d": "AvgPool2d", "F.interpolate": "Upsample"}
    largest = {}    # (model, layer class): the most elements of an input it was called with
    for (model, _, call), shapes in calls.items():
        name = call.split("(")[0]
        assert name in functions or not name.startswith("F."), f"{call}: no row's layer does what it does"
        key = (model, functions.get(name, name))
        largest[key] = max([largest.get(key, 0), *map(math.prod, shapes)])
    assert {name for _, name in largest} >= {"InstanceNorm2d", "ReflectionPad2d", "PixelShuffle", "PReLU",
                                              "AvgPool2d", "Upsample", "PixelNorm", "AdaIN", "NoiseInjection"}
    for (model, name), size in largest.items():
        rows = [r for r in run.LAYERS if model in r.models and r.layer.split("(")[0] == name]
        assert rows, f"{name} in {model}: no row"
        assert size <= max(math.prod(r.shape) for r in rows), (model, name, size)
