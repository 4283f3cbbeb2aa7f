"""One DCGAN training step (D step + G step) on a GPU: minigan on CuPy against PyTorch CUDA eager.

    PYTHONPATH=. python benchmarks/cuda_train_step.py                  # batch 64 and 512
    PYTHONPATH=. python benchmarks/cuda_train_step.py --batch 64 --samples 3

The default `train` model (DCGAN 28x28, width 32, latent 64, Adam, non-saturating BCE), from the
same weights, on the same real batch and noise, FP32 (TF32 off everywhere). Three ways:
  kernels   minigan on CuPy, matmul and conv on minigan's own CUDA kernels (the default)
  cublas    minigan on CuPy with minigan.cuda.use_cublas(True): the same graph, cuBLAS products
  torch     PyTorch CUDA eager (benchmarks/torch_twins.py), when PyTorch with CUDA is installed
Before timing, the first D step's loss of each way is checked against minigan on NumPy (same
weights, same batch). Milliseconds per step: CUDA events around whole steps (the loss statistics
each step returns make minigan synchronise, which is part of its cost), median of samples.
Target: minigan within 2x of PyTorch eager. Writes cuda_train_step_<gpu>.json and .md into --out.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ["CUPY_TF32"] = "0"

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from gpu_timing import gpu_info, gpu_missing, machine_lines, slug, time_gpu, write_results  # noqa: E402


def minigan_step(mg, gan, run, real, z):
    """The step `python -m minigan train` runs (without label smoothing), as a closure."""
    loss = gan.LOSSES["bce"]

    def step():
        d = gan.d_step(run.G, run.D, run.opt_d, real, z, loss)
        gan.g_step(run.G, run.D, run.opt_g, z, loss)
        return d

    return step


def torch_step(torch, G, D, lr_g, lr_d, betas, real, z):
    """The same step in PyTorch: softplus(-D(x)) + softplus(D(G(z))) is BCE with labels 1 and 0."""
    opt_g = torch.optim.Adam(G.parameters(), lr=lr_g, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas)
    softplus = torch.nn.functional.softplus

    def step():
        with torch.no_grad():
            fake = G(z)
        opt_d.zero_grad()
        d_loss = softplus(-D(real)).mean() + softplus(D(fake)).mean()
        d_loss.backward()
        opt_d.step()
        for p in D.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad()
        softplus(-D(G(z))).mean().backward()
        opt_g.step()
        for p in D.parameters():
            p.requires_grad_(True)
        return d_loss

    return step


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="DCGAN training step: minigan on CuPy vs PyTorch CUDA")
    parser.add_argument("--batch", default="64,512", help="comma list of batch sizes")
    parser.add_argument("--width", type=int, default=None, help="DCGAN width (default: the train default)")
    parser.add_argument("--samples", type=int, default=7, help="timed samples per measurement (median)")
    parser.add_argument("--ways", default="kernels,cublas,torch", help="comma list of kernels,cublas,torch")
    parser.add_argument("--out", default=str(HERE / "results"), help="results folder")
    args = parser.parse_args(argv)
    batches = [int(b) for b in args.batch.split(",")]
    ways = args.ways.split(",")
    if not set(ways) <= {"kernels", "cublas", "torch"}:
        parser.error(f"--ways takes kernels, cublas and torch, got {args.ways!r}")

    missing = gpu_missing("cuda_train_step.py")
    if missing:
        print(missing)
        return 2
    import numpy as np

    import minigan as mg
    from minigan import cuda, gan
    from minigan.gan.recipes import build, default_config

    try:
        import torch

        has_torch = torch.cuda.is_available() and "torch" in ways
    except ImportError:
        has_torch = False
    if has_torch:
        import torch_twins as twins

        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.benchmark = True

    meta = gpu_info()
    meta.update(CUPY_TF32="0", torch_cuda=has_torch)
    stem = Path(args.out) / f"cuda_train_step_{slug(meta['gpu'])}"
    rows = []
    print(f"{meta['gpu']}: PyTorch CUDA {'yes' if has_torch else 'no'}")
    for batch in batches:
        overrides = {"batch_size": batch} if args.width is None else {"batch_size": batch, "width": args.width}
        config = default_config("dcgan", "sample", **overrides)
        rng = np.random.default_rng(0)
        real_np = rng.uniform(-1, 1, (batch, 1, 28, 28)).astype(np.float32)
        z_np = rng.standard_normal((batch, config.latent_dim)).astype(np.float32)
        row = {"batch": batch, "width": config.width, "latent_dim": config.latent_dim}

        # the first D loss on NumPy: the value every way must reproduce
        mg.set_backend("numpy")
        mg.manual_seed(0)
        reference = build(config)
        want = gan.d_step(reference.G, reference.D, reference.opt_d, mg.tensor(real_np), mg.tensor(z_np),
                          gan.LOSSES["bce"])["d_loss"]
        row["numpy_first_d_loss"] = want

        for way, cublas in (("kernels", False), ("cublas", True)):
            if way not in ways:
                continue
            cuda.use_cublas(cublas)
            try:
                mg.manual_seed(0)
                run = build(config)  # seeded: the same initial weights as the NumPy reference
                run.G.to("cupy")
                run.D.to("cupy")
                step = minigan_step(mg, gan, run, mg.tensor(real_np).to("cupy"), mg.tensor(z_np).to("cupy"))
                got = step()["d_loss"]
                row[f"{way}_first_d_loss"] = got
                row[f"{way}_loss_ok"] = bool(abs(got - want) <= 1e-3 * max(1.0, abs(want)))
                row[way] = time_gpu(step, samples=args.samples, min_sample_ms=50.0, max_inner=50)
            except Exception as err:  # noqa: BLE001
                row[f"{way}_error"] = f"{type(err).__name__}: {err}"
            finally:
                cuda.use_cublas(False)
                mg.set_backend("numpy")
        if has_torch:
            try:
                mg.manual_seed(0)
                source = build(config)
                G = twins.dcgan_generator28(config.latent_dim, config.width)
                D = twins.dcgan_discriminator28(config.width)
                twins.copy_weights(source.G, G)
                twins.copy_weights(source.D, D)
                G, D = G.cuda(), D.cuda()
                step = torch_step(torch, G, D, config.lr_g, config.lr_d, tuple(config.betas),
                                  torch.from_numpy(real_np).cuda(), torch.from_numpy(z_np).cuda())
                got = float(step())
                row["torch_first_d_loss"] = got
                row["torch_loss_ok"] = bool(abs(got - want) <= 1e-3 * max(1.0, abs(want)))
                row["torch"] = time_gpu(step, kind="torch", samples=args.samples, min_sample_ms=50.0, max_inner=50)
            except Exception as err:  # noqa: BLE001
                row["torch_error"] = f"{type(err).__name__}: {err}"
        for way in ("kernels", "cublas"):
            if way in row and "torch" in row:
                row[f"{way}_over_torch"] = row[way]["ms"] / row["torch"]["ms"]
        rows.append(row)
        print(summary_line(row))
        write_results(stem, meta, rows, markdown(meta, rows))
    print(f"\nwrote {stem}.json and {stem}.md")
    failed = [r for r in rows if any(k.endswith("_error") for k in r) or
              not all(r.get(f"{w}_loss_ok", True) for w in ("kernels", "cublas", "torch"))]
    return 1 if failed else 0


def _ms(row, way):
    return f"{row[way]['ms']:.2f}" if way in row else row.get(f"{way}_error", "")[:60]


def _ratio(row, way):
    key = f"{way}_over_torch"
    return f"{row[key]:.2f}x" if key in row else ""


def summary_line(row) -> str:
    return (f"batch {row['batch']:4d}: kernels {_ms(row, 'kernels')} ms, cublas {_ms(row, 'cublas')} ms, "
            f"torch {_ms(row, 'torch')} ms; kernels/torch {_ratio(row, 'kernels')}, "
            f"first D loss numpy {row['numpy_first_d_loss']:.5f} kernels {row.get('kernels_first_d_loss', float('nan')):.5f} "
            f"torch {row.get('torch_first_d_loss', float('nan')):.5f}")


def markdown(meta, rows) -> str:
    lines = [f"# DCGAN training step on {meta['gpu']}: minigan on CuPy vs PyTorch CUDA eager", "",
             *machine_lines(meta), "",
             "One D step + one G step of the default DCGAN 28x28 (width and latent size below), FP32, "
             "milliseconds per step (median of samples, CUDA events). `kernels`: minigan's own CUDA kernels; "
             "`cublas`: minigan with cuBLAS products; `torch`: PyTorch eager. x = minigan / PyTorch "
             "(target <= 2x). Loss check: the first D loss of each way against minigan on NumPy (1e-3).", "",
             "| batch | width | latent | kernels ms | cublas ms | torch ms | kernels / torch | cublas / torch | losses agree |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        ok = all(r.get(f"{w}_loss_ok", True) for w in ("kernels", "cublas", "torch"))
        lines.append(f"| {r['batch']} | {r['width']} | {r['latent_dim']} | {_ms(r, 'kernels')} | {_ms(r, 'cublas')} | "
                     f"{_ms(r, 'torch')} | {_ratio(r, 'kernels')} | {_ratio(r, 'cublas')} | {'yes' if ok else 'NO'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
