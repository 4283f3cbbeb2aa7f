"""The command line:  python -m minigan train | sample | evaluate | bench

    python -m minigan train                                # DCGAN on the bundled Fashion-MNIST sample
    python -m minigan train --model mlp --dataset ring     # 2-D mixture of 8 Gaussians
    python -m minigan sample --checkpoint runs/dcgan-sample/checkpoint.npz --n 64 --out grid.png
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

from minigan.datasets.toy import TOY_NAMES
from minigan.gan import losses


def _add_train_options(p: argparse.ArgumentParser) -> None:
    from minigan.gan.recipes import IMAGE_DATASETS, MODELS, TOY_DATASETS

    p.add_argument("--model", choices=MODELS, help="network family (default: dcgan; mlp for 2-D data)")
    p.add_argument("--dataset", choices=IMAGE_DATASETS + TOY_DATASETS,
                   help="training data (default: sample, the bundled Fashion-MNIST test split)")
    p.add_argument("--loss", choices=list(losses.LOSSES), help="GAN loss (default: bce, non-saturating)")
    p.add_argument("--steps", type=int, help="generator updates")
    p.add_argument("--epochs", type=float, help="passes over the data (instead of --steps)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, help="learning rate of both networks")
    p.add_argument("--n-critic", type=int, help="discriminator steps per generator step")
    p.add_argument("--width", type=int, help="feature maps (DCGAN) or hidden units (MLP)")
    p.add_argument("--latent-dim", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--backend", choices=("numpy", "cupy"))
    p.add_argument("--eval-every", type=int, help="compute metrics every K steps")
    p.add_argument("--out", type=Path, help="output folder (default: runs/<model>-<dataset>)")
    p.add_argument("--resume", type=Path, help="continue the run in this folder from its checkpoint")
    p.add_argument("--config", type=Path, help="a JSON file of TrainConfig values (flags override it)")
    p.add_argument("--data-root", type=Path, help="folder with the dataset files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_remedy_options(p)


# Mode-collapse remedies: flag -> TrainConfig key (README "Mode collapse and its remedies").
REMEDY_FLAGS = {"lr_g": "lr_g", "lr_d": "lr_d", "label_smoothing": "label_smoothing",
                "two_sided_smoothing": "two_sided_smoothing", "instance_noise": "instance_noise",
                "feature_matching": "feature_matching", "minibatch": "minibatch", "pack": "pack",
                "unroll": "unroll"}


def _add_remedy_options(p: argparse.ArgumentParser) -> None:
    from minigan.gan.models import MINIBATCH_LAYERS

    g = p.add_argument_group("mode-collapse remedies (each off by default)")
    g.add_argument("--lr-g", type=float, help="generator learning rate (with --lr-d: two time-scale rates, TTUR)")
    g.add_argument("--lr-d", type=float, help="discriminator learning rate")
    g.add_argument("--label-smoothing", type=float, help="one-sided label smoothing s: real label 1 - s")
    g.add_argument("--two-sided-smoothing", type=float, help="real label 1 - s and fake label s (for contrast)")
    g.add_argument("--instance-noise", type=float, help="std of Gaussian noise on D's inputs, annealed to 0")
    g.add_argument("--feature-matching", action="store_true", default=None,
                   help="G matches the mean of D's features on real data")
    g.add_argument("--minibatch", choices=MINIBATCH_LAYERS, help="a minibatch layer before D's output")
    g.add_argument("--pack", type=int, help="PacGAN: D judges this many samples at once")
    g.add_argument("--unroll", type=int, help="unrolled GAN: G looks this many D steps ahead")


def _fresh_folder(base: Path) -> Path:
    """base, or base-2, base-3 ... : never write into a folder that already holds a run."""
    candidate, n = base, 1
    while candidate.exists() and any(candidate.iterdir()):
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def _config_from_args(args):
    from minigan.gan.recipes import default_config
    from minigan.gan.training import TrainConfig

    values = {}
    if args.resume is not None:
        config_file = args.resume / "config.json"
        if not config_file.exists():
            raise SystemExit(f"--resume {args.resume}: no config.json there (is it a minigan run folder?)")
        values = json.loads(config_file.read_text())
    elif args.config is not None:
        values = json.loads(args.config.read_text())
    model = args.model or values.get("model") or ("mlp" if (args.dataset or values.get("dataset")) in TOY_NAMES else "dcgan")
    dataset = args.dataset or values.get("dataset") or "sample"
    loss = args.loss or values.get("loss") or "bce"
    base = default_config(model, dataset, loss).to_dict() if args.resume is None else {}
    base.update(values)
    flags = {"steps": args.steps, "batch_size": args.batch_size, "n_critic": args.n_critic,
             "width": args.width, "latent_dim": args.latent_dim, "seed": args.seed,
             "backend": args.backend, "eval_every": args.eval_every}
    base.update({k: v for k, v in flags.items() if v is not None})
    base.update(model=model, dataset=dataset, loss=loss)
    if args.lr is not None:
        base.update(lr_g=args.lr, lr_d=args.lr)
    base.update({key: getattr(args, flag) for flag, key in REMEDY_FLAGS.items() if getattr(args, flag) is not None})
    return TrainConfig.from_dict(base)


def _write_history(history, path: Path) -> None:
    if not history:
        return
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(history[0]))
        writer.writeheader()
        writer.writerows(history)


def _write_outputs(trainer, run, out: Path) -> list[str]:
    """Everything a run leaves behind besides the checkpoint; returns the file names."""
    from minigan.gan import plots
    from minigan.gan.metrics import mode_metrics

    written = ["config.json", "history.csv", "checkpoint.npz", "samples.npy"]
    _write_history(trainer.history, out / "history.csv")
    samples = trainer.sample_many(trainer.config.n_samples)
    np.save(out / "samples.npy", samples)
    try:
        plots.plot_losses(trainer.history, out / "losses.png")
        plots.plot_d_outputs(trainer.history, out / "d_outputs.png")
        written += ["losses.png", "d_outputs.png"]
        if samples.ndim == 4:
            plots.save_image_grid(trainer.sample_fixed(), out / "samples.png")
            frames = [f.astype(np.float32) / 127.5 - 1 for f in trainer.frames]
            plots.save_gif(frames, out / "training.gif")
            written += ["samples.png", "training.gif", "samples_step*.png"]
        else:
            mixture = run.dataset.mixture

            def critic(points):
                from minigan import no_grad, tensor

                with no_grad():
                    return trainer.D(tensor(points)).numpy().ravel()

            plots.plot_2d(run.dataset.points[:2500], samples, out / "samples.png", critic=critic,
                          centers=mixture.centers)
            written.append("samples.png")
    except RuntimeError as err:  # matplotlib or Pillow missing: the numbers are still written
        print(f"note: {err}; skipping the plots", file=sys.stderr)
    if samples.ndim == 2:
        metrics = mode_metrics(samples, run.dataset.mixture.centers, run.dataset.mixture.std)
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        written.append("metrics.json")
        print(f"modes covered: {metrics['modes_covered']}/{metrics['num_modes']}, "
              f"high-quality samples: {100 * metrics['high_quality']:.1f}%")
    return written


def cmd_train(args) -> int:
    from minigan.gan.recipes import build
    from minigan.gan.training import Trainer, TrainingDiverged

    config = _config_from_args(args)
    run = build(config, root=args.data_root)
    if args.epochs is not None:
        config.steps = max(1, int(args.epochs * len(run.loader) / config.n_critic))
    if args.resume is not None:
        out = args.resume
    else:
        out = _fresh_folder(args.out or Path("runs") / f"{config.model}-{config.dataset}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    eval_fn = None
    if config.eval_every:
        from minigan.gan.run_metrics import EvaluatorNotFoundError, training_eval_fn

        try:
            eval_fn = training_eval_fn(config, run)
        except EvaluatorNotFoundError as err:
            print(f"error: --eval-every needs the evaluator: {err}", file=sys.stderr)
            return 1
    trainer = Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config, out_dir=out,
                      conditional=run.conditional, eval_fn=eval_fn)
    if args.resume is not None:
        trainer.load_checkpoint(out / "checkpoint.npz")
        print(f"resuming {out} at step {trainer.step} of {config.steps}")
    print(f"training {config.model} on {config.dataset} with the {config.loss} loss for {config.steps} "
          f"steps (batch {config.batch_size}, backend {config.backend}); outputs in {out}/")
    started = time.perf_counter()
    try:
        trainer.fit(progress=not args.quiet)
    except TrainingDiverged as err:
        _write_history(trainer.history, out / "history.csv")
        print(f"error: {err}", file=sys.stderr)
        return 1
    written = _write_outputs(trainer, run, out)
    if trainer.metrics:
        (out / "metrics_history.json").write_text(json.dumps(trainer.metrics, indent=2) + "\n")
        written.append("metrics_history.json")
        try:  # metrics over steps (FD for images, mode coverage for 2-D data)
            from minigan.gan.plots import plot_metrics

            plot_metrics(trainer.metrics, out / "metrics.png")
            written.append("metrics.png")
        except RuntimeError as err:
            print(f"note: {err}; skipping metrics.png", file=sys.stderr)
    print(f"done in {time.perf_counter() - started:.0f} s. Wrote to {out}/: {', '.join(written)}")
    return 0


def cmd_sample(args) -> int:
    from minigan.gan import plots, sample
    from minigan.gan.recipes import build_models
    from minigan.gan.training import TrainConfig
    import minigan as mg

    state = mg.load(args.checkpoint)
    config = TrainConfig.from_dict(state["config"])
    mg.manual_seed(args.seed)
    shape = (2,) if config.dataset in TOY_NAMES else (1, config.image_size, config.image_size)
    G, _, _ = build_models(config, shape)
    G.load_state_dict(state["G"])
    samples = sample(G, args.n)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix == ".npy":
        np.save(args.out, samples)
    elif args.out.suffix == ".png":
        if samples.ndim == 4:
            plots.save_image_grid(samples, args.out)
        else:
            plots.plot_2d(samples, samples, args.out)
    else:
        raise SystemExit(f"--out must end in .npy or .png, got {args.out}")
    print(f"wrote {len(samples)} samples of shape {samples.shape[1:]} to {args.out}")
    return 0


def cmd_bench(args) -> int:
    """Time a few training steps of a model on this machine (minigan only)."""
    from minigan.gan.recipes import build, default_config
    from minigan.gan.training import Trainer

    config = default_config(args.model, args.dataset, backend=args.backend, steps=args.steps + 2)
    run = build(config)
    trainer = Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config, conditional=run.conditional)
    trainer.train_step()
    trainer.train_step()  # warm-up
    started = time.perf_counter()
    for _ in range(args.steps):
        trainer.train_step()
    per_step = (time.perf_counter() - started) / args.steps
    print(f"{config.model} on {config.dataset}, batch {config.batch_size}, backend {config.backend}: "
          f"{1000 * per_step:.1f} ms per training step (D step + G step)")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minigan", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a GAN")
    _add_train_options(train)
    train.set_defaults(run=cmd_train)

    sample = commands.add_parser("sample", help="draw samples from a trained generator")
    sample.add_argument("--checkpoint", type=Path, required=True)
    sample.add_argument("--n", type=int, default=64)
    sample.add_argument("--out", type=Path, required=True, help="a .npy or .png file")
    sample.add_argument("--seed", type=int, default=0)
    sample.set_defaults(run=cmd_sample)

    bench = commands.add_parser("bench", help="time training steps on this machine")
    bench.add_argument("--model", default="dcgan")
    bench.add_argument("--dataset", default="sample")
    bench.add_argument("--backend", default="numpy", choices=("numpy", "cupy"))
    bench.add_argument("--steps", type=int, default=5)
    bench.set_defaults(run=cmd_bench)

    try:
        from minigan.gan.run_metrics import add_commands
    except ImportError:  # the metrics module is optional until it exists
        pass
    else:
        add_commands(commands)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, OSError) as err:  # bad input or missing files: a message, not a traceback
        print(f"error: {err}", file=sys.stderr)
        return 2
