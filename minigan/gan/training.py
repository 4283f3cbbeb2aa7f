"""The Trainer: a loop around d_step and g_step, with history, fixed-noise samples, checkpoints,
resuming and a guard against divergence.

    trainer = Trainer(G, D, opt_g, opt_d, loader, config, out_dir="runs/x")
    trainer.fit()                     # config.steps steps (G updates)
    trainer.history                   # one dict per step
    trainer.sample_fixed()            # the fixed noise batch through G in eval mode

A checkpoint holds everything a run depends on: both models (BatchNorm statistics included), both
optimizers, minigan's random generator, the data loader's position, the step, the config, the
fixed noise and the frames of the training GIF. Resuming from it continues exactly where the run
stopped: on the CPU, N steps + save + load + N steps gives bit-identical weights to 2N steps.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

import minigan as mg
from minigan.gan.losses import get_loss
from minigan.gan.progress import Progress
from minigan.gan.steps import d_step, g_step

CHECKPOINT_FORMAT = "minigan-gan-checkpoint-1"


@dataclass
class TrainConfig:
    """Every choice a run makes. Defaults per model/dataset pair live in minigan.gan.recipes."""

    model: str = "dcgan"
    dataset: str = "sample"
    loss: str = "bce"
    steps: int = 1000               # generator updates
    batch_size: int = 64
    latent_dim: int = 100
    width: int = 32                 # feature maps of the DCGAN layers / units of the MLP layers
    optimizer: str = "adam"         # adam | rmsprop
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple = (0.5, 0.999)
    lr_decay: str = "none"          # none | linear (to 0 at the last step)
    n_critic: int = 1               # D steps per G step
    gp_weight: float = 10.0         # WGAN-GP
    clip_value: float = 0.01        # WGAN weight clipping
    label_smoothing: float = 0.0    # one-sided, BCE losses only
    # -- mode-collapse remedies, each off by default (README "Mode collapse and its remedies") ----
    two_sided_smoothing: float = 0.0  # label smoothing on both sides (real 1 - s, fake s), for contrast
    instance_noise: float = 0.0     # std of N(0, s^2) noise on D's inputs, annealed linearly to 0
    feature_matching: bool = False  # G's loss: match D's mean features on real data (D.features)
    minibatch: str = "none"         # none | discrimination | stddev: a minibatch layer before D's output
    pack: int = 1                   # PacGAN: D judges `pack` samples at once (batch_size divisible by it)
    unroll: int = 0                 # unrolled GAN: G's loss through D after `unroll` SGD steps of D
    unroll_lr: float = 0.5          # the learning rate of those unrolled SGD steps
    seed: int = 0
    backend: str = "numpy"
    num_fixed: int = 64             # fixed-noise samples drawn for the grids and the GIF
    sample_every: int = 100
    checkpoint_every: int = 500
    eval_every: int = 0             # 0: no metrics during training
    n_samples: int = 2500           # samples.npy at the end
    image_size: int = 28
    num_classes: int = 10
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown config keys {unknown}; known keys are {sorted(known)}")
        values = dict(values)
        if "betas" in values:
            values["betas"] = tuple(float(b) for b in values["betas"])
        return cls(**values)


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the message says at which step and where the last good
    checkpoint is."""


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
        self.loss = get_loss(config.loss, label_smoothing=config.label_smoothing or config.two_sided_smoothing,
                             two_sided=bool(config.two_sided_smoothing))
        if config.label_smoothing and config.two_sided_smoothing:
            raise ValueError("set label_smoothing (one-sided) or two_sided_smoothing, not both")
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.step = 0
        self.elapsed = 0.0          # training seconds, carried over a resume
        self.history: list[dict] = []
        self.metrics: list[dict] = []
        self.frames: list[np.ndarray] = []  # uint8 snapshots of the fixed-noise samples
        self.frame_steps: list[int] = []    # the step of each frame
        self.fixed_noise = mg.randn(config.num_fixed, config.latent_dim)
        self.fixed_labels = (mg.Tensor(np.arange(config.num_fixed) % config.num_classes)
                             if conditional else None)
        self._batches = None
        self.last_checkpoint_step = None

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
            return batch if isinstance(batch, tuple) else (batch, None)
        raise RuntimeError("the data loader yields no batches (is the dataset smaller than one batch?)")

    def _noise(self, n):
        return mg.randn(n, self.config.latent_dim)

    def _set_learning_rates(self) -> None:
        """With lr_decay="linear", both learning rates fall linearly from their initial value to 0."""
        cfg = self.config
        if cfg.lr_decay == "none":
            return
        if cfg.lr_decay != "linear":
            raise ValueError(f"lr_decay must be 'none' or 'linear', got {cfg.lr_decay!r}")
        factor = 1 - self.step / max(cfg.steps, 1)
        for optimizer, lr in ((self.opt_g, cfg.lr_g), (self.opt_d, cfg.lr_d)):
            for group in optimizer.param_groups:
                group["lr"] = lr * factor

    def train_step(self) -> dict:
        """n_critic D steps on fresh real batches, then one G step; returns the history row."""
        cfg = self.config
        started = time.perf_counter()
        self._set_learning_rates()
        noise = cfg.instance_noise * (1 - self.step / max(cfg.steps, 1))  # annealed to 0
        for _ in range(cfg.n_critic):
            real, labels = self._next_batch()
            d_stats = d_step(self.G, self.D, self.opt_d, real, self._noise(real.shape[0]), self.loss,
                             labels=labels if self.conditional else None, gp_weight=cfg.gp_weight,
                             clip_value=cfg.clip_value, instance_noise=noise)
        g_labels = mg.randint(0, cfg.num_classes, (cfg.batch_size,)) if self.conditional else None
        g_stats = g_step(self.G, self.D, self.opt_g, self._noise(cfg.batch_size), self.loss, labels=g_labels,
                         real=real, feature_matching=cfg.feature_matching, instance_noise=noise,
                         unroll=cfg.unroll, unroll_lr=cfg.unroll_lr)
        self.elapsed += time.perf_counter() - started
        row = {"step": self.step + 1, "epoch": self.loader.epoch, **d_stats, **g_stats,
               "time": round(self.elapsed, 4)}
        if not (math.isfinite(row["d_loss"]) and math.isfinite(row["g_loss"])):
            where = (f"the last good checkpoint ({self.out_dir / 'checkpoint.npz'}, step "
                     f"{self.last_checkpoint_step}) was kept" if self.last_checkpoint_step is not None
                     else "no checkpoint had been saved")
            raise TrainingDiverged(
                f"training diverged at step {self.step + 1}: d_loss = {row['d_loss']}, "
                f"g_loss = {row['g_loss']} (not finite); {where}. Try a smaller learning rate."
            )
        self.step += 1
        self.history.append(row)
        return row

    # -- samples -----------------------------------------------------------------------------
    def sample(self, z, labels=None) -> np.ndarray:
        """G(z) with G in eval mode (BatchNorm uses its running statistics), as a NumPy array."""
        was_training = self.G.training
        self.G.eval()
        try:
            with mg.no_grad():
                out = self.G(z) if labels is None else self.G(z, labels)
        finally:
            self.G.train(was_training)
        return out.numpy()

    def sample_fixed(self) -> np.ndarray:
        return self.sample(self.fixed_noise, self.fixed_labels)

    def sample_many(self, n: int, batch: int = 500) -> np.ndarray:
        """n fresh samples (labels cycling through the classes for a conditional G)."""
        parts = []
        for start in range(0, n, batch):
            size = min(batch, n - start)
            labels = (mg.Tensor(np.arange(start, start + size) % self.config.num_classes)
                      if self.conditional else None)
            parts.append(self.sample(self._noise(size), labels))
        return np.concatenate(parts)

    def _snapshot(self) -> None:
        """Keep the fixed-noise samples as a uint8 frame (images only) for the GIF."""
        fixed = self.sample_fixed()
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
            if self.out_dir is not None and cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0:
                self.save_checkpoint()
            if bar is not None:
                bar.update(self.step, d_loss=row["d_loss"], g_loss=row["g_loss"])
        if bar is not None:
            bar.close()
        if self.frame_steps and self.frame_steps[-1] != self.step:
            self._snapshot()  # the GIF ends with the final generator
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
        """Restore a state_dict()/checkpoint; validates the models' state dicts before changing
        anything."""
        if state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"not a minigan GAN checkpoint (format {state.get('format')!r}, "
                             f"expected {CHECKPOINT_FORMAT!r})")
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
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
        history = state["history"]
        length = len(next(iter(history.values()))) if history else 0
        self.history = [{k: v[i].item() for k, v in history.items()} for i in range(length)]
        self.metrics = list(state["metrics"]["rows"])
        self.last_checkpoint_step = self.step

    def save_checkpoint(self, path=None) -> Path:
        """Write the state to out_dir/checkpoint.npz (atomically: a crash keeps the previous one)."""
        path = Path(path) if path is not None else self.out_dir / "checkpoint.npz"
        mg.save(self.state_dict(), path)
        self.last_checkpoint_step = self.step
        return path

    def load_checkpoint(self, path) -> None:
        self.load_state_dict(mg.load(path))
