"""The command line:  python -m minigan train | sample | evaluate | train-evaluator | bench

    python -m minigan train                              # DCGAN on the bundled Fashion-MNIST sample
    python -m minigan train --model mlp --dataset ring   # 2-D mixture of 8 Gaussians
    python -m minigan sample --checkpoint runs/dcgan-sample/checkpoint.npz --n 64 --out grid.png
    python -m minigan evaluate --run runs/dcgan-sample   # writes runs/dcgan-sample/metrics.json
    python -m minigan evaluate --samples x.npy --dataset sample   # any (N, 1, 28, 28) array
    python -m minigan train-evaluator --dataset fashion-mnist     # the classifier of the metrics
    python -m minigan bench                              # time a training step on this machine

Every command is here; the work is done by the library (gan.recipes, gan.Trainer, gan.run_metrics).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

from minigan.files import read_json, write_json
from minigan.paths import path_argument


def _add_train_options(p: argparse.ArgumentParser) -> None:
    from minigan.gan import settings

    settings.add_flags(p)  # one flag per setting, each checked by its row of the table
    p.add_argument("--out", type=path_argument, help="output folder (default: "
                   "runs/<model>-<dataset>; a folder that holds anything gets -2, -3 ...)")
    p.add_argument("--resume", type=path_argument, help="continue the run in this folder from its "
                   "checkpoint (--steps N: the new total; see the README for when this is "
                   "bit-identical)")
    p.add_argument("--config", type=path_argument, help="a JSON file of TrainConfig values (flags "
                   "override it)")
    p.add_argument("--data-root", type=path_argument, help="folder with the dataset files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _read_config_file(path: Path) -> dict:
    """A --config file's settings, checked (types, ranges, unknown keys) before any work."""
    from minigan.gan.settings import check_settings

    return check_settings(read_json(path, f"--config {path}"), source=f"--config {path}")


def _check_conflicts(args) -> None:
    """Flags that contradict each other are refused, naming both (nothing is silently ignored)."""
    pairs = [("--steps", args.steps, "--epochs", args.epochs),
             ("--lr", args.lr, "--lr-g", args.lr_g), ("--lr", args.lr, "--lr-d", args.lr_d)]
    for flag, value, other, other_value in pairs:
        if value is not None and other_value is not None:
            raise ValueError(f"give {flag} or {other}, not both (got {flag} {value} and {other} "
                             f"{other_value})")
    if args.resume is not None and args.out is not None and \
            Path(args.out).resolve() != Path(args.resume).resolve():
        raise ValueError(f"--resume {args.resume} continues the run in its own folder; --out "
                         f"{args.out} names another one (leave --out out, or start a new run)")


def _requested(args) -> dict:
    """The settings of the command line, then of --config under them (flags win)."""
    from minigan.gan.settings import given_flags

    values = _read_config_file(args.config) if args.config is not None else {}
    flags = given_flags(args)
    lr = flags.pop("lr", None)
    flags.pop("epochs", None)
    if lr is not None:
        flags.update(lr_g=lr, lr_d=lr)
    values.update(flags)
    return values


def _config_from_args(args):
    """The TrainConfig of a new run: the recipe's defaults, the --config file, the flags."""
    from minigan.gan.recipes import default_config

    values = _requested(args)
    dataset = values.pop("dataset", "sample")
    model = values.pop("model", "mlp" if dataset in ("ring", "grid") else "dcgan")
    loss = values.pop("loss", None)  # None: the model's own (bce; lsgan: cyclegan; wgan-gp: progan)
    return default_config(model, dataset, loss, source="the settings", **values)


def _resume_from_args(args):
    """(config, checkpoint state) of --resume DIR: the checkpoint's settings with the new ones on
    top, checked against it. Nothing is written here."""
    from minigan.gan.settings import check_resume
    from minigan.gan.training import TrainConfig, read_checkpoint

    checkpoint = args.resume / "checkpoint.npz"  # (cmd_train has seen that it is there)
    state = read_checkpoint(checkpoint)  # every part checked: nothing below trusts a bad value
    old = TrainConfig.from_dict(state["config"], source=f"{checkpoint}'s config")
    config = TrainConfig.from_dict({**old.to_dict(), **_requested(args)}, source="the settings")
    check_resume(old, config)
    if config.steps < state["step"]:
        raise ValueError(f"--steps {config.steps} is fewer than the {state['step']} steps the run "
                         f"in {args.resume} has already done")
    return config, state


def _steps_from_epochs(args, config, batches_per_epoch: int, done: int) -> int:
    """--epochs E as a number of steps (G updates): E passes of the loader, n_critic batches per
    step; checked like --steps (the table's range, and on --resume at least the steps done)."""
    from minigan.gan.settings import BY_NAME

    steps = max(1, int(args.epochs * batches_per_epoch / config.n_critic))
    where = (f"--epochs {args.epochs:g} is {steps:,} steps ({batches_per_epoch:,} batches per "
             f"epoch, {config.n_critic} per step)")
    try:
        BY_NAME["steps"].check(steps)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None
    if steps < done:
        raise ValueError(f"{where}, fewer than the {done} steps the run in {args.resume} has "
                         "already done")
    return steps


def _schedule_note(old_total: int, done: int, config) -> str | None:
    """What happens to a decaying learning rate when --resume changes the total number of steps."""
    from minigan.gan.training import lr_factor

    if config.lr_decay == "none" or config.steps == old_total:
        return None
    before, after = (lr_factor(done, total, config.lr_decay) for total in (old_total, config.steps))
    return (f"note: lr_decay is {config.lr_decay}, so the learning rates follow the new total: "
            f"at step {done} they go from {before:.3g} to {after:.3g} times their "
            f"initial value and reach 0 at step {config.steps}. This run is not the one a "
            f"{config.steps}-step run from the start would give (that needs --steps "
            f"{config.steps} from the beginning).")


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
    if not np.isfinite(samples).all():
        from minigan.gan.training import TrainingDiverged

        raise TrainingDiverged(f"the generator's samples after step {trainer.step} are not finite "
                               f"(the checkpoint of step {trainer.last_checkpoint_step} is kept). "
                               "Try a smaller learning rate.")
    np.save(out / "samples.npy", samples)
    try:
        plots.plot_losses(trainer.history, out / "losses.png")
        plots.plot_d_outputs(trainer.history, out / "d_outputs.png")
        written += ["losses.png", "d_outputs.png"]
        if getattr(trainer, "held_out", None) is not None:  # image-to-image: input|output|target
            k = len(trainer.fixed_noise)
            plots.save_translation_grid(trainer.held_out.inputs[:k], trainer.sample_fixed(),
                                        trainer.held_out.targets[:k], out / "samples.png")
        elif samples.ndim == 4:
            plots.save_image_grid(trainer.sample_fixed(), out / "samples.png")
        if samples.ndim == 4:
            frames = [f.astype(np.float32) / 127.5 - 1 for f in trainer.frames]
            plots.save_gif(frames, out / "training.gif")
            written += ["samples.png", "training.gif", "samples_step*.png"]
        else:
            mixture = run.dataset.mixture

            def critic(points):
                from minigan import no_grad, tensor

                with no_grad():
                    return trainer.D(tensor(points)).numpy().ravel()

            # With a minibatch layer or packing, D scores a point together with the rest of its
            # batch: there is no landscape of single points to draw.
            per_point = trainer.config.minibatch == "none" and trainer.config.pack == 1
            plots.plot_2d(run.dataset.points[:2500], samples, out / "samples.png",
                          critic=critic if per_point else None, centers=mixture.centers)
            written.append("samples.png")
    except RuntimeError as err:  # matplotlib or Pillow missing: the numbers are still written
        print(f"note: {err}; skipping the plots", file=sys.stderr)
    if samples.ndim == 2:
        metrics = mode_metrics(samples, run.dataset.mixture.centers, run.dataset.mixture.std)
        write_json(out / "metrics.json", metrics)
        written.append("metrics.json")
        print(f"modes covered: {metrics['modes_covered']}/{metrics['num_modes']}, "
              f"high-quality samples: {100 * metrics['high_quality']:.1f}%")
    return written


def cmd_train(args) -> int:
    """Check everything, then claim (or lock) the run folder, then write: a refused run leaves
    every file as it was. The folder stays locked until the run ends (see gan/run_folder.py)."""
    from minigan.gan.run_folder import claim_new_folder, lock_run_folder
    from minigan.paths import check_folder_contents

    _check_conflicts(args)
    if args.resume is None:
        trainer, run, state = _prepare_training(args)
        out, lock = claim_new_folder(args.out or Path("runs") / f"{trainer.config.model}-"
                                                                f"{trainer.config.dataset}")
    else:
        if not (args.resume / "checkpoint.npz").is_file():
            raise ValueError(f"--resume {args.resume}: no checkpoint.npz there (is it a minigan "
                             "run folder?)")
        out, lock = args.resume, lock_run_folder(args.resume)  # before the checkpoint is read
        try:
            check_folder_contents(args.resume, "--resume")
            trainer, run, state = _prepare_training(args)
        except BaseException:
            lock.close()
            raise
    with lock:  # released when the run ends (and by the kernel if this process dies)
        trainer.out_dir = out
        return _train_in(args, trainer, run, out, state)


def _prepare_training(args):
    """(trainer, run, checkpoint state or None): every setting, file and checkpoint checked and
    loaded; nothing written yet."""
    from dataclasses import replace

    from minigan.gan.recipes import build, make_trainer
    from minigan.paths import check_folder_path

    state = None
    if args.resume is not None:
        config, state = _resume_from_args(args)
    else:
        config = _config_from_args(args)
        check_folder_path(args.out or Path("runs") / f"{config.model}-{config.dataset}", "--out")
    run = build(config, root=args.data_root)
    if args.epochs is not None:
        config = replace(config, steps=_steps_from_epochs(args, config, len(run.loader),
                                                          state["step"] if state else 0))
    eval_fn = None
    if config.eval_every:
        from minigan.gan.evaluator import EvaluatorNotFoundError
        from minigan.gan.run_metrics import training_eval_fn

        try:
            eval_fn = training_eval_fn(config, run)
        except EvaluatorNotFoundError as err:
            raise ValueError(f"--eval-every needs the evaluator: {err}") from None
    trainer = make_trainer(run, config, eval_fn=eval_fn)
    if state is not None:
        trainer.load_state_dict(state)  # all or nothing; still nothing written
    return trainer, run, state


def _train_in(args, trainer, run, out: Path, state) -> int:
    """Train in the claimed or locked folder `out` and write every output there."""
    from minigan.gan.training import TrainingDiverged

    config = trainer.config
    if state is not None:
        note = _schedule_note(state["config"]["steps"], trainer.step, config)
        print(f"resuming {out} at step {trainer.step} of {config.steps}")
        if note:
            print(note)
    write_json(out / "config.json", config.to_dict())
    print(f"training {config.model} on {config.dataset} with the {config.loss} loss for "
          f"{config.steps} "
          f"steps (batch {config.batch_size}, backend {config.backend}); outputs in {out}/")
    started = time.perf_counter()
    try:
        trainer.fit(progress=not args.quiet)
        written = _write_outputs(trainer, run, out)
    except TrainingDiverged as err:  # a failure during the work: exit status 1
        _write_history(trainer.history, out / "history.csv")
        print(f"error: {err}", file=sys.stderr)
        return 1
    if trainer.metrics:
        write_json(out / "metrics_history.json", trainer.metrics)
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
    import minigan as mg
    from minigan.files import write_atomically  # a crash keeps the old file
    from minigan.gan import plots, sample
    from minigan.gan.models.stylegan import StyleGenerator
    from minigan.gan.recipes import check_memory_for_samples, load_generator
    from minigan.gan.settings import MODEL_TASK
    from minigan.paths import check_output_file

    wanted = ".gif" if args.walk else ".png" if args.mix else None
    allowed = (wanted,) if wanted else (".npy", ".png")
    if args.out.suffix not in allowed:
        what = "--walk writes a .gif" if args.walk else "--mix writes a .png" if args.mix else \
            "samples are written to a .npy or .png"
        raise ValueError(f"--out: {what}, got {args.out}")
    if args.walk and args.mix:
        raise ValueError("give --walk or --mix, not both")
    if args.truncation is not None and (args.walk or args.mix):
        raise ValueError("--truncation applies to samples, not to --mix or --walk")
    if args.space is not None and not args.walk:
        raise ValueError(f"--space {args.space} applies to --walk only")
    args.space = args.space or "z"
    if args.n is None:
        args.n = 6 if args.mix else 16 if args.walk else 64
    most = MIX_SOURCES if args.mix else WALKS if args.walk else None
    if most is not None and args.n > most:
        raise ValueError(f"--n: {'--mix' if args.mix else '--walk'} takes at most {most} "
                         f"{'sources of each kind' if args.mix else 'walks'}, got {args.n}")
    check_output_file(args.out, "--out")
    G, config = load_generator(args.checkpoint)
    check_memory_for_samples(args.n, config, "--n")
    styled = isinstance(G, StyleGenerator)
    for flag, given in (("--truncation", args.truncation is not None), ("--mix", args.mix),
                        ("--walk", args.walk and config.model in MODEL_TASK),
                        ("--space w", args.space == "w")):
        if given and not styled:
            raise ValueError(f"{flag} needs a style-based generator (model stylegan), got "
                             f"model {config.model!r}")
    if config.model in MODEL_TASK:
        return _sample_translations(G, config, args)
    if args.truncation is not None:
        G.truncation_psi = args.truncation
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.mix or args.walk:
        return _style_pictures(G, args)
    mg.manual_seed(args.seed)
    samples = sample(G, args.n)
    if args.out.suffix == ".npy":
        write_atomically(args.out, lambda file: np.save(file, samples))
    elif samples.ndim == 4:
        plots.save_image_grid(samples, args.out)
    else:
        plots.plot_2d(samples, samples, args.out)
    print(f"wrote {len(samples)} samples of shape {samples.shape[1:]} to {args.out}")
    return 0


def _sample_translations(G, config, args) -> int:
    """sample for an image-to-image checkpoint: G's translations of --n held-out inputs, picked at
    random by --seed; a .png shows input | output | target, a .npy holds the outputs."""
    from minigan.datasets.translation import load_task
    from minigan.files import write_atomically
    from minigan.gan import plots
    from minigan.gan.settings import MODEL_TASK
    from minigan.gan.translation import complete, translate

    held_out = load_task(MODEL_TASK[config.model], "held-out", config.dataset)
    if args.n > len(held_out):
        raise ValueError(f"--n must be at most the {len(held_out)} held-out inputs of the "
                         f"{held_out.task!r} task, got {args.n}")
    picked = np.sort(np.random.default_rng(args.seed).permutation(len(held_out))[:args.n])
    inputs = held_out.inputs[picked]
    outputs = complete(config.model, inputs, translate(G, inputs))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix == ".npy":
        write_atomically(args.out, lambda file: np.save(file, outputs))
    else:
        plots.save_translation_grid(inputs, outputs, held_out.targets[picked], args.out)
    what = "input | output | target" if args.out.suffix == ".png" else "the outputs"
    print(f"wrote the translations of {len(outputs)} held-out {held_out.task} inputs ({what}) "
          f"to {args.out}")
    return 0


MIX_SOURCES = 8  # sample --mix: at most an 8x8 grid of mixes (plus the sources)
WALKS = 64  # sample --walk: at most 64 images walking side by side in each frame


def _style_pictures(G, args) -> int:
    """sample --mix (a style-mixing grid) or --walk (a latent-walk GIF)."""
    from minigan.gan import plots, steering

    rng = np.random.default_rng(args.seed)
    if args.mix:
        n = args.n
        z_a, z_b = (rng.standard_normal((n, G.latent_dim)).astype(np.float32) for _ in "ab")
        grid = steering.mixing_grid(G, z_a, z_b, args.mix, noise_seed=args.seed)
        plots.save_image_grid(grid, args.out, nrow=n + 1)
        print(f"wrote a {n + 1}x{n + 1} style-mixing grid to {args.out}: the top row holds the A "
              f"sources, the left column the B sources, and every other image is an A with the "
              f"{args.mix} styles of a B")
        return 0
    space = steering.LatentSpace(G, args.space, noise_seed=args.seed)
    frames = steering.latent_walk(space, n=args.n, seed=args.seed)
    plots.save_gif(frames, args.out, duration_ms=80)
    print(f"wrote a latent walk of {args.n} images through 4 random points of {args.space} "
          f"({len(frames)} frames) to {args.out}")
    return 0


def cmd_bench(args) -> int:
    """Time a few training steps of a model on this machine (minigan only)."""
    from minigan.gan.recipes import build, default_config, make_trainer

    config = default_config(args.model, args.dataset, backend=args.backend, steps=args.steps + 2)
    run = build(config)
    trainer = make_trainer(run, config)
    trainer.train_step()
    trainer.train_step()  # warm-up
    started = time.perf_counter()
    for _ in range(args.steps):
        trainer.train_step()
    per_step = (time.perf_counter() - started) / args.steps
    print(f"{config.model} on {config.dataset}, batch {config.batch_size}, backend "
          f"{config.backend}: "
          f"{1000 * per_step:.1f} ms per training step (D step + G step)")
    return 0


# ----------------------------------------------------------------------------- evaluate,
# train-evaluator


def _read_run_config(run_dir: Path) -> dict:
    """The checked config.json of a finished run folder (SystemExit naming the folder if there is
    none; ValueError if a run is still training there)."""
    from minigan.gan.run_folder import is_locked
    from minigan.gan.settings import check_settings

    config_file = run_dir / "config.json"
    if not config_file.is_file():
        raise SystemExit(f"--run {run_dir}: no config.json there (is it a minigan run folder?)")
    holder = is_locked(run_dir)
    if holder is not None:
        raise ValueError(f"--run {run_dir} is still training (process {holder}); evaluate it "
                         "when that run has finished")
    return check_settings(read_json(config_file, str(config_file)), source=str(config_file))


def _run_samples(run_dir: Path, n: int | None, seed: int) -> tuple[np.ndarray, dict, str]:
    """(samples, config dict, where they came from) of a run folder: its samples.npy, or else n
    samples drawn from its checkpoint."""
    from minigan.gan import run_metrics
    from minigan.gan.recipes import check_memory_for_samples, load_generator
    from minigan.gan.sampling import sample

    config = _read_run_config(run_dir)
    samples_file, checkpoint = run_dir / "samples.npy", run_dir / "checkpoint.npz"
    if samples_file.is_file() and n is None:
        return run_metrics.load_samples(samples_file), config, str(samples_file)
    if not checkpoint.is_file():
        raise SystemExit(f"--run {run_dir}: neither samples.npy nor checkpoint.npz there")
    G, cfg = load_generator(checkpoint)
    count = n if n is not None else cfg.n_samples
    check_memory_for_samples(count, cfg, "--n")
    return sample(G, count, seed=seed), config, f"{count} samples of {checkpoint} (seed {seed})"


def _summary(metrics: dict) -> str:
    if "modes_covered" in metrics:
        return (f"modes covered: {metrics['modes_covered']}/{metrics['num_modes']}, high-quality "
                f"samples: {100 * metrics['high_quality']:.1f}%, KL to uniform: "
                f"{metrics['kl_to_uniform']:.3f}")
    return (f"FD {metrics['fd']:.3f}, classifier score {metrics['classifier_score']:.2f}, "
            f"precision {metrics['precision']:.3f}, recall {metrics['recall']:.3f}, classes "
            f"below half their share: {metrics['classes_below_half']}")


def _evaluate_translations(args, config: dict) -> int:
    """evaluate --run DIR of an image-to-image run: translation_metrics on the held-out split
    (its samples.npy, or --n translations by its checkpoint)."""
    from minigan.datasets.translation import load_task
    from minigan.gan import run_metrics
    from minigan.gan.evaluator import EvaluatorNotFoundError, load_evaluator
    from minigan.gan.recipes import load_generator
    from minigan.gan.settings import MODEL_TASK
    from minigan.gan.translation import translate_held_out
    from minigan.paths import check_output_file

    out = args.out or args.run_dir / "metrics.json"
    check_output_file(out, "the metrics file")
    samples_file, checkpoint = args.run_dir / "samples.npy", args.run_dir / "checkpoint.npz"
    if samples_file.is_file() and args.n is None:
        outputs, source = run_metrics.load_samples(samples_file), str(samples_file)
        held_out = load_task(MODEL_TASK[config["model"]], "held-out", config["dataset"],
                             args.data_root)
    elif checkpoint.is_file():
        G, cfg = load_generator(checkpoint)
        held_out, outputs = translate_held_out(G, cfg, args.n, args.data_root)
        source = f"the translations of {len(outputs)} held-out inputs by {checkpoint}"
    else:
        raise SystemExit(f"--run {args.run_dir}: neither samples.npy nor checkpoint.npz there")
    try:
        evaluator = load_evaluator(config["dataset"], root=args.data_root)
        metrics = run_metrics.translation_metrics(evaluator, outputs, held_out, config["model"])
    except EvaluatorNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"error: {source}: {err}", file=sys.stderr)
        return 2
    metrics = {"model": config["model"], "task": held_out.task, "dataset": config["dataset"],
               "samples": source, **metrics}
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, metrics)
    print(f"FD {metrics['fd']:.3f}, accuracy {metrics['accuracy']:.3f}, PSNR {metrics['psnr']:.2f} "
          f"dB, sharpness {metrics['sharpness']:.3f} (on {metrics['num_samples']} held-out "
          f"{held_out.task} inputs)\nwrote {out}")
    return 0


def cmd_evaluate(args) -> int:
    from minigan.gan import run_metrics
    from minigan.gan.evaluator import EvaluatorNotFoundError
    from minigan.gan.settings import MODEL_TASK
    from minigan.paths import check_output_file

    if (args.run_dir is None) == (args.samples is None):
        raise SystemExit("evaluate: give either --run DIR or --samples FILE (with --dataset)")
    if args.out is not None:
        check_output_file(args.out, "--out")  # before any work: a pipe or a folder is refused
        if args.out.name == "config.json" and (args.out.parent / "checkpoint.npz").exists():
            raise ValueError(f"--out {args.out} would overwrite the config.json of the run in "
                             f"{args.out.parent}; write the metrics elsewhere")
    if args.run_dir is not None and _read_run_config(args.run_dir).get("model") in MODEL_TASK:
        return _evaluate_translations(args, _read_run_config(args.run_dir))
    if args.run_dir is not None:
        samples, config, source = _run_samples(args.run_dir, args.n, args.seed)
        if args.dataset is None and "dataset" not in config:
            raise ValueError(f"{args.run_dir / 'config.json'} does not say which dataset the run "
                             "used; give it with --dataset")
        dataset = args.dataset or config["dataset"]
        out = args.out or args.run_dir / "metrics.json"
    else:
        if args.dataset is None:
            raise SystemExit("evaluate --samples: say which data they imitate with --dataset")
        if args.samples.suffix != ".npy":
            raise SystemExit(f"--samples must be a .npy file, got {args.samples}")
        samples, source = run_metrics.load_samples(args.samples), str(args.samples)
        dataset = args.dataset
        out = args.out or args.samples.with_name(args.samples.stem + "_metrics.json")
    check_output_file(out, "the metrics file")
    try:
        metrics = run_metrics.evaluate_samples(samples, dataset, root=args.data_root)
    except EvaluatorNotFoundError as err:  # bad input (no evaluator weights): exit status 2
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"error: {source}: {err}", file=sys.stderr)
        return 2
    metrics = {"dataset": dataset, "samples": source, **metrics}
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, metrics)
    print(f"{_summary(metrics)}\nwrote {out}")
    return 0


def cmd_train_evaluator(args) -> int:
    import minigan as mg
    from minigan.gan.evaluator import default_weights_path, train_evaluator
    from minigan.paths import check_output_file

    out = args.out or default_weights_path(args.dataset)
    check_output_file(out, "--out")
    try:
        evaluator, state = train_evaluator(args.dataset, epochs=args.epochs,
                                           batch_size=args.batch_size,
                                           lr=args.lr, seed=args.seed, root=args.data_root)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    mg.save(state, out)
    print(f"test accuracy {100 * evaluator.test_accuracy:.2f}% on {state['test_size']} test "
          f"images; wrote {out}")
    return 0


def _add_evaluation_commands(commands) -> None:
    """The `evaluate` and `train-evaluator` commands (minigan/gan/run_metrics.py, evaluator.py)."""
    from minigan.gan.evaluator import EVALUATOR_DATASETS
    from minigan.gan.run_metrics import EVAL_SEED
    from minigan.gan.settings import BY_NAME, Setting

    evaluate = commands.add_parser(
        "evaluate", help="measure generated samples (FD, precision/recall, mode coverage)",
        description="Metrics of a run's samples.npy (or of samples drawn from its checkpoint), "
                    "written to metrics.json.")
    evaluate.add_argument("--run", dest="run_dir", metavar="DIR", type=path_argument,
                          help="a run folder (with config.json and samples.npy or checkpoint.npz)")
    evaluate.add_argument("--samples", metavar="FILE", type=path_argument,
                          help="a .npy of samples instead of a run")
    evaluate.add_argument("--dataset", type=BY_NAME["dataset"].argparse_type,
                          help="the data the samples imitate (default: the run's)")
    evaluate.add_argument("--n", type=BY_NAME["n_samples"].argparse_type,
                          help="draw this many fresh samples from the checkpoint instead of "
                               "reading samples.npy")
    evaluate.add_argument("--seed", type=BY_NAME["seed"].argparse_type, default=EVAL_SEED,
                          help="noise seed with --n")
    evaluate.add_argument("--out", type=path_argument,
                          help="where metrics.json goes (default: in the run)")
    evaluate.add_argument("--data-root", type=path_argument, help="folder with the dataset files")
    evaluate.set_defaults(run=cmd_evaluate)  # args.run is the handler; --run is args.run_dir

    trainer = commands.add_parser(
        "train-evaluator", help="train the classifier the image metrics use",
        description="Train the LeNet-style classifier (gan.evaluator.Classifier28) on the train "
                    "split, report its test accuracy, save it where `evaluate` finds it.")
    trainer.add_argument("--dataset", choices=EVALUATOR_DATASETS, default="fashion-mnist",
                         help="(default: fashion-mnist; mnist is downloaded first if needed)")
    for row in (Setting("epochs", int, 6, "passes over the train split", low=1, high=1000),
                Setting("batch_size", int, 128, "images per batch", low=1, high=60_000),
                Setting("lr", float, 1e-3, "Adam's initial learning rate, decayed linearly to 0",
                        low=0, low_open=True),
                Setting("seed", int, 0, "weights and batch order", low=0, high=2**63 - 1)):
        trainer.add_argument(row.flag, dest=row.name, type=row.argparse_type, default=row.default,
                             help=f"{row.help} ({row.expected()}; default: {row.default})")
    trainer.add_argument("--out", type=path_argument, help="default: data/evaluator/<dataset>.npz "
                                                           "in a source checkout, else the cache")
    trainer.add_argument("--data-root", type=path_argument, help="folder with the dataset files")
    trainer.set_defaults(run=cmd_train_evaluator)


# ----------------------------------------------------------------------------- the parser


def _psi(text: str) -> float:
    """argparse type of --truncation: a number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1], got {text!r}")
    return value


def main(argv=None) -> int:
    from minigan.gan.settings import BY_NAME, Setting

    parser = argparse.ArgumentParser(prog="python -m minigan", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a GAN")
    _add_train_options(train)
    train.set_defaults(run=cmd_train)

    sample = commands.add_parser("sample", help="draw samples from a trained generator")
    sample.add_argument("--checkpoint", type=path_argument, required=True)
    sample.add_argument("--n", type=BY_NAME["n_samples"].argparse_type, default=None,
                        help="how many samples (default: 64; with --mix 6 sources of each kind, "
                             "at most 8; with --walk 16 walks, at most 64)")
    sample.add_argument("--out", type=path_argument, required=True,
                        help="a .npy or .png file (with --mix a .png, with --walk a .gif)")
    sample.add_argument("--seed", type=BY_NAME["seed"].argparse_type, default=0)
    sample.add_argument("--truncation", type=_psi, metavar="PSI",
                        help="stylegan: the truncation trick, w' = w_avg + PSI (w - w_avg), PSI "
                             "in [0, 1] (1: none; smaller: closer to the average image)")
    sample.add_argument("--mix", choices=("coarse", "middle", "fine"),
                        help="stylegan: a style-mixing grid instead of samples: sources A with "
                             "the coarse (7x7), middle (14x14) or fine (28x28) styles of sources B")
    sample.add_argument("--walk", action="store_true",
                        help="a GIF of latent walks instead of samples (spherical in z, linear "
                             "in w)")
    sample.add_argument("--space", choices=("z", "w"),
                        help="where --walk walks (w: stylegan only; default z)")
    sample.set_defaults(run=cmd_sample)

    bench = commands.add_parser("bench", help="time training steps on this machine")
    steps = Setting("steps", int, 5, "timed steps", low=1, high=1000, config=False)
    for row, default in ((BY_NAME["model"], "dcgan"), (BY_NAME["dataset"], "sample"),
                         (BY_NAME["backend"], "numpy"), (steps, 5)):
        bench.add_argument(row.flag, type=row.argparse_type, default=default,
                           help=f"{row.expected()} (default: {default})")
    bench.set_defaults(run=cmd_bench)

    _add_evaluation_commands(commands)

    args = parser.parse_args(argv)  # a bad flag value: argparse's "error: ..." and exit 2
    try:
        return args.run(args)
    except (ValueError, OSError) as err:  # bad input or missing files: a message, not a traceback
        print(f"error: {err}", file=sys.stderr)
        return 2
    except SystemExit as stop:  # raise SystemExit("message"): bad input found by a command
        if isinstance(stop.code, str):
            print(f"error: {stop.code}", file=sys.stderr)
            return 2
        raise
    except KeyboardInterrupt:  # Ctrl-C: the last checkpoint is whole (saves are atomic)
        print("\ninterrupted; a run's last checkpoint is kept (continue it with --resume DIR)",
              file=sys.stderr)
        return 130
    except MemoryError as err:  # what check_memory could not foresee: a message, not a traceback
        print(f"error: out of memory{': ' + str(err) if str(err) else ''} (try smaller settings)",
              file=sys.stderr)
        return 1
