"""One GAN training step (D step + G step), minigan vs PyTorch CPU, and the default run's wall time.

Both libraries run the same architecture (default_config's DCGAN 28x28 and the MLP GAN of the ring),
the same hyperparameters and loss (non-saturating BCE written with softplus), from the same weights,
with the same thread count (NumPy's BLAS threads; torch.set_num_threads to match).

    python benchmarks/train_step.py            # writes benchmarks/results/train_step.{json,md}
    python benchmarks/train_step.py --full-run # also times `python -m minigan train` end to end
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import minigan as mg  # noqa: E402
from common import median_seconds, write_results  # noqa: E402
from minigan import gan  # noqa: E402
from minigan.gan.recipes import build, default_config  # noqa: E402


def minigan_step(run, config, real, z):
    loss = gan.LOSSES[config.loss]

    def step():
        gan.d_step(run.G, run.D, run.opt_d, real, z, loss)
        gan.g_step(run.G, run.D, run.opt_g, z, loss)

    return step


def torch_step(torch, G, D, config, real, z):
    opt_g = torch.optim.Adam(G.parameters(), lr=config.lr_g, betas=tuple(config.betas))
    opt_d = torch.optim.Adam(D.parameters(), lr=config.lr_d, betas=tuple(config.betas))
    softplus = torch.nn.functional.softplus
    real, z = torch.from_numpy(real), torch.from_numpy(z)

    def step():
        with torch.no_grad():
            fake = G(z)
        opt_d.zero_grad()
        (softplus(-D(real)).mean() + softplus(D(fake)).mean()).backward()
        opt_d.step()
        for p in D.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad()
        softplus(-D(G(z))).mean().backward()
        opt_g.step()
        for p in D.parameters():
            p.requires_grad_(True)

    return step


def blas_threads() -> int:
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(name):
            return int(os.environ[name])
    return os.cpu_count() or 1


def measure(model: str, dataset: str):
    import torch
    import torch_twins as twins

    config = default_config(model, dataset)
    run = build(config)
    rng = np.random.default_rng(0)
    if model == "dcgan":
        real = rng.uniform(-1, 1, (config.batch_size, 1, 28, 28)).astype(np.float32)
        tG = twins.dcgan_generator28(config.latent_dim, config.width)
        tD = twins.dcgan_discriminator28(config.width)
    else:
        real = run.dataset.points[:config.batch_size]
        hidden = (config.width, config.width)
        tG = twins.mlp_generator(config.latent_dim, 2, hidden)
        tD = twins.mlp_discriminator(2, hidden)
    z = rng.standard_normal((config.batch_size, config.latent_dim)).astype(np.float32)
    twins.copy_weights(run.G, tG)
    twins.copy_weights(run.D, tD)
    ours = median_seconds(minigan_step(run, config, mg.tensor(real), mg.tensor(z)), repeats=9, warmup=3, number=3)
    time.sleep(1)  # let OpenBLAS's spinning threads go idle before torch runs
    theirs = median_seconds(torch_step(torch, tG, tD, config, real, z), repeats=9, warmup=3, number=3)
    return {"model": model, "dataset": dataset, "batch_size": config.batch_size, "width": config.width,
            "minigan_ms": 1000 * ours, "torch_ms": 1000 * theirs, "ratio": ours / theirs}


def full_run() -> float:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "minigan", "train", "--out", out, "--quiet"], check=True)
        return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full-run", action="store_true", help="also time the default `train` run")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(blas_threads())
    rows = [measure("dcgan", "sample"), measure("mlp", "ring")]
    lines = ["| model | batch | minigan (ms/step) | PyTorch (ms/step) | ratio |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} (width {r['width']}) on {r['dataset']} | {r['batch_size']} | "
                     f"{r['minigan_ms']:.1f} | {r['torch_ms']:.1f} | {r['ratio']:.2f}x |")
    payload = {"threads": torch.get_num_threads(), "steps": rows}
    if args.full_run:
        seconds = full_run()
        payload["default_train_run_seconds"] = seconds
        lines.append("")
        lines.append(f"`python -m minigan train` (defaults, {default_config().steps} steps, plots and "
                     f"samples included): {seconds:.0f} s wall time.")
    write_results("train_step", payload, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
