"""The Trainer: a loop around d_step and g_step, with history, fixed-noise samples, checkpoints,
resuming and a guard against divergence.

    trainer = Trainer(G, D, opt_g, opt_d, loader, config, out_dir="runs/x")
    trainer.fit()                     # config.steps steps (G updates)
    trainer.history                   # one dict per step
    trainer.sample_fixed()            # the fixed noise batch through G in eval mode

A checkpoint holds everything a run depends on: both models (BatchNorm statistics included), both
optimizers, minigan's random generator, the data loader's position, the step, the config, the
fixed noise and the frames of the training GIF. Resuming from it continues exactly where the run
stopped: on the CPU, a run of config.steps = T stopped at any step and resumed gives bit-identical
weights, optimizer state, random state and history to T uninterrupted steps. The learning-rate
schedule (lr_decay="linear") is a function of the step and of config.steps, the total asked for:
lr(t) = lr * (1 - t / config.steps). Raising config.steps on resume therefore changes the schedule
from the resume point on (the rates jump up to their value for the new total), and the run then
differs from one started with the larger total; with lr_decay="none" it does not.

A checkpoint is "good" only if every parameter, buffer and optimizer state is finite; the NaN
guard checks that before each save and at the end, besides the losses at every step.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

import minigan as mg
from minigan.backend import check_rng_state
from minigan.gan.losses import get_loss
from minigan.gan.objectives import objective_for
from minigan.gan.sampling import generate, sample
from minigan.gan.progress import Progress
from minigan.gan.settings import TrainConfig
from minigan.gan.steps import d_step, g_step

CHECKPOINT_FORMAT = "minigan-gan-checkpoint-1"
# The columns of the history (history.csv), in order: what train_step records each step.
HISTORY_COLUMNS = ("step", "epoch", "d_loss", "d_real", "d_fake", "d_grad_norm", "g_loss",
                   "g_grad_norm", "d_fake_after", "time")
# ... and a growing model's two more (gan/progressive.py): the stage and the fade-in's alpha.
GROWING_COLUMNS = ("stage", "alpha")
CHECKPOINT_KEYS = ("format", "step", "elapsed", "config", "G", "D", "opt_g", "opt_d", "rng",
                   "loader", "fixed_noise", "frames", "frame_steps", "history", "metrics")


def lr_factor(step: int, steps: int, decay: str) -> float:
    """The learning rate at `step` of `steps`, as a fraction of the initial one:

        none                 1
        linear               1 - step / steps                         (1 at the start, 0 at the end)
        linear-second-half   1 until steps / 2, then 1 - (step - steps/2) / (steps/2)   (CycleGAN's)
    """
    if decay == "none":
        return 1.0
    if decay == "linear":
        return 1 - step / max(steps, 1)
    if decay == "linear-second-half":
        half = steps / 2
        return 1.0 if step <= half else 1 - (step - half) / max(half, 1)
    raise ValueError(f"lr_decay must be 'none', 'linear' or 'linear-second-half', got {decay!r}")


class TrainingDiverged(RuntimeError):
    """A loss, a weight or an optimizer state became NaN or infinite; the message says at which
    step and where the last good checkpoint is."""


class Trainer:
    """Runs the GAN game: n_critic D steps, then one G step, per training step.

    G, D: the models; opt_g, opt_d: their optimizers; loader: a DataLoader of real batches
    ((images, labels) or points); config: a TrainConfig; out_dir: where checkpoints and samples go
    (None: keep everything in memory). conditional: G and D take class labels.
    """

    def __init__(self, G, D, opt_g, opt_d, loader, config: TrainConfig, out_dir=None,
                 conditional: bool = False, eval_fn=None):
        self.G, self.D, self.opt_g, self.opt_d, self.loader = G, D, opt_g, opt_d, loader
        self.config, self.conditional, self.eval_fn = config, conditional, eval_fn
        self.loss = get_loss(config.loss,
                             label_smoothing=config.label_smoothing or config.two_sided_smoothing,
                             two_sided=bool(config.two_sided_smoothing))
        if config.label_smoothing and config.two_sided_smoothing:
            raise ValueError("set label_smoothing (one-sided) or two_sided_smoothing, not both")
        # what G's step minimises: the loss's own, or a remedy's (feature matching, unrolled D)
        self.g_objective = objective_for(self.loss, config.feature_matching, config.unroll,
                                         config.unroll_lr)
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.step = 0
        self.elapsed = 0.0          # training seconds, carried over a resume
        self.history: list[dict] = []
        self.metrics: list[dict] = []
        self.frames: list[np.ndarray] = []  # uint8 snapshots of the fixed-noise samples
        self.frame_steps: list[int] = []    # the step of each frame
        self.fixed_noise, self.fixed_labels = self._fixed_batch()
        self._batches = None
        self.last_checkpoint_step = None

    def _fixed_batch(self):
        """What G is given at every snapshot: (fixed noise, labels 0, 1, 2 ... for a conditional G
        or None)."""
        cfg = self.config
        labels = mg.Tensor(np.arange(cfg.num_fixed) % cfg.num_classes) if self.conditional else None
        return mg.randn(cfg.num_fixed, cfg.latent_dim), labels

    # -- one step ----------------------------------------------------------------------------
    def _next_batch(self):
        """The next real batch (and its labels), starting a new epoch when one runs out."""
        for _ in range(2):
            if self._batches is None:
                self._batches = iter(self.loader)
            try:
                batch = next(self._batches)
            except StopIteration:
                self._batches = None
                continue
            return tuple(batch) if isinstance(batch, (tuple, list)) else (batch, None)
        raise RuntimeError("the data loader yields no batches (is the dataset smaller than one "
                           "batch?)")

    def _noise(self, n):
        return mg.randn(n, self.config.latent_dim)

    def _set_learning_rates(self) -> None:
        """Both learning rates times lr_factor(step) (lr_decay "linear" or "linear-second-half")."""
        cfg = self.config
        if cfg.lr_decay == "none":
            return
        factor = lr_factor(self.step, cfg.steps, cfg.lr_decay)
        for optimizer, lr in ((self.opt_g, cfg.lr_g), (self.opt_d, cfg.lr_d)):
            for group in optimizer.param_groups:
                group["lr"] = lr * factor

    def train_step(self) -> dict:
        """One training step (game_step), timed and checked; returns the history row."""
        started = time.perf_counter()
        self._set_learning_rates()
        stats = self.game_step()
        self.elapsed += time.perf_counter() - started
        row = {"step": self.step + 1, "epoch": self.loader.epoch, **stats,
               "time": round(self.elapsed, 4)}
        bad = [f"{key} = {value}" for key, value in stats.items() if not math.isfinite(value)]
        if bad:
            self._diverged(self.step + 1, ", ".join(bad) + " (not finite)")
        self.step += 1
        self.history.append(row)
        return row

    def game_step(self) -> dict:
        """n_critic D steps on fresh real batches, then one G step; returns their statistics."""
        cfg = self.config
        noise = cfg.instance_noise * (1 - self.step / max(cfg.steps, 1))  # annealed to 0
        for _ in range(cfg.n_critic):
            real, labels = self._next_batch()
            d_stats = d_step(self.G, self.D, self.opt_d, real, self._noise(real.shape[0]),
                             self.loss,
                             labels=labels if self.conditional else None, gp_weight=cfg.gp_weight,
                             clip_value=cfg.clip_value, instance_noise=noise, drift=cfg.drift)
        g_labels = mg.randint(0, cfg.num_classes, (cfg.batch_size,)) if self.conditional else None
        g_stats = g_step(self.G, self.D, self.opt_g, self._noise(cfg.batch_size), self.loss,
                         labels=g_labels, real=real, objective=self.g_objective,
                         instance_noise=noise)
        return {**d_stats, **g_stats}

    def _diverged(self, step: int, what: str):
        kept = (f"the last good checkpoint ({self.out_dir / 'checkpoint.npz'}, step "
                f"{self.last_checkpoint_step}) was kept" if self.last_checkpoint_step is not None
                and self.out_dir is not None else "no checkpoint had been saved")
        raise TrainingDiverged(f"training diverged at step {step}: {what}; {kept}. Try a smaller "
                               "learning rate.")

    def first_non_finite(self) -> str | None:
        """The first parameter, buffer or optimizer state holding NaN or inf, named; None if all
        are finite."""
        for model_name, model in (("G", self.G), ("D", self.D)):
            for key, value in model.state_dict().items():
                array = value.array
                xp = mg.get_array_module(array)
                if array.dtype.kind in "fc" and not bool(xp.isfinite(array).all()):
                    return f"{model_name}'s {key!r}"
        for opt_name, optimizer in (("opt_g", self.opt_g), ("opt_d", self.opt_d)):
            for index, entries in enumerate(optimizer.state.values() if optimizer else ()):
                for key, value in entries.items():
                    array = getattr(value, "array", value)  # a Tensor's array (the step is an int)
                    if hasattr(array, "dtype") and array.dtype.kind in "fc" and \
                            not bool(mg.get_array_module(array).isfinite(array).all()):
                        return f"{opt_name}'s state[{index}][{key!r}]"
        with np.errstate(all="ignore"):  # finite weights can still overflow (weights of 1e30)
            fixed = self.sample_fixed()
        if not np.isfinite(fixed).all():
            return "G's output for the fixed noise"
        was_training = self.D.training
        self.D.eval()
        try:
            with mg.no_grad(), np.errstate(all="ignore"):
                scores = self._scores_of_fixed(mg.tensor(fixed))
        finally:
            self.D.train(was_training)
        if not np.isfinite(scores.numpy()).all():
            return "D's output for G's fixed-noise samples"
        return None

    def _scores_of_fixed(self, fixed):
        """D's scores of G's samples of the fixed batch (for the NaN guard)."""
        return self.D(fixed) if self.fixed_labels is None else self.D(fixed, self.fixed_labels)

    def check_finite(self) -> None:
        """Raise TrainingDiverged unless every weight and optimizer state is finite."""
        bad = self.first_non_finite()
        if bad is not None:
            self._diverged(self.step, f"{bad} is not finite")

    # -- samples -----------------------------------------------------------------------------
    def sample(self, z, labels=None) -> np.ndarray:
        """G(z) with G in eval mode (BatchNorm uses its running statistics), as a NumPy array."""
        return generate(self.G, z, labels)

    def sample_fixed(self) -> np.ndarray:
        return self.sample(self.fixed_noise, self.fixed_labels)

    def sample_many(self, n: int, batch: int = 500) -> np.ndarray:
        """n fresh samples from the global generator (gan.sample: labels cycle for a conditional
        G)."""
        return sample(self.G, n, batch_size=batch)

    def snapshot_images(self) -> np.ndarray:
        """What a snapshot shows: the fixed-noise samples (a growing G's at 28x28 at every stage,
        gan.progressive)."""
        return self.sample_fixed()

    def _snapshot(self) -> None:
        """Keep the fixed-noise samples as a uint8 frame (images only) for the GIF."""
        fixed = self.snapshot_images()
        if fixed.ndim == 4:
            self.frames.append(((np.clip(fixed, -1, 1) + 1) * 127.5).round().astype(np.uint8))
            self.frame_steps.append(self.step)
            if self.out_dir is not None:
                from minigan.gan.plots import save_image_grid

                save_image_grid(fixed, self.out_dir / f"samples_step{self.step:06d}.png")

    # -- the loop ----------------------------------------------------------------------------
    def fit(self, steps: int | None = None, progress: bool = True) -> list[dict]:
        """Train until `steps` total steps (default: config.steps), sampling, evaluating and
        checkpointing on the way. Returns the history."""
        total = self.config.steps if steps is None else steps
        cfg = self.config
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            if self.last_checkpoint_step is None:
                self.save_checkpoint()  # so that there is always a last good checkpoint
        bar = Progress(total, start=self.step) if progress else None
        if self.step == 0 and not self.frames:
            self._snapshot()
        while self.step < total:
            row = self.train_step()
            if cfg.sample_every and self.step % cfg.sample_every == 0:
                self._snapshot()
            if self.eval_fn is not None and cfg.eval_every and self.step % cfg.eval_every == 0:
                self.metrics.append({"step": self.step, **self.eval_fn(self)})
            every = cfg.checkpoint_every
            if self.out_dir is not None and every and self.step % every == 0:
                self.save_checkpoint()
            if bar is not None:
                bar.update(self.step, d_loss=row["d_loss"], g_loss=row["g_loss"])
        if bar is not None:
            bar.close()
        if self.frame_steps and self.frame_steps[-1] != self.step:
            self._snapshot()  # the GIF ends with the final generator
        self.check_finite()
        if self.out_dir is not None and self.last_checkpoint_step != self.step:
            self.save_checkpoint()
        return self.history

    # -- checkpoints -------------------------------------------------------------------------
    def state_dict(self) -> dict:
        columns = {}
        for key in (self.history[0] if self.history else {}):
            columns[key] = np.array([row[key] for row in self.history])
        state = {
            "format": CHECKPOINT_FORMAT,
            "step": self.step,
            "elapsed": self.elapsed,
            "config": self.config.to_dict(),
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "rng": mg.get_rng_state(),
            "loader": self.loader.state_dict(),
            "fixed_noise": self.fixed_noise.numpy(),
            "frames": np.stack(self.frames) if self.frames else np.zeros((0,), np.uint8),
            "frame_steps": np.array(self.frame_steps, dtype=np.int64),
            "history": columns,
            "metrics": {"rows": [dict(m) for m in self.metrics]},
        }
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore a state_dict()/checkpoint, all or nothing: every part is checked first (see
        check_checkpoint, then the parts that depend on this trainer's models, config and data),
        and if any is refused -- a ValueError naming the key, what was expected and what was
        found -- everything is put back as it was before the call."""
        config = check_checkpoint(state)
        self._check_fits(state, config)
        saved = (self.G.state_dict(), self.D.state_dict(), self.opt_g.state_dict(),
                 self.opt_d.state_dict(), mg.get_rng_state(), self.loader.state_dict())
        saved = (*({k: v.numpy().copy() for k, v in sd.items()} for sd in saved[:2]), *saved[2:])
        attributes = {name: getattr(self, name) for name in (
            "_batches", "step", "elapsed", "fixed_noise", "frames", "frame_steps", "history",
            "metrics", "last_checkpoint_step")}
        try:
            self._load(state)
        except Exception:
            self.G.load_state_dict(saved[0])
            self.D.load_state_dict(saved[1])
            self.opt_g.load_state_dict(saved[2])
            self.opt_d.load_state_dict(saved[3])
            mg.set_rng_state(saved[4])
            self.loader.load_state_dict(saved[5])
            self.__dict__.update(attributes)
            raise

    def _check_fits(self, state: dict, config) -> None:
        """The checks that need this trainer: the checkpoint's arrays have the shapes its models,
        config and loader give, and its optimizers hold the state of every parameter."""
        def refuse(key: str, expected: str, got) -> ValueError:
            return ValueError(f"the checkpoint's {key} should be {expected}, got {got}")

        num_fixed, noise = self.config.num_fixed, state["fixed_noise"]
        # (num_fixed, latent_dim); an image-to-image model's fixed batch is its first inputs
        shape = tuple(self.fixed_noise.shape)
        what = "(num_fixed, latent_dim)" if len(shape) == 2 else "(the fixed held-out inputs)"
        if noise.dtype.kind != "f" or noise.shape != shape or not np.isfinite(noise).all():
            raise refuse("'fixed_noise'", f"finite floats of shape {shape} {what}",
                         f"a {noise.dtype} array of shape {noise.shape}")
        frames = state["frames"]
        if frames.ndim > 1 and frames.shape[1] != num_fixed:
            raise refuse("'frames'", f"snapshots of the {num_fixed} fixed-noise samples",
                         f"an array of shape {frames.shape}")
        batches = len(self.loader)
        if not 0 <= state["loader"]["batch"] <= batches:
            raise refuse("['loader']['batch']", f"an integer in [0, {batches}] (batches per "
                         "epoch)", repr(state["loader"]["batch"]))
        for name in ("opt_g", "opt_d"):  # (the models and optimizers check the rest as they load)
            optimizer, saved = getattr(self, name), state[name]
            count = sum(len(group["params"]) for group in optimizer.param_groups)
            missing = sorted(set(range(count)) - set(saved.get("state", {}))) \
                if isinstance(saved, dict) and isinstance(saved.get("state"), dict) else []
            if state["step"] > 0 and missing:  # a Trainer's own file is complete: nothing dropped
                raise refuse(f"{name!r}", f"the state of all {count} parameters after step "
                             f"{state['step']}", f"none for parameter(s) {missing[:10]}")

    def _load(self, state: dict) -> None:
        for name in ("G", "D"):
            try:
                getattr(self, name).load_state_dict(state[name])
            except RuntimeError as err:  # a missing or extra weight, a shape mismatch
                raise ValueError(f"the checkpoint's {name!r} does not fit the model: "
                                 + " ".join(str(err).split())) from None  # on one line
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        mg.set_rng_state(state["rng"])
        self.loader.load_state_dict(state["loader"])
        self._batches = None
        self.step = int(state["step"])
        self.elapsed = float(state["elapsed"])
        self.fixed_noise = mg.tensor(state["fixed_noise"])
        frames = state["frames"]
        self.frames = list(frames) if frames.ndim > 1 else []
        self.frame_steps = [int(s) for s in state["frame_steps"]]
        if len(self.frames) != len(self.frame_steps):
            raise ValueError(f"the checkpoint has {len(self.frames)} frames but "
                             f"{len(self.frame_steps)} frame steps")
        every = self.config.sample_every
        if self.frame_steps and self.frame_steps[-1] == self.step and self.step and \
                not (every and self.step % every == 0):
            del self.frames[-1], self.frame_steps[-1]  # the end-of-run frame: a resumed run goes on
        history = state["history"]
        length = len(next(iter(history.values()))) if history else 0
        self.history = [{k: v[i].item() for k, v in history.items()} for i in range(length)]
        self.metrics = list(state["metrics"]["rows"])
        self.last_checkpoint_step = self.step

    def save_checkpoint(self, path=None) -> Path:
        """Write the state to out_dir/checkpoint.npz (atomically: a crash keeps the previous one).

        Raises TrainingDiverged, and keeps the previous checkpoint, if a weight or an optimizer
        state is not finite."""
        path = Path(path) if path is not None else self.out_dir / "checkpoint.npz"
        self.check_finite()
        mg.save(self.state_dict(), path)
        self.last_checkpoint_step = self.step
        return path

    def load_checkpoint(self, path) -> None:
        self.load_state_dict(read_checkpoint(path))


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_checkpoint(state, source: str = "the checkpoint") -> TrainConfig:
    """The config of a GAN checkpoint's state dict, after checking every part that does not
    depend on the models (Trainer.load_state_dict checks those): the exact set of keys, the types
    and ranges of the step and the time, the config, the random state, the loader position, the
    history (every column, of one length, the step column 1..step), the frames and their steps,
    and the metrics. ValueError naming the key, what was expected and what was found."""
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        got = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"{source} is not a minigan GAN checkpoint (format {got!r}, expected "
                         f"{CHECKPOINT_FORMAT!r})")
    model = state["config"].get("model") if isinstance(state.get("config"), dict) else None
    keys = CHECKPOINT_KEYS + (("pools",) if model == "cyclegan" else ())  # its pools of fakes
    missing = sorted(set(keys) - set(state))
    extra = sorted(set(state) - set(keys))
    if missing or extra:
        raise ValueError(f"{source} should have exactly the keys {list(keys)}: "
                         + "; ".join(f"{what} {keys}" for what, keys in (("it lacks", missing),
                                     ("it has the unknown", extra)) if keys))

    def refuse(key: str, expected: str, value, shown: str | None = None) -> ValueError:
        if shown is None:
            shown = (f"a {value.dtype} array of shape {value.shape}"
                     if isinstance(value, np.ndarray) else repr(value)[:100])
        return ValueError(f"{source}'s {key} should be {expected}, got {shown}")

    step = state["step"]
    if not _is_int(step) or step < 0:
        raise refuse("'step'", "an integer >= 0", step)
    elapsed = state["elapsed"]
    if not isinstance(elapsed, (int, float, np.floating, np.integer)) or isinstance(elapsed, bool) \
            or not math.isfinite(elapsed) or elapsed < 0:
        raise refuse("'elapsed'", "a finite number of seconds >= 0", elapsed)
    config = TrainConfig.from_dict(state["config"], source=f"{source}'s config")
    for key in ("G", "D", "opt_g", "opt_d", "history", "metrics"):
        if not isinstance(state[key], dict):
            raise refuse(repr(key), "a dict", state[key])
    try:
        check_rng_state(state["rng"])
    except ValueError as err:
        raise ValueError(f"{source}'s 'rng': {err}") from None
    loader = state["loader"]
    if not (isinstance(loader, dict) and set(loader) == {"epoch", "epoch_seed", "batch"}
            and all(_is_int(v) and v >= -1 for v in loader.values())):
        raise refuse("'loader'", "a dict of the integers 'epoch', 'epoch_seed' and 'batch'", loader)
    _check_history(state["history"], step, refuse, history_columns(config))
    frames, frame_steps = state["frames"], state["frame_steps"]
    if not (isinstance(frames, np.ndarray) and frames.dtype == np.uint8
            and (frames.shape == (0,) or frames.ndim == 5)):
        raise refuse("'frames'", "a uint8 array of shape (frames, num_fixed, C, H, W) or (0,)",
                     frames)
    count = len(frames) if frames.ndim == 5 else 0
    if not (isinstance(frame_steps, np.ndarray) and frame_steps.dtype.kind in "iu"
            and frame_steps.shape == (count,) and (count == 0 or (
                frame_steps.min() >= 0 and frame_steps.max() <= step
                and (np.diff(frame_steps) > 0).all()))):
        raise refuse("'frame_steps'", f"{count} increasing integers in [0, {step}] (one per "
                     "frame)", frame_steps)
    if not isinstance(state["fixed_noise"], np.ndarray):
        raise refuse("'fixed_noise'", "an array", state["fixed_noise"])
    metrics = state["metrics"]
    rows = metrics.get("rows")
    def row_ok(r):
        return isinstance(r, dict) and _is_int(r.get("step")) and 1 <= r["step"] <= step

    if set(metrics) != {"rows"} or not isinstance(rows, list) or not all(map(row_ok, rows)):
        raise refuse("'metrics'",
                     f"{{'rows': [...]}}, each row a dict with a 'step' in [1, {step}]", metrics)
    return config


def history_columns(config: TrainConfig) -> tuple[str, ...]:
    """The columns of a run's history: HISTORY_COLUMNS, and GROWING_COLUMNS for a growing model;
    for an image-to-image model, those its step records (gan/translation.py)."""
    from minigan.gan.models import FAMILIES
    from minigan.gan.settings import MODEL_TASK

    if config.model in MODEL_TASK:
        from minigan.gan.translation import history_columns as translation_columns

        return translation_columns(config)
    family = FAMILIES.get(config.model)
    return HISTORY_COLUMNS + (GROWING_COLUMNS if family is not None and family.growing else ())


def _check_history(history: dict, step: int, refuse, columns=HISTORY_COLUMNS) -> None:
    """The history's columns: exactly `columns` (or none at step 0), 1-D numbers, one row per step
    done, the step column 1, 2, ..., step."""
    if step == 0 and not history:
        return
    if set(history) != set(columns):
        missing, unknown = ([c for c in columns if c not in history],
                            sorted(set(history) - set(columns)))
        raise refuse("'history'", f"the columns {list(columns)}", history, shown="; ".join(
            f"{what} {names}" for what, names in (("no", missing), ("also", unknown)) if names))
    for key, column in history.items():
        if not (isinstance(column, np.ndarray) and column.dtype.kind in "iuf"
                and column.shape == (step,)):
            raise refuse(f"history column {key!r}", f"{step} numbers (one per step done)", column)
    if not np.array_equal(history["step"], np.arange(1, step + 1)):
        raise refuse("history column 'step'", f"1, 2, ..., {step}", history["step"])


def read_checkpoint(path) -> dict:
    """mg.load(path), checked to be a GAN checkpoint (ValueError naming the file otherwise)."""
    state = mg.load(path)
    check_checkpoint(state, str(path))
    return state
