"""Every CPU speed and memory measurement of minigan against PyTorch CPU (and DeZero), in one script,
the forward + backward time of each new layer at the input shape a lesson's model trains it with
(`--cases layers`; the shapes: benchmarks/lesson_layer_shapes.py), and one training step of
CycleGAN and of the style-based GAN against PyTorch twins (`--cases cyclegan style`,
benchmarks/model_steps.py).

    python benchmarks/run.py --quick          # about 1-2 minutes: fewer blocks, no full training run
    python benchmarks/run.py                  # about 5-6 minutes, with the default `train` run and its FD
                                              #   (cyclegan and style: under a minute of it)
    python benchmarks/run.py --threads 1      # the thread count every library uses (default 2)
    python benchmarks/run.py --threads 1 --clock cpu   # CPU time instead of wall time (a loaded machine)
    python benchmarks/run.py --cases engine dcgan      # only some cases (dcgan mlp engine dezero cyclegan
                                                       #   style memory layers train)
    python benchmarks/run.py table            # then: the table of docs/benchmarks.md from the latest results
    python benchmarks/run.py conv [--threads 2,1]      # each DCGAN conv layer, with minigan's time breakdown

Each time case runs the libraries in alternating blocks (A B C, then C B A, ...): in each block a
library is warmed up, then `number` calls are timed; a pause between libraries lets idle BLAS
threads stop spinning. A case's ratio is the median over blocks of the ratio measured within one
block (the libraries were timed seconds apart, so the machine's load is about the same for both),
and the times are the medians over blocks. The DCGAN and MLP steps, the shortest blocks and the
targets nearest their lines, take two and three times as many blocks, and DeZero's GAN (one timed
step a block) as many as the others: on a shared host a single block's ratio swings by +-20 % or
more (7 blocks of the MLP step gave medians from 0.75x to 1.04x in four runs within two minutes;
3 blocks of DeZero's GAN speed-ups from 3.0x to 4.9x in one evening). Peak memory runs each library
in a process of its own.

Writes benchmarks/results/bench_<UTC time>.json and bench_latest.json: the machine (CPU model,
cores, load average, NumPy and its BLAS, thread settings) and every number (`conv`:
results/conv_cpu.{json,md}).
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import glob
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import minigan as mg  # noqa: E402
from common import RESULTS, cpu_model  # noqa: E402
from dcgan_shapes import BATCH, CONV_LAYERS_28  # noqa: E402
from minigan import functional as F  # noqa: E402
from minigan.gan.recipes import build, default_config  # noqa: E402

# ----------------------------------------------------------------------------- timing


CLOCK = {"now": time.perf_counter}  # --clock cpu: time.process_time (all threads of this process)


def alternating_blocks(steps: dict, blocks: int, number: int, warmup: int = 1, pause: float = 0.3) -> dict:
    """steps: {library: a function running one step}. Times every library in every block, the
    order reversed each block; returns {library: [seconds per call, one per block]}."""
    times = {name: [] for name in steps}
    names = list(steps)
    for block in range(blocks):
        for name in (names if block % 2 == 0 else names[::-1]):
            step = steps[name]
            for _ in range(warmup):
                step()
            start = CLOCK["now"]()
            for _ in range(number):
                step()
            times[name].append((CLOCK["now"]() - start) / number)
            time.sleep(pause)
    return times


def summarize(times: dict, unit: float = 1e3) -> dict:
    """Medians per library (in ms by default) and, against each other library, the median of the
    per-block ratios minigan / other."""
    out = {f"{name}_ms" if unit == 1e3 else f"{name}_us": statistics.median(t) * unit for name, t in times.items()}
    for other in times:
        if other != "minigan":
            out[f"ratio_vs_{other}"] = statistics.median(m / o for m, o in zip(times["minigan"], times[other]))
    out["blocks"] = len(times["minigan"])
    return out


# ----------------------------------------------------------------------------- the cases


def minigan_step(run, config, real, z):
    """One D step + one G step of minigan's training code (gan.d_step, gan.g_step); returns what
    they record in the history."""
    from minigan import gan

    loss = gan.LOSSES[config.loss]

    def step():
        stats = gan.d_step(run.G, run.D, run.opt_d, real, z, loss)
        return {**stats, **gan.g_step(run.G, run.D, run.opt_g, z, loss)}

    return step


def torch_step(torch, G, D, config, real, z, history: bool = True):
    """The same step in PyTorch: non-saturating BCE written with softplus, D frozen for G's step.

    history=True (the twin the targets are measured against): it also computes what minigan's
    step records in its history, as a PyTorch loop that logs them would: the losses, the mean
    probabilities D(x), D(G(z)) before and after D's update, and both gradient norms (their
    numbers are checked against minigan's before timing). history=False: the bare step, which
    does less work than minigan's (recorded as "torch_bare")."""
    import torch_twins as twins

    opt_g = torch.optim.Adam(G.parameters(), lr=config.lr_g, betas=tuple(config.betas))
    opt_d = torch.optim.Adam(D.parameters(), lr=config.lr_d, betas=tuple(config.betas))
    softplus = torch.nn.functional.softplus
    real, z = torch.from_numpy(real), torch.from_numpy(z)

    def step():
        with torch.no_grad():
            fake = G(z)
        opt_d.zero_grad()
        real_scores, fake_scores = D(real), D(fake)
        loss_d = softplus(-real_scores).mean() + softplus(fake_scores).mean()
        loss_d.backward()
        d_grad_norm = twins.grad_norm(D) if history else None
        opt_d.step()
        D.requires_grad_(False)
        opt_g.zero_grad()
        fake_scores_g = D(G(z))
        loss_g = softplus(-fake_scores_g).mean()
        loss_g.backward()
        g_grad_norm = twins.grad_norm(G) if history else None
        opt_g.step()
        D.requires_grad_(True)
        if not history:
            return None
        return {"d_loss": loss_d.item(), "d_real": torch.sigmoid(real_scores).mean().item(),
                "d_fake": torch.sigmoid(fake_scores).mean().item(), "d_grad_norm": d_grad_norm,
                "g_loss": loss_g.item(), "g_grad_norm": g_grad_norm,
                "d_fake_after": torch.sigmoid(fake_scores_g).mean().item()}

    return step


def gan_steps(torch, model: str, dataset: str):
    """The default model's step ("dcgan" or "mlp"; minigan's training code) and its PyTorch twins,
    as a model_steps.ModelSteps: steps "minigan", "torch" (with the history minigan's step records;
    check() compares them) and "torch_bare" (without it)."""
    import torch_twins as twins
    from model_steps import ModelSteps

    config = default_config(model, dataset)
    run = build(config)
    rng = np.random.default_rng(0)
    if model == "dcgan":
        real = rng.uniform(-1, 1, (config.batch_size, 1, 28, 28)).astype(np.float32)
        tG, tD = twins.dcgan_generator28(config.latent_dim, config.width), twins.dcgan_discriminator28(config.width)
    else:
        real = run.dataset.points[:config.batch_size]
        hidden = (config.width, config.width)
        tG, tD = twins.mlp_generator(config.latent_dim, 2, hidden), twins.mlp_discriminator(2, hidden)
    z = rng.standard_normal((config.batch_size, config.latent_dim)).astype(np.float32)
    twins.copy_weights(run.G, tG)
    twins.copy_weights(run.D, tD)
    steps = {"minigan": minigan_step(run, config, mg.tensor(real), mg.tensor(z)),
             "torch": torch_step(torch, tG, tD, config, real, z),
             "torch_bare": torch_step(torch, tG, tD, config, real, z, history=False)}
    return ModelSteps(steps, twins.Draws(), {"G": tG, "D": tD},
                      {"model": model, "dataset": dataset, "batch_size": config.batch_size, "width": config.width})


def gan_step_case(torch, model: str, dataset: str, blocks: int, number: int) -> dict:
    """One D step + one G step of the default model and its PyTorch twin (which computes the same
    history, checked to agree first), and the twin without the history ("torch_bare")."""
    case = gan_steps(torch, model, dataset)
    error = case.check()
    return {**case.info, "max_relative_history_difference": error,
            **summarize(alternating_blocks(case.steps, blocks, number, warmup=2))}


ENGINE_OPS = 100


def chain(x):
    """25 rounds of (* scalar, + scalar, tanh, - scalar) = 100 ops on x, then a sum: the engine's
    bookkeeping (graph building and walking), not arithmetic."""
    y = x
    for _ in range(ENGINE_OPS // 4):
        y = (y * 1.01 + 0.1).tanh() - 0.05
    return y.sum()


def engine_case(torch, blocks: int) -> dict:
    """Per-op time of a 100-op chain on (8, 8) tensors, forward + backward."""
    def step_of(x):
        return lambda: chain(x).backward()

    steps = {"minigan": step_of(mg.randn(8, 8, requires_grad=True)),
             "torch": step_of(torch.randn(8, 8, requires_grad=True))}
    times = alternating_blocks(steps, blocks, number=50, warmup=20, pause=0.1)
    return {"ops_in_chain": ENGINE_OPS,
            **summarize({k: [t / ENGINE_OPS for t in v] for k, v in times.items()}, unit=1e6)}


# DeZero's examples/gan.py architecture (MNIST 28x28): G from a 1000-d latent through (512, 3, 3)
# and three kernel-2 stride-2 deconvolutions to (1, 28, 28); D four strided convolutions + Linear.
# Adam(2e-4, beta1=0.5) for both (the example's weight-decay hook is left out in all three);
# sigmoid cross-entropy; the fake batch of the D step is made without a graph in all three.
LATENT, C0 = 1000, 512


def dezero_architecture(nn):
    """(G, D) of DeZero's example, from minigan.nn or torch.nn (the same names and arguments)."""
    G = nn.Sequential(
        nn.Linear(LATENT, C0 * 9), nn.Unflatten(1, (C0, 3, 3)), nn.BatchNorm2d(C0), nn.ReLU(),
        nn.ConvTranspose2d(C0, C0 // 2, 2, 2, 1), nn.BatchNorm2d(C0 // 2), nn.ReLU(),
        nn.ConvTranspose2d(C0 // 2, C0 // 4, 2, 2, 1), nn.BatchNorm2d(C0 // 4), nn.ReLU(),
        nn.ConvTranspose2d(C0 // 4, C0 // 8, 2, 2, 1), nn.BatchNorm2d(C0 // 8), nn.ReLU(),
        nn.ConvTranspose2d(C0 // 8, 1, 3, 3, 1), nn.Sigmoid())
    D = nn.Sequential(
        nn.Conv2d(1, 64, 3, 3, 1), nn.LeakyReLU(0.1),
        nn.Conv2d(64, 128, 2, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.1),
        nn.Conv2d(128, 256, 2, 2, 1), nn.BatchNorm2d(256), nn.LeakyReLU(0.1),
        nn.Conv2d(256, 512, 2, 2, 1), nn.BatchNorm2d(512), nn.LeakyReLU(0.1),
        nn.Flatten(), nn.Linear(512 * 9, 1))
    return G, D


def dezero_gan_minigan(batch):
    G, D = dezero_architecture(mg.nn)
    opt_g = mg.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = mg.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.random((batch, 1, 28, 28), dtype=np.float32))
    ones, zeros = mg.ones(batch, 1), mg.zeros(batch, 1)
    bce = F.binary_cross_entropy_with_logits

    def step():
        z = mg.tensor(rng.standard_normal((batch, LATENT), dtype=np.float32))
        with mg.no_grad():
            fake = G(z)
        opt_d.zero_grad()
        (bce(D(x), ones) + bce(D(fake), zeros)).backward()
        opt_d.step()
        z = mg.tensor(rng.standard_normal((batch, LATENT), dtype=np.float32))
        opt_g.zero_grad()
        bce(D(G(z)), ones).backward()
        opt_g.step()

    return step


def dezero_gan_torch(torch, batch):
    G, D = dezero_architecture(torch.nn)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    x = torch.rand(batch, 1, 28, 28)
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    bce = torch.nn.functional.binary_cross_entropy_with_logits

    def step():
        with torch.no_grad():
            fake = G(torch.randn(batch, LATENT))
        opt_d.zero_grad()
        (bce(D(x), ones) + bce(D(fake), zeros)).backward()
        opt_d.step()
        opt_g.zero_grad()
        bce(D(G(torch.randn(batch, LATENT))), ones).backward()
        opt_g.step()

    return step


def dezero_gan_dezero(batch):
    if not hasattr(np, "int"):
        np.int = int  # DeZero 0.0.13 still names np.int, which NumPy 2 removed
    import dezero
    import dezero.functions as DF
    import dezero.layers as L
    from dezero.models import Sequential
    from dezero.optimizers import Adam

    G = Sequential(
        L.Linear(C0 * 9), lambda v: DF.reshape(v, (-1, C0, 3, 3)), L.BatchNorm(), DF.relu,
        L.Deconv2d(C0 // 2, kernel_size=2, stride=2, pad=1), L.BatchNorm(), DF.relu,
        L.Deconv2d(C0 // 4, kernel_size=2, stride=2, pad=1), L.BatchNorm(), DF.relu,
        L.Deconv2d(C0 // 8, kernel_size=2, stride=2, pad=1), L.BatchNorm(), DF.relu,
        L.Deconv2d(1, kernel_size=3, stride=3, pad=1), DF.sigmoid)
    D = Sequential(
        L.Conv2d(64, kernel_size=3, stride=3, pad=1), lambda v: DF.leaky_relu(v, 0.1),
        L.Conv2d(128, kernel_size=2, stride=2, pad=1), L.BatchNorm(), lambda v: DF.leaky_relu(v, 0.1),
        L.Conv2d(256, kernel_size=2, stride=2, pad=1), L.BatchNorm(), lambda v: DF.leaky_relu(v, 0.1),
        L.Conv2d(512, kernel_size=2, stride=2, pad=1), L.BatchNorm(), lambda v: DF.leaky_relu(v, 0.1),
        DF.flatten, L.Linear(1))
    opt_g = Adam(alpha=2e-4, beta1=0.5).setup(G)
    opt_d = Adam(alpha=2e-4, beta1=0.5).setup(D)
    rng = np.random.default_rng(0)
    x = rng.random((batch, 1, 28, 28), dtype=np.float32)
    real, fake_label = np.ones((batch, 1), np.float32), np.zeros((batch, 1), np.float32)  # float32: int labels would turn D's backward into float64

    def step():
        with dezero.no_grad():
            fake = G(rng.standard_normal((batch, LATENT), dtype=np.float32))
        fake = dezero.as_variable(fake.data)
        loss_d = DF.sigmoid_cross_entropy(D(x), real) + DF.sigmoid_cross_entropy(D(fake), fake_label)
        G.cleargrads()
        D.cleargrads()
        loss_d.backward()
        opt_d.update()
        loss_g = DF.sigmoid_cross_entropy(D(G(rng.standard_normal((batch, LATENT), dtype=np.float32))), real)
        G.cleargrads()
        D.cleargrads()
        loss_g.backward()
        opt_g.update()

    return step


def dezero_gan_case(torch, blocks: int, batch: int = 128) -> dict:
    steps = {"minigan": dezero_gan_minigan(batch), "torch": dezero_gan_torch(torch, batch)}
    try:
        steps["dezero"] = dezero_gan_dezero(batch)
    except ImportError:
        print("DeZero is not installed (pip install 'minigan[bench]'): minigan and PyTorch only")
    return {"batch_size": batch, **summarize(alternating_blocks(steps, blocks, number=1, warmup=1, pause=0.5))}


# ----------------------------------------------------------------------------- peak memory


def peak_memory_child(library: str, steps: int) -> None:
    """In a process of its own: build the DCGAN-28 pair, run `steps` training steps, print the
    resident memory before the steps and the process's peak (both in MB) as JSON."""
    config = default_config("dcgan", "sample")
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (config.batch_size, 1, 28, 28)).astype(np.float32)
    z = rng.standard_normal((config.batch_size, config.latent_dim)).astype(np.float32)
    if library == "torch":
        import torch
        import torch_twins as twins

        torch.set_num_threads(mg.get_num_threads())
        step = torch_step(torch, twins.dcgan_generator28(config.latent_dim, config.width),
                                     twins.dcgan_discriminator28(config.width), config, real, z)
    else:
        step = minigan_step(build(config), config, mg.tensor(real), mg.tensor(z))
    before = _status_mb("VmRSS")
    for _ in range(steps):
        step()
    print(json.dumps({"before_mb": before, "peak_mb": _status_mb("VmHWM")}))


def _status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (the peak) of this process, from /proc/self/status (Linux).
    Not ru_maxrss: that keeps the parent's peak across fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def peak_memory_case(threads: int, steps: int) -> dict:
    out = {"steps": steps}
    for library in ("minigan", "torch"):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--peak-child", library, "--steps", str(steps),
               "--threads", str(threads)]
        line = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        got = json.loads(line)
        out[f"{library}_peak_mb"] = got["peak_mb"]
        out[f"{library}_growth_mb"] = got["peak_mb"] - got["before_mb"]  # above the models and imports
    out["ratio_vs_torch"] = out["minigan_growth_mb"] / out["torch_growth_mb"]
    return out


# ----------------------------------------------------------------------------- the default run


# The layers of the image-to-image, progressive and style-based models (issues 21-23), each timed
# forward + backward (output summed) at an input shape a lesson's model trains it with, minigan
# against PyTorch. benchmarks/lesson_layer_shapes.py records those shapes (one training step of each
# model at its default configuration, as lessons 16-20 build them); a row takes the largest shape of
# a layer in a model, and also the residual blocks' shape where a model repeats the layer there (the
# calls it makes most). Layers that no lesson model calls keep a row at (64, 64, 28, 28), without
# issue 29's 2x target (models empty). tests/test_benchmark_twins.py checks the rows against the
# recorded shapes.


@dataclass(frozen=True)
class LayerRow:
    layer: str        # as PyTorch writes it (minigan's own layers: as minigan writes them)
    where: str        # the model and lesson that call it ("" : no lesson model does)
    shape: tuple      # the input's shape
    make: object      # make(kit) -> the layer as a function of its input (kit: layer_kits())
    models: tuple = ()  # the --model families whose training calls it there (for the test)


UNUSED_SHAPE = (64, 64, 28, 28)
LAYERS = [
    LayerRow("InstanceNorm2d(16)", "CycleGAN's G (lesson 17)", (8, 16, 28, 28),
             lambda k: k.nn.InstanceNorm2d(16), ("cyclegan",)),
    LayerRow("InstanceNorm2d(64)", "CycleGAN's G, residual blocks (lesson 17)", (8, 64, 7, 7),
             lambda k: k.nn.InstanceNorm2d(64), ("cyclegan",)),
    LayerRow("InstanceNorm2d(32, affine=True)", "CycleGAN's D (lesson 17)", (8, 32, 7, 7),
             lambda k: k.nn.InstanceNorm2d(32, affine=True), ("cyclegan",)),
    LayerRow("ReflectionPad2d(3)", "CycleGAN's G (lesson 17)", (8, 16, 28, 28),
             lambda k: k.nn.ReflectionPad2d(3), ("cyclegan",)),
    LayerRow("ReflectionPad2d(1)", "CycleGAN's G, residual blocks (lesson 17)", (8, 64, 7, 7),
             lambda k: k.nn.ReflectionPad2d(1), ("cyclegan",)),
    LayerRow("PixelShuffle(2)", "SRGAN's G (lesson 18)", (16, 64, 14, 14),
             lambda k: k.nn.PixelShuffle(2), ("srgan",)),
    LayerRow("PReLU()", "SRGAN's G (lesson 18)", (16, 16, 28, 28), lambda k: k.nn.PReLU(), ("srgan",)),
    LayerRow("PReLU()", "SRGAN's G, residual blocks (lesson 18)", (16, 16, 7, 7), lambda k: k.nn.PReLU(),
             ("srgan",)),
    LayerRow("AvgPool2d(2)", "ProGAN's and StyleGAN's D (lessons 19, 20)", (32, 16, 28, 28),
             lambda k: k.nn.AvgPool2d(2), ("progan", "stylegan")),
    LayerRow("Upsample(scale_factor=2, mode='nearest')", "ProGAN's and StyleGAN's G (lessons 19, 20)",
             (32, 16, 14, 14), lambda k: k.nn.Upsample(scale_factor=2, mode="nearest"), ("progan", "stylegan")),
    LayerRow("MinibatchStdDev(group_size=4)", "ProGAN's and StyleGAN's D (lessons 19, 20)", (32, 32, 7, 7),
             lambda k: k.MinibatchStdDev(4), ("progan", "stylegan")),
    LayerRow("PixelNorm()", "ProGAN's G (lesson 19)", (32, 8, 28, 28), lambda k: k.PixelNorm(), ("progan",)),
    LayerRow("PixelNorm()", "StyleGAN's mapping network, ProGAN's latent (lessons 19, 20)", (32, 64),
             lambda k: k.PixelNorm(), ("progan", "stylegan")),
    LayerRow("AdaIN(8, w_dim=64), w (32, 64)", "StyleGAN's G (lesson 20)", (32, 8, 28, 28),
             lambda k: k.AdaIN(8, 64), ("stylegan",)),
    LayerRow("NoiseInjection(8)", "StyleGAN's G (lesson 20)", (32, 8, 28, 28),
             lambda k: k.NoiseInjection(8), ("stylegan",)),
    # in no lesson model
    LayerRow("GroupNorm(8, 64)", "", UNUSED_SHAPE, lambda k: k.nn.GroupNorm(8, 64)),
    LayerRow("LayerNorm((64, 28, 28))", "", UNUSED_SHAPE, lambda k: k.nn.LayerNorm((64, 28, 28))),
    LayerRow("ReplicationPad2d(1)", "", UNUSED_SHAPE, lambda k: k.nn.ReplicationPad2d(1)),
    LayerRow("ZeroPad2d((1, 0, 1, 0))", "", UNUSED_SHAPE, lambda k: k.nn.ZeroPad2d((1, 0, 1, 0))),
    LayerRow("AvgPool2d(3, 2, 1, count_include_pad=False)", "", UNUSED_SHAPE,
             lambda k: k.nn.AvgPool2d(3, 2, 1, count_include_pad=False)),
    LayerRow("MaxPool2d(2)", "", UNUSED_SHAPE, lambda k: k.nn.MaxPool2d(2)),
    LayerRow("MaxPool2d(3, 2, 1)", "", UNUSED_SHAPE, lambda k: k.nn.MaxPool2d(3, 2, 1)),
    LayerRow("AdaptiveAvgPool2d(7)", "", UNUSED_SHAPE, lambda k: k.nn.AdaptiveAvgPool2d(7)),
    LayerRow("PixelUnshuffle(2)", "", UNUSED_SHAPE, lambda k: k.nn.PixelUnshuffle(2)),
]


def layer_row_key(row: LayerRow) -> str:
    """The row's key in the results: "InstanceNorm2d(16) in CycleGAN's G (lesson 17), (8, 16, 28, 28)"."""
    return f"{row.layer} in {row.where or 'no lesson model'}, {tuple(row.shape)}"


def layer_kits(torch) -> dict:
    """{library: what LayerRow.make builds from}: the library's nn, and its (or its PyTorch twin's,
    benchmarks/torch_twins.py) versions of the progressive and style-based models' own layers.
    AdaIN takes a second input, w (N, 64), made here; NoiseInjection draws fresh noise each call."""
    import torch_twins as twins
    from minigan.gan.models import progan, stylegan

    w = np.random.default_rng(1).standard_normal((32, 64)).astype(np.float32)

    def with_w(layer, w):
        return lambda x: layer(x, w)

    def torch_minibatch_std(group_size):
        assert group_size == 4, "the PyTorch twin's group size is 4"
        return twins.MinibatchStdDev()

    return {
        "minigan": SimpleNamespace(
            nn=mg.nn, tensor=mg.tensor, PixelNorm=progan.PixelNorm, MinibatchStdDev=mg.nn.MinibatchStdDev,
            AdaIN=lambda c, w_dim: with_w(stylegan.AdaIN(c, w_dim), mg.tensor(w, requires_grad=True)),
            NoiseInjection=stylegan.NoiseInjection),
        "torch": SimpleNamespace(
            nn=torch.nn, tensor=torch.tensor, PixelNorm=twins.PixelNorm, MinibatchStdDev=torch_minibatch_std,
            AdaIN=lambda c, w_dim: with_w(twins.AdaIN(c, w_dim), torch.tensor(w, requires_grad=True)),
            NoiseInjection=lambda c: twins.NoiseInjection(c, twins.Draws())),
    }


def calls_per_block(steps: dict, seconds: float = 0.03, most: int = 500) -> int:
    """How many calls make a block of about `seconds` for the slower library (at least 3): small
    shapes take well under a millisecond, and a block of 3 calls would time mostly the clock."""
    took = 0.0
    for step in steps.values():
        step()  # warm
        start = CLOCK["now"]()
        step()
        took = max(took, CLOCK["now"]() - start)
    return max(3, min(most, round(seconds / max(took, 1e-6))))


def layers_case(torch, blocks: int) -> dict:
    """{"layers": {row key: the layer, where the lessons call it, the input shape, the target (None
    for a layer no lesson model calls), minigan and PyTorch times of one forward + backward (output
    summed), their ratio}}."""
    kits = layer_kits(torch)
    results = {}
    for row in LAYERS:
        x = np.random.default_rng(0).standard_normal(row.shape).astype(np.float32)
        steps = {}
        for lib, kit in kits.items():
            layer, t = row.make(kit), kit.tensor(x, requires_grad=True)
            steps[lib] = lambda layer=layer, t=t: layer(t).sum().backward()
        number = calls_per_block(steps)
        results[layer_row_key(row)] = {
            "layer": row.layer, "model": row.where or None, "input_shape": list(row.shape),
            "target": LAYER_TARGET if row.where else None, "calls_per_block": number,
            **summarize(alternating_blocks(steps, blocks, number=number, warmup=1, pause=0.1))}
    return {"shapes_from": "benchmarks/lesson_layer_shapes.py", "layers": results}


def default_train_case() -> dict:
    """`python -m minigan train` exactly as the README says (defaults), then `evaluate` on its run."""
    out_dir = Path(tempfile.mkdtemp(prefix="minigan-bench-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        start, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "minigan", "train", "--out", str(out_dir), "--quiet"],
                       check=True, env=env, cwd=ROOT)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_seconds = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
        subprocess.run([sys.executable, "-m", "minigan", "evaluate", "--run", str(out_dir)],
                       check=True, env=env, cwd=ROOT, capture_output=True)
        metrics = json.loads((out_dir / "metrics.json").read_text())
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    return {"steps": default_config().steps, "seconds": seconds, "cpu_seconds": cpu_seconds, "metrics": metrics}


def model_step_case(torch, name: str, blocks: int, number: int) -> dict:
    """One training step of a bigger model (benchmarks/model_steps.py: "cyclegan", "style") and of
    its PyTorch twin, timed after a check that both give the same losses from the same weights,
    inputs and random draws (its largest relative difference is recorded)."""
    from model_steps import MODEL_STEPS

    case = MODEL_STEPS[name](torch)
    error = case.check()
    return {**case.info, "max_relative_history_difference": error,
            **summarize(alternating_blocks(case.steps, blocks, number, warmup=1))}


# The default run's FD before the speed work of issue 29 (a fresh clone, 2026-12-06): a faster run
# must reach the same FD within 10 % (the numbers change by rounding, not by what is computed).
TRAIN_FD_BEFORE = 59.5

CASES = ("dcgan", "mlp", "engine", "dezero", "cyclegan", "style", "memory", "layers", "train")


# ----------------------------------------------------------------------------- the machine


def machine(threads: int) -> dict:
    info = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpu": cpu_model(),
            "cores": os.cpu_count(), "load_average_at_start": os.getloadavg(),
            "python": sys.version.split()[0], "numpy": np.__version__, "threads": threads,
            "thread_env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                       "MKL_NUM_THREADS") if k in os.environ}}
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["numpy_blas"] = {k: blas.get(k) for k in ("name", "version", "openblas configuration")}
    except Exception:  # older NumPy: no dict mode
        info["numpy_blas"] = None
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [{k: p.get(k) for k in ("user_api", "internal_api", "num_threads", "version")}
                               for p in threadpool_info()]
    except ImportError:
        pass
    return info


# ----------------------------------------------------------------------------- conv: each DCGAN conv layer
# python benchmarks/run.py conv: every conv layer of the 28x28 DCGAN, minigan vs PyTorch, with where
# minigan's time goes (matmul, im2col, col2im, the rest); results/conv_cpu.{json,md}.


def _openblas_function(action: str):
    """openblas_{get,set}_num_threads of the OpenBLAS that NumPy wheels bundle, or None."""
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libs, "*openblas*")):
        lib = ctypes.CDLL(path)
        for name in (f"scipy_openblas_{action}_num_threads64_", f"openblas_{action}_num_threads64_",
                     f"openblas_{action}_num_threads"):
            if hasattr(lib, name):
                return getattr(lib, name)
    return None


def numpy_blas_threads() -> int | None:
    """How many threads NumPy's BLAS uses (None when it cannot be asked)."""
    get = _openblas_function("get")
    return int(get()) if get is not None else None


def set_threads(torch, n: int) -> None:
    """The same thread count for NumPy's BLAS and for PyTorch."""
    set_blas = _openblas_function("set")
    if set_blas is None:
        raise RuntimeError("cannot set NumPy's BLAS threads (not the bundled OpenBLAS); run without --threads")
    set_blas(int(n))
    torch.set_num_threads(int(n))
    assert numpy_blas_threads() == n and torch.get_num_threads() == n


def conv_machine() -> dict:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = np.__config__.CONFIG.get("Build Dependencies", {}).get("blas", {})
    return {
        "cpu": model,
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas": f"{blas.get('name', '?')} {blas.get('version', '')}".strip(),
        "load_average_at_start": list(os.getloadavg()),
    }


def make_layer(torch, kind, cin, cout, k, s, p, hw, rng):
    """Both libraries' step functions for one layer: each returns (forward seconds, backward seconds)."""
    x = rng.standard_normal((BATCH, cin, hw, hw)).astype(np.float32)
    w_shape = (cout, cin, k, k) if kind == "conv2d" else (cin, cout, k, k)
    w = (rng.standard_normal(w_shape) * 0.02).astype(np.float32)  # DCGAN's N(0, 0.02) init
    ours_f, theirs_f = getattr(F, kind), getattr(torch.nn.functional, kind)
    x_mg, w_mg = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    x_t, w_t = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    out_shape = ours_f(x_mg, w_mg, stride=s, padding=p).shape
    g = rng.standard_normal(out_shape).astype(np.float32)
    g_mg, g_t = mg.tensor(g), torch.tensor(g)

    def ours():
        x_mg.grad = w_mg.grad = None
        t0 = time.perf_counter()
        y = ours_f(x_mg, w_mg, stride=s, padding=p)
        t1 = time.perf_counter()
        y.backward(g_mg)
        return t1 - t0, time.perf_counter() - t1

    def theirs():
        x_t.grad = w_t.grad = None
        t0 = time.perf_counter()
        y = theirs_f(x_t, w_t, stride=s, padding=p)
        t1 = time.perf_counter()
        y.backward(g_t)
        return t1 - t0, time.perf_counter() - t1

    def max_gradient_error():
        """max |minigan - PyTorch| / max |PyTorch| over both gradients (after a step of each)."""
        pairs = ((x_mg.grad.numpy(), x_t.grad.numpy()), (w_mg.grad.numpy(), w_t.grad.numpy()))
        return max(float(np.abs(a - b).max() / np.abs(b).max()) for a, b in pairs)

    return ours, theirs, max_gradient_error, tuple(out_shape)


def time_block(step, count: int, warmup: int) -> list:
    """`count` timings of `step` after `warmup` untimed ones, then a pause.

    The pause matters with more than one thread: OpenBLAS's and PyTorch's idle worker threads spin
    for a while after each call, and would steal the cores from the other library's next block.
    """
    for _ in range(warmup):
        step()
    samples = [step() for _ in range(count)]
    time.sleep(0.3)
    return samples


def minigan_breakdown(step, count: int = 10) -> dict:
    """Milliseconds per step spent in im2col, col2im and the matrix products (the rest is Python,
    transposes and allocation), measured by wrapping the three functions for `count` steps."""
    import minigan.ops.conv as conv

    spent = {"im2col": 0.0, "col2im": 0.0, "matmul_arrays": 0.0}
    originals = {name: getattr(conv, name) for name in spent}

    def timed(name):
        def call(*args, **kwargs):
            t0 = time.perf_counter()
            out = originals[name](*args, **kwargs)
            spent[name] += time.perf_counter() - t0
            return out
        return call

    try:
        for name in spent:
            setattr(conv, name, timed(name))
        step()
        spent.update({name: 0.0 for name in spent})
        t0 = time.perf_counter()
        for _ in range(count):
            step()
        total = time.perf_counter() - t0
    finally:
        for name, f in originals.items():
            setattr(conv, name, f)
    result = {name: 1e3 * t / count for name, t in spent.items()}
    result["rest"] = 1e3 * total / count - sum(result.values())
    return result


def conv_layers(torch, threads: int, repeats: int, rounds: int, warmup: int) -> dict:
    """Every layer at one thread count: {"threads": n, "layers": [...]}."""
    set_threads(torch, threads)
    rng = np.random.default_rng(0)
    rows = []
    for name, kind, cin, cout, k, s, p, hw in CONV_LAYERS_28:
        ours, theirs, max_gradient_error, out_shape = make_layer(torch, kind, cin, cout, k, s, p, hw, rng)
        ours(), theirs()
        error = max_gradient_error()
        if error > 1e-4:
            raise RuntimeError(f"{name}: minigan's gradients differ from PyTorch's (relative error {error:.2e})")
        times = {"minigan": [], "torch": []}
        for _ in range(rounds):  # blocks in turn, so that both see the same machine load
            times["minigan"] += time_block(ours, repeats // rounds, warmup)
            times["torch"] += time_block(theirs, repeats // rounds, warmup)
        row = {"layer": name, "kind": kind, "input": [BATCH, cin, hw, hw], "output": list(out_shape),
               "kernel": k, "stride": s, "padding": p, "max_relative_gradient_error": error}
        for lib, samples in times.items():
            samples = np.array(samples) * 1e3
            total = samples.sum(axis=1)
            row[lib] = {"forward_ms": float(np.median(samples[:, 0])),
                        "backward_ms": float(np.median(samples[:, 1])),
                        "total_ms": float(np.median(total)),
                        "total_ms_quartiles": [float(np.percentile(total, 25)), float(np.percentile(total, 75))]}
        row["ratio"] = row["minigan"]["total_ms"] / row["torch"]["total_ms"]
        row["minigan"]["breakdown_ms"] = minigan_breakdown(ours)
        rows.append(row)
    return {"threads": threads, "layers": rows}


def conv_table(run_result: dict) -> str:
    lines = [
        "| layer | op | input -> output | minigan fwd / bwd / total (ms) | PyTorch fwd / bwd / total (ms) "
        "| ratio | minigan: matmul / im2col / col2im / rest (ms) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in run_result["layers"]:
        m, t = r["minigan"], r["torch"]
        lines.append(
            f"| {r['layer']} | {r['kind']} k{r['kernel']} s{r['stride']} p{r['padding']} | "
            f"{tuple(r['input'])} -> {tuple(r['output'])} | "
            f"{m['forward_ms']:.2f} / {m['backward_ms']:.2f} / **{m['total_ms']:.2f}** | "
            f"{t['forward_ms']:.2f} / {t['backward_ms']:.2f} / **{t['total_ms']:.2f}** | {r['ratio']:.2f}x | "
            + " / ".join(f"{m['breakdown_ms'][k]:.1f}" for k in ("matmul_arrays", "im2col", "col2im", "rest"))
            + " |"
        )
    return "\n".join(lines)


def conv_markdown(result: dict, notes: str) -> str:
    m = result["machine"]
    tables = "\n\n".join(
        f"### {r['threads']} thread{'s' if r['threads'] > 1 else ''}"
        f"{' (what NumPy uses by default)' if r['threads'] == m['numpy_default_threads'] else ''}\n\n{conv_table(r)}"
        for r in result["runs"])
    return (
        "# Convolutions on the CPU: minigan (NumPy) vs PyTorch\n\n"
        f"Measured {m['date']} by `benchmarks/run.py conv`: the 28x28 DCGAN layers, batch "
        f"{result['batch']}, float32, forward + backward (input and weight gradients, no bias), median "
        f"of {result['repeats']} steps per library, timed in {result['rounds']} blocks taken in turn "
        f"(each after {result['warmup']} warm-up steps).\n\n"
        f"Machine: {m['cpu']}, {m['logical_cores']} logical cores ({m['usable_cores']} usable), "
        f"{m['platform']}; Python {m['python']}, NumPy {m['numpy']} ({m['numpy_blas']}), "
        f"PyTorch {m['torch']}. Both libraries run with the same thread count (NumPy's BLAS via "
        f"openblas_set_num_threads, PyTorch via torch.set_num_threads). Load average at start "
        f"{m['load_average_at_start'][0]:.2f}, at end {m['load_average_at_end'][0]:.2f}.\n\n"
        f"{tables}\n\n{notes}"
    )


def write_conv_markdown(result: dict, notes_path: str) -> None:
    notes = ""
    if os.path.exists(notes_path):
        with open(notes_path) as f:
            notes = f.read()
    with open(RESULTS / "conv_cpu.md", "w") as f:
        f.write(conv_markdown(result, notes))
    print(f"wrote {RESULTS}/conv_cpu.json and conv_cpu.md")


def conv_main(argv) -> None:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py conv",
        description="Each conv layer of the 28x28 DCGAN, batch 64: minigan vs PyTorch, forward + "
                    "backward, with where minigan spends its time (results/conv_cpu.{json,md}).")
    parser.add_argument("--repeats", type=int, default=30, help="timed steps per library and layer")
    parser.add_argument("--rounds", type=int, default=5, help="blocks the repeats are split into")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before each block")
    parser.add_argument("--threads", default="",
                        help="comma-separated thread counts for both libraries, e.g. 2,1 "
                             "(default: as many as NumPy's BLAS uses)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--notes", default=RESULTS / "conv_cpu_notes.md",
                        help="markdown appended to conv_cpu.md (the analysis)")
    parser.add_argument("--render", action="store_true",
                        help="measure nothing: rewrite conv_cpu.md from conv_cpu.json and the notes")
    args = parser.parse_args(argv)
    if args.render:
        with open(RESULTS / "conv_cpu.json") as f:
            write_conv_markdown(json.load(f), args.notes)
        return

    import torch

    default_threads = numpy_blas_threads()
    if default_threads is None:
        raise RuntimeError("cannot ask NumPy's BLAS for its thread count (not the bundled OpenBLAS)")
    thread_counts = [int(n) for n in args.threads.split(",") if n] or [default_threads]
    info = conv_machine()
    info.update(torch=torch.__version__, numpy_default_threads=default_threads,
                date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    runs = []
    for n in thread_counts:
        runs.append(conv_layers(torch, n, args.repeats, args.rounds, args.warmup))
        print(f"threads: {n}\n{conv_table(runs[-1])}")
    info["load_average_at_end"] = list(os.getloadavg())
    print(f"load average {info['load_average_at_start']} -> {info['load_average_at_end']}")
    result = {"benchmark": "conv_cpu", "dtype": "float32", "batch": BATCH, "repeats": args.repeats,
              "rounds": args.rounds, "warmup": args.warmup, "machine": info, "runs": runs,
              "target": "minigan total within 1.5x of PyTorch CPU"}
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        with open(RESULTS / "conv_cpu.json", "w") as f:
            json.dump(result, f, indent=2)
        write_conv_markdown(result, args.notes)



# ----------------------------------------------------------------------------- table: docs/benchmarks.md
# python benchmarks/run.py table: the table of docs/benchmarks.md from results/bench_latest.json.

START, END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"


def verdict(value: float, op: str, target: float) -> str:
    met = value <= target if op == "<=" else value >= target
    return f"{op} {target:g}x: {'met' if met else '**missed**'}"


# (case, what it measures, unit, reference library, target: minigan / reference must be <= the number;
#  with ">=", the reference / minigan speed-up must be at least the number). The targets of issue 29,
#  for 2 threads and wall time; ONE_THREAD_TARGETS: the ones it sets for 1 thread.
TIME_ROWS = [
    ("dcgan_step", "DCGAN-28 training step (D + G, batch 64)", "ms", "torch", "<=", 1.5),
    ("mlp_step", "MLP-GAN step on the ring (batch 256)", "ms", "torch", "<=", 1.0),
    ("engine_overhead", "engine overhead per op, 100-op chain, forward + backward", "us", "torch", "<=", 1.2),
    ("dezero_gan", "DeZero's example GAN architecture (batch 128)", "ms", "torch", "<=", 1.5),
    ("dezero_gan", "the same: speed-up over DeZero 0.0.13", "ms", "dezero", ">=", 3.0),
    ("cyclegan_step", "CycleGAN step (G_AB, G_BA, D_A, D_B; cycle + identity losses; batch 8)", "ms", "torch",
     "<=", 2.0),
    ("style_step", "style-based GAN step (WGAN-GP critic + G with style mixing; batch 32)", "ms", "torch",
     "<=", 2.0),
]
ONE_THREAD_TARGETS = {"dcgan_step": 1.2}
MEMORY_TARGET = 1.0  # peak memory / PyTorch's
LAYER_TARGET = 2.0   # each layer's forward + backward / PyTorch's
NAMES = {"torch": "PyTorch", "dezero": "DeZero"}


def rows(cases: dict, threads: int = 2) -> list:
    out = []
    for key, what, unit, ref, op, target in TIME_ROWS:
        case = cases.get(key, {})
        if f"ratio_vs_{ref}" not in case:
            continue
        if threads == 1 and op == "<=":
            target = ONE_THREAD_TARGETS.get(key, target)
        ratio = case[f"ratio_vs_{ref}"]
        theirs = f"{NAMES[ref]} {case[f'{ref}_{unit}']:.1f} {unit}"
        if f"ratio_vs_{ref}_bare" in case:  # the twin without minigan's history (gan_steps)
            theirs += (f" (without the history minigan records: {case[f'{ref}_bare_{unit}']:.1f} {unit}, "
                       f"ratio {case[f'ratio_vs_{ref}_bare']:.2f}x)")
        out.append((what, f"{case[f'minigan_{unit}']:.1f} {unit}", theirs, 1 / ratio if op == ">=" else ratio, op,
                    target))
    mem = cases.get("peak_memory_200_dcgan_steps")
    if mem:
        out.append((f"peak memory of {mem['steps']} DCGAN steps (growth above models and imports)",
                    f"{mem['minigan_growth_mb']:.0f} MB", f"PyTorch {mem['torch_growth_mb']:.0f} MB",
                    mem["ratio_vs_torch"], "<=", MEMORY_TARGET))
    return out


def layer_table(layers: dict) -> list:
    """The lines of the layer table: each layer at the input shape a lesson's model trains it with,
    and issue 29's 2x target; a layer no lesson model calls is marked so, without the target.
    (Results written before the rows had shapes: one input shape for all, every row with the target.)"""
    heading = ("Layers, forward + backward (output summed) of one float32 batch, each at the input shape a "
               "lesson's model trains it with (`benchmarks/lesson_layer_shapes.py` records them; the largest, "
               "and the residual blocks' where a model repeats the layer there):")
    if "input_shape" in layers:  # results written before the rows had shapes
        heading = f"Layers, forward + backward of one {tuple(layers['input_shape'])} float32 batch:"
    lines = [heading, "",
             "| layer | where the lessons call it | input shape | minigan | PyTorch | ratio | target |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for key, case in layers["layers"].items():
        layer = case.get("layer", key)
        where = (case["model"] or "not in a lesson model") if "model" in case else "—"
        shape = tuple(case.get("input_shape", layers.get("input_shape", ())))
        target = case.get("target", LAYER_TARGET)
        goal = verdict(case["ratio_vs_torch"], "<=", target) if target else "—"
        lines.append(f"| `{layer}` | {where} | {shape} | {case['minigan_ms']:.2f} ms "
                     f"| {case['torch_ms']:.2f} ms | {case['ratio_vs_torch']:.2f}x | {goal} |")
    return lines


def results_table(results: dict) -> str:
    """The table of docs/benchmarks.md from a run's results (bench_latest.json)."""
    m = results["machine"]
    loaded = max(m["load_average_at_start"][0], m.get("load_average_at_end", [0])[0]) > m["cores"]
    clock = results.get("clock", "wall")
    flags = (" --quick" if results["quick"] else "") + (f" --threads {m['threads']}" if m["threads"] != 2 else "") \
        + (" --clock cpu" if clock == "cpu" else "")
    lines = [
        f"Measured {m['date']} by `python benchmarks/run.py{flags}` on "
        f"{m['cpu']} ({m['cores']} cores), NumPy {m['numpy']}, {m['threads']} thread(s) for every library, "
        f"{'CPU time of the process' if clock == 'cpu' else 'wall time'}; "
        f"load average {m['load_average_at_start'][0]:.1f} at the start"
        + (" (a **loaded** machine: the ratios, measured in alternating blocks, are the numbers to read)"
           if loaded else "") + "."
        + (" The targets are for 2 threads and wall time (the DCGAN step's for 1 thread: 1.2x): re-run "
           "`python benchmarks/run.py` on a quiet machine for them." if m["threads"] != 2 or clock != "wall"
           else ""),
        "",
        "| measure | minigan | reference | ratio | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for what, mine, theirs, ratio, op, target in rows(results["cases"], m["threads"]):
        lines.append(f"| {what} | {mine} | {theirs} | {ratio:.2f}x | {verdict(ratio, op, target)} |")
    train = results["cases"].get("default_train")
    if train:
        fd = train["metrics"].get("fd")
        same_fd = abs(fd - TRAIN_FD_BEFORE) <= 0.1 * TRAIN_FD_BEFORE
        lines.append(f"| `python -m minigan train` ({train['steps']} steps), wall time and FD | "
                     f"{train['seconds']:.0f} s, FD {fd:.1f} | FD before issue 29: "
                     f"{TRAIN_FD_BEFORE} | — | <= 120 s: "
                     f"{'met' if train['seconds'] <= 120 else '**missed**'}; the same FD "
                     f"(within 10 %): {'met' if same_fd else '**missed**'} |")
    layers = results["cases"].get("layers")
    if layers:
        lines += ["", *layer_table(layers)]
    return "\n".join(lines) + "\n"


def table_main(argv) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py table", description=results_table.__doc__)
    parser.add_argument("--print", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    text = results_table(json.loads((RESULTS / "bench_latest.json").read_text()))
    if args.print:
        print(text)
        return
    page = ROOT / "docs" / "benchmarks.md"
    content = page.read_text()
    if START not in content or END not in content:
        raise SystemExit(f"error: {page} has no {START} ... {END} markers")
    head, rest = content.split(START, 1)
    _, tail = rest.split(END, 1)
    page.write_text(head + START + "\n" + text + END + tail)
    print(text)



# ----------------------------------------------------------------------------- the cases


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["conv"]:
        return conv_main(argv[1:])
    if argv[:1] == ["table"]:
        return table_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer blocks, no full training run (~1-2 min)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for every library (default 2)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall time (default), or the process's CPU time: steadier on a loaded machine "
                             "with --threads 1, meaningless with idle threads spinning")
    parser.add_argument("--skip-train", action="store_true", help="leave out the default `train` run")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=None,
                        help="run only these cases (default: all; --quick leaves out train); cyclegan and "
                             "style: one training step of each against its PyTorch twin (model_steps.py)")
    parser.add_argument("--peak-child", choices=("minigan", "torch"), help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=200, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    mg.set_num_threads(args.threads)
    if args.clock == "cpu":
        CLOCK["now"] = time.process_time
    if args.peak_child:
        peak_memory_child(args.peak_child, args.steps)
        return
    import torch

    torch.set_num_threads(args.threads)
    blocks = 3 if args.quick else 7
    results = {"machine": machine(args.threads), "quick": args.quick, "clock": args.clock, "cases": {}}
    cases = results["cases"]
    started = time.perf_counter()
    chosen = args.cases or [c for c in CASES if not (c == "train" and (args.quick or args.skip_train))]
    run_case = {
        "dcgan": lambda: ("dcgan_step", gan_step_case(torch, "dcgan", "sample", 2 * blocks, number=3)),
        "mlp": lambda: ("mlp_step", gan_step_case(torch, "mlp", "ring", 3 * blocks, number=20)),
        "engine": lambda: ("engine_overhead", engine_case(torch, blocks)),
        "dezero": lambda: ("dezero_gan", dezero_gan_case(torch, blocks)),
        "cyclegan": lambda: ("cyclegan_step", model_step_case(torch, "cyclegan", blocks, number=3)),
        "style": lambda: ("style_step", model_step_case(torch, "style", blocks, number=3)),
        "memory": lambda: ("peak_memory_200_dcgan_steps", peak_memory_case(args.threads, 200)),
        "layers": lambda: ("layers", layers_case(torch, blocks)),
        "train": lambda: ("default_train", default_train_case()),
    }
    for name in chosen:
        key, value = run_case[name]()
        cases[key] = value
        print(key, value, flush=True)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["seconds"] = time.perf_counter() - started
    RESULTS.mkdir(exist_ok=True)
    text = json.dumps(results, indent=2) + "\n"
    stamp = results["machine"]["date"].replace(":", "").replace("-", "")
    written = [RESULTS / f"bench_{stamp}.json"]
    if not args.cases:  # only a run of every case becomes the one the README's table is made from
        written.append(RESULTS / "bench_latest.json")
    for path in written:
        path.write_text(text)
    print(f"wrote {', '.join(str(p) for p in written)} ({results['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
