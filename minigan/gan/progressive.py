"""Training a GAN that grows (Karras et al. 2018): the schedule of stages and fade-ins, growing the
networks and their optimizers, and real images at the resolution of the stage.

    stage, alpha = schedule(step, grow_every, fade_steps)

    step    0 ....... g ........ g + f ....... 2g ........ 2g + f ........ steps
    stage   0 (7x7)   1 (14x14)                2 (28x28)
    alpha   1         0 -> 1     1             0 -> 1      1

(g = grow_every, f = fade_steps; grow_every = 0 trains the full network from the first step.)

At a new stage the new block's parameters join each optimizer as a new parameter group
(optimizer.add_param_group): they start with fresh optimizer state, while the old blocks keep
theirs. Real images reach D as G's images do: average-pooled to the stage's resolution and, during
a fade-in, blended with the previous resolution's (upsampled) by the same alpha. Everything is a
function of the step, so a run stopped anywhere -- in the middle of a fade-in too -- and resumed
from its checkpoint continues bit for bit (tests/test_progressive.py).

The models: minigan/gan/models/progan.py.
"""

from __future__ import annotations

import numpy as np

import minigan as mg
from minigan import functional as F
from minigan.gan.models.progan import RESOLUTIONS, check_stage, fade_in
from minigan.gan.training import Trainer, check_checkpoint

LAST_STAGE = len(RESOLUTIONS) - 1


def schedule(step: int, grow_every: int, fade_steps: int) -> tuple[int, float]:
    """(stage, alpha) at `step`: stage s starts at step s * grow_every; alpha rises linearly from
    0 at its first step to 1 after fade_steps steps (stage 0 has nothing to fade in: alpha 1)."""
    if grow_every == 0:
        return LAST_STAGE, 1.0
    stage = min(step // grow_every, LAST_STAGE)
    into = step - stage * grow_every
    alpha = 1.0 if stage == 0 or into >= fade_steps else into / fade_steps
    return stage, alpha


def real_at(images, stage: int, alpha: float):
    """Real images (N, C, 28, 28) as D sees them at `stage`: average-pooled to its resolution,
    and during a fade-in (alpha < 1) lerp(upsample(pool(x)), x, alpha), which is what G's
    fade-in gives."""
    x = images
    for _ in range(LAST_STAGE - stage):
        x = F.avg_pool2d(x, 2)
    if stage > 0 and alpha < 1:
        x = fade_in(F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest"), x, alpha)
    return x


def to_full_resolution(images: np.ndarray) -> np.ndarray:
    """(N, C, R, R) images -> (N, C, 28, 28), every pixel repeated (nearest neighbour)."""
    factor = RESOLUTIONS[-1] // images.shape[-1]
    return images.repeat(factor, axis=2).repeat(factor, axis=3) if factor > 1 else images


class ProgressiveTrainer(Trainer):
    """The Trainer for growing models (--model progan): before each step it follows the schedule
    (growing G, D and their optimizers, setting alpha), and D's real batch is taken to the stage's
    resolution. Snapshots and sample_many are 28x28 whatever the stage (pixels repeated), so the
    snapshots make one GIF.

    config.grow_every and config.fade_steps set the schedule. The history gets two columns,
    `stage` and `alpha`.
    """

    @property
    def stage(self) -> int:
        return int(self.G.stage.item())

    def train_step(self) -> dict:
        stage, alpha = schedule(self.step, self.config.grow_every, self.config.fade_steps)
        self._set_stage(stage)
        self.G.alpha.fill_(alpha)
        self.D.alpha.fill_(alpha)
        row = super().train_step()
        row.update(stage=stage, alpha=alpha)
        return row

    def _set_stage(self, stage: int) -> None:
        """Grow G and D (or, when restoring an earlier checkpoint, go back) to `stage`; each
        stage's parameters are one group of each optimizer."""
        while self.stage < stage:
            for model, optimizer in ((self.G, self.opt_g), (self.D, self.opt_d)):
                optimizer.add_param_group({"params": model.grow()})
        while self.stage > stage:
            for model, optimizer in ((self.G, self.opt_g), (self.D, self.opt_d)):
                for p in optimizer.param_groups.pop()["params"]:
                    optimizer.state.pop(p, None)
                model.stage.fill_(self.stage - 1)
                model.alpha.fill_(1.0)

    def _next_batch(self):
        real, labels = super()._next_batch()
        with mg.no_grad():
            return real_at(real, self.stage, float(self.G.alpha.item())), labels

    def snapshot_images(self) -> np.ndarray:
        return to_full_resolution(self.sample_fixed())

    def sample_many(self, n: int, batch: int = 500) -> np.ndarray:
        return to_full_resolution(super().sample_many(n, batch))

    def load_state_dict(self, state: dict) -> None:
        """Grow (or go back) to the checkpoint's stage first, so that the models and optimizers
        have its parameters and groups; all or nothing, as Trainer.load_state_dict."""
        check_checkpoint(state)
        stage = checkpoint_stage(state)
        before = (self.stage, float(self.G.alpha.item()), float(self.D.alpha.item()))
        self._set_stage(stage)
        try:
            super().load_state_dict(state)
        except Exception:
            self._set_stage(before[0])
            self.G.alpha.fill_(before[1])
            self.D.alpha.fill_(before[2])
            raise


def checkpoint_stage(state: dict) -> int:
    """The stage a progan checkpoint's G was at; ValueError if its state has none."""
    try:
        stage = np.asarray(state["G"]["stage"].numpy() if hasattr(state["G"]["stage"], "numpy")
                           else state["G"]["stage"])
        return check_stage(int(stage))
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"the checkpoint's generator has no valid growing stage ({err}): is it "
                         "a progan checkpoint?") from None
