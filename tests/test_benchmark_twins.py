"""benchmarks/run.py's CycleGAN and style-based GAN cases: the PyTorch twins give minigan's losses
(the check run.py makes before timing), a twin that differs is caught, and `run.py table` marks
the 2x target of both rows. No timing here: run.py measures."""

import copy
import importlib
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
    assert case.check() < 1e-4                  # the first step, from the copied weights
    assert case.check() < model_steps.LOSS_TOLERANCE   # and the next, after both optimizers stepped
    assert case.draws.replayed is None          # the twin is back on torch's own generator


@pytest.mark.slow
def test_a_twin_that_differs_is_caught(bench):
    model_steps, _ = bench
    case = model_steps.MODEL_STEPS["cyclegan"](torch)
    with torch.no_grad():
        # G_AB's last convolution (before tanh), 1 % off (the first would not do: InstanceNorm
        # follows it and divides any scale out)
        case.twin["G"]["G_AB"].model[20].weight.mul_(1.01)
    with pytest.raises(RuntimeError, match="cyclegan: the PyTorch twin's losses differ from minigan's"):
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
