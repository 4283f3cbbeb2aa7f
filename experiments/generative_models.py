"""An autoencoder, a VAE and a GAN on the same data with the same decoder, compared (lesson 15).

    OPENBLAS_NUM_THREADS=1 python experiments/generative_models.py [--steps 2000] [--seeds 3] [--workers 3]
        writes benchmarks/results/generative_models.{json,md}

All three decode with the same network, the DCGAN generator of `default_config("dcgan", "sample")`
(width 32) with a 16-number latent code (`--latent-dim`), and train for the same number of steps of
batch 64 with Adam on the bundled Fashion-MNIST sample:

    GAN   the default DCGAN recipe with that latent size (non-saturating loss, lr 2e-4, betas (0.5, 0.999))
    AE    Autoencoder: encoder + that generator as decoder, squared error, Adam lr 1e-3
    VAE   VAE, the negative ELBO, Adam lr 1e-3, once per decoder pixel noise s in --pixel-sigma
          (small s: reconstructions count more against the KL term)

Each model's samples (2,000, drawn with gan.sample) are scored with the shipped evaluator (FD,
precision, recall) and for sharpness (the variance of the Laplacian, relative to real images).
The autoencoder has no prior: its "samples" decode z drawn from a Gaussian fitted to the codes of
the training images (and, to show why that is needed, z ~ N(0, I)). Reconstructions of 2,000
training images are scored too (AE and VAE). CPU seconds are the training's process time.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import minigan as mg  # noqa: E402
from common import write_results  # noqa: E402
from minigan import gan, optim  # noqa: E402
from minigan.datasets import DataLoader, load_dataset  # noqa: E402
from minigan.gan.autoencoder import VAE, Autoencoder  # noqa: E402
from minigan.gan.evaluator import load_evaluator  # noqa: E402
from minigan.gan.metrics import laplacian_sharpness  # noqa: E402
from minigan.gan.recipes import build, default_config  # noqa: E402
from minigan.gan.run_metrics import image_metrics, reference_for  # noqa: E402

SAMPLES, SAMPLE_SEED = 2000, 1000


def batches(loader, steps):
    """`steps` batches of images from the loader, epoch after epoch."""
    done = 0
    while True:
        for images, _ in loader:
            yield images
            done += 1
            if done == steps:
                return


def train_autoencoder(model, data, steps, seed, loss_of):
    """Adam (lr 1e-3) on loss_of(model, x) for `steps` batches of 64; returns CPU seconds."""
    loader = DataLoader(data, batch_size=64, shuffle=True, drop_last=True, seed=seed)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    started = time.process_time()
    for x in batches(loader, steps):
        loss = loss_of(model, x)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.process_time() - started


def encode_all(encode, images, batch=500):
    with mg.no_grad():
        return np.concatenate([encode(mg.tensor(images[i:i + batch])).numpy() for i in range(0, len(images), batch)])


def scored(evaluator, reference, images, real_sharpness):
    m = image_metrics(evaluator, reference, images)
    return {"fd": round(m["fd"], 2), "precision": round(m["precision"], 3), "recall": round(m["recall"], 3),
            "sharpness": round(float(laplacian_sharpness(images).mean() / real_sharpness), 3)}


def run_seed(seed, steps, pixel_sigmas, latent_dim, data, evaluator, reference, real_sharpness):
    rows = []
    real = data.images[:SAMPLES]

    # the GAN: the default DCGAN recipe
    config = default_config("dcgan", "sample", seed=seed, steps=steps, sample_every=0, checkpoint_every=0,
                            latent_dim=latent_dim)
    run = build(config, dataset=data)
    trainer = gan.Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config)
    started = time.process_time()
    trainer.fit(progress=False)
    cpu = time.process_time() - started
    samples = gan.sample(run.G, SAMPLES, seed=SAMPLE_SEED + seed)
    rows.append({"model": "GAN", "what": "samples", "seed": seed, "cpu_s": round(cpu), **scored(evaluator, reference, samples, real_sharpness)})

    # the autoencoder
    mg.manual_seed(seed)
    model = Autoencoder(latent_dim, config.width)
    cpu = train_autoencoder(model, data, steps, seed, lambda m, x: ((m(x) - x) ** 2).sum() / x.shape[0])
    model.eval()
    codes = encode_all(model.encoder, data.images)
    rng = np.random.default_rng(SAMPLE_SEED + seed)
    fitted = rng.multivariate_normal(codes.mean(0), np.cov(codes, rowvar=False), SAMPLES)
    for what, z in (("samples (Gaussian fitted to the codes)", fitted), ("samples (z ~ N(0, I))", rng.standard_normal((SAMPLES, latent_dim)))):
        images = gan.generate(model.decoder, mg.tensor(z.astype(np.float32)))
        rows.append({"model": "AE", "what": what, "seed": seed, "cpu_s": round(cpu), **scored(evaluator, reference, images, real_sharpness)})
    recon = gan.generate(model.decoder, mg.tensor(encode_all(model.encoder, real)))
    rows.append({"model": "AE", "what": "reconstructions", "seed": seed, "cpu_s": round(cpu),
                 "mse": round(float(((recon - real) ** 2).mean()), 4), **scored(evaluator, reference, recon, real_sharpness)})

    # the VAE, for each pixel noise
    for pixel_sigma in pixel_sigmas:
        mg.manual_seed(seed)
        vae = VAE(latent_dim, config.width, pixel_sigma=pixel_sigma)
        cpu = train_autoencoder(vae, data, steps, seed, lambda m, x: m.loss(x)[0])
        vae.eval()
        name = f"VAE (s = {pixel_sigma:g})"
        samples = gan.sample(vae.decoder, SAMPLES, seed=SAMPLE_SEED + seed)
        with mg.no_grad():
            parts = [vae.loss(mg.tensor(data.images[i:i + 500])) for i in range(0, 2000, 500)]
        elbo = {"neg_elbo": round(float(np.mean([p[0].item() for p in parts])), 1),
                "kl": round(float(np.mean([p[2].item() for p in parts])), 1)}
        rows.append({"model": name, "what": "samples", "seed": seed, "cpu_s": round(cpu), **elbo,
                     **scored(evaluator, reference, samples, real_sharpness)})
        recon = gan.generate(vae.decoder, mg.tensor(encode_all(lambda x: vae.encode(x)[0], real)))
        rows.append({"model": name, "what": "reconstructions", "seed": seed, "cpu_s": round(cpu),
                     "mse": round(float(((recon - real) ** 2).mean()), 4), **scored(evaluator, reference, recon, real_sharpness)})
    for row in rows:
        print(row, flush=True)
    return rows


def run_seed_in_worker(seed, args):
    """run_seed in its own process (--workers): loads the data and the evaluator itself."""
    data = load_dataset("sample")
    evaluator = load_evaluator("fashion-mnist")
    reference = reference_for(evaluator, "sample")
    real_sharpness = float(laplacian_sharpness(data.images).mean())
    return run_seed(seed, args.steps, args.pixel_sigma, args.latent_dim, data, evaluator, reference, real_sharpness)


def table(rows, steps, latent_dim, seeds) -> str:
    lines = [f"Each model trained {steps} steps of batch 64 on the bundled Fashion-MNIST sample (the 10,000 test "
             f"images), decoder = the DCGAN generator (width 32, latent {latent_dim}); VAE pixel noise s in [-1, 1] units; "
             f"seeds {seeds}. {SAMPLES} images per row scored with the shipped evaluator against the sample; "
             "sharpness = mean variance of the Laplacian relative to real images (1 = as sharp as the data). "
             "Mean over seeds (per-seed values in the JSON); CPU s = training process time per run.", "",
             "| model | images | FD | precision | recall | sharpness | CPU s |", "|---|---|---|---|---|---|---|"]
    keys = []
    for r in rows:
        if (r["model"], r["what"]) not in keys:
            keys.append((r["model"], r["what"]))
    for model, what in keys:
        mine = [r for r in rows if (r["model"], r["what"]) == (model, what)]
        mean = {k: np.mean([r[k] for r in mine]) for k in ("fd", "precision", "recall", "sharpness", "cpu_s")}
        fds = ", ".join(f"{r['fd']:.1f}" for r in mine)
        lines.append(f"| {model} | {what} | {mean['fd']:.1f} ({fds}) | {mean['precision']:.2f} | {mean['recall']:.2f} | "
                     f"{mean['sharpness']:.2f} | {mean['cpu_s']:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--pixel-sigma", type=float, nargs="+", default=[0.35, 1.0],
                        help="the VAE decoder's noise s in [-1, 1] pixel units (one VAE per value)")
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="run seeds first-seed .. seeds-1 only (to finish a run that stopped part way)")
    parser.add_argument("--workers", type=int, default=1, help="seeds run in parallel processes (same results)")
    args = parser.parse_args(argv)
    data = load_dataset("sample")
    evaluator = load_evaluator("fashion-mnist")
    reference = reference_for(evaluator, "sample")
    real_sharpness = float(laplacian_sharpness(data.images).mean())
    rows = []
    with ProcessPoolExecutor(args.workers) as pool:
        for seed_rows in pool.map(partial(run_seed_in_worker, args=args),
                                  range(args.first_seed, args.seeds)):
            rows += seed_rows
    real = scored(evaluator, reference, data.images[np.random.default_rng(0).permutation(len(data))[:SAMPLES]], real_sharpness)
    rows.append({"model": "real", "what": "2,000 images of the sample", "seed": 0, "cpu_s": 0, **real})
    command = (f"OPENBLAS_NUM_THREADS=1 python experiments/generative_models.py --steps {args.steps} --seeds {args.seeds} "
               f"--pixel-sigma {' '.join(f'{s:g}' for s in args.pixel_sigma)} --latent-dim {args.latent_dim}"
               + (f" --first-seed {args.first_seed}" if args.first_seed else ""))
    markdown = f"`{command}`\n\n" + table(rows, args.steps, args.latent_dim, list(range(args.first_seed, args.seeds)))
    markdown += f"\nReal images' mean Laplacian variance: {real_sharpness:.4f} (sharpness 1.00).\n"
    write_results("generative_models", {"command": command, "steps": args.steps, "seeds": args.seeds,
                                        "pixel_sigmas": args.pixel_sigma, "latent_dim": args.latent_dim,
                                        "real_sharpness": real_sharpness, "runs": rows}, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
