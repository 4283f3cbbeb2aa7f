"""One training step of the bigger models, minigan's and its PyTorch twin's (benchmarks/torch_twins.py,
the same weights copied in), for `benchmarks/run.py --cases cyclegan style`.

    case = cyclegan_steps(torch)      # CycleGAN as `python -m minigan train --model cyclegan` trains it
    case = style_steps(torch)         # the style-based GAN as `--model stylegan` trains it
    case.check()                      # one step of each on the same inputs and random draws: the
                                      # largest relative difference of what both record in their
                                      # history (losses, mean outputs, gradient norms; raises past 1e-3)
    case.steps["minigan"](), case.steps["torch"]()    # then time these

minigan's step is its training code's (gan.translation.cyclegan_step; gan.d_step + gan.g_step with
WGAN-GP and drift), at the defaults of the command line and the lessons (17, 20): FAMILIES'
row of the model, on the sample dataset's 28x28 images.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

import minigan as mg
import torch_twins as twins
from minigan import gan
from minigan.gan.recipes import build, default_config
from minigan.gan.translation import ImagePool, cyclegan_step

LOSS_TOLERANCE = 1e-3   # float32, through up to 20 layers and (WGAN-GP) a second derivative


@dataclass
class ModelSteps:
    """steps: {"minigan": one step, "torch": the twin's}, each returning what it records in the
    history {name: float} (a twin computes what minigan's step records, so both do the same work);
    draws: where the twin's random numbers come from; twin: its {"G": ..., "D": ...}; info: the
    configuration, for the results."""

    steps: dict
    draws: twins.Draws
    twin: dict
    info: dict = field(default_factory=dict)

    def check(self, keys=None) -> float:
        """One step of each from the same weights, inputs and random draws: the largest relative
        difference of the numbers both record (losses, mean outputs, gradient norms; or only
        `keys`). Raises RuntimeError past LOSS_TOLERANCE. Both models have then taken that step.

        From the second step on, compare the losses only: Adam moves a parameter whose gradient
        is ~0 by about lr whichever sign float32's rounding gave it, so the style-based G's
        gradient norms differ by 0.4 % after one step and 2 % after two (its losses by 1e-5)."""
        with recorded_draws() as draws:
            mine = self.steps["minigan"]()
        self.draws.replay(draws)
        try:
            theirs = self.steps["torch"]()
            if self.draws.replayed:
                raise RuntimeError(f"the twin drew fewer random numbers than minigan ({len(self.draws.replayed)} left)")
        finally:
            self.draws.replayed = None
        if set(mine) != set(theirs):
            raise RuntimeError(f"{self.info['model']}: the PyTorch twin records {sorted(theirs)}, minigan's "
                               f"step {sorted(mine)}: a twin must do the work minigan's step does")
        error = max(abs(mine[k] - theirs[k]) / max(abs(theirs[k]), 1e-3) for k in (keys or mine))
        if error > LOSS_TOLERANCE:
            raise RuntimeError(f"{self.info['model']}: the PyTorch twin's history differs from minigan's "
                               f"(relative difference {error:.2e}): minigan {mine}, torch {theirs}")
        return error


@contextmanager
def recorded_draws():
    """Inside `with`: minigan's rand, randn and randint also append what they return to the yielded
    list, as (kind, NumPy array), for a twin to replay."""
    draws = []
    originals = {kind: getattr(mg, kind) for kind in ("rand", "randn", "randint")}

    def recording(kind):
        def draw(*args, **kwargs):
            out = originals[kind](*args, **kwargs)
            draws.append((kind, out.numpy().copy()))
            return out
        return draw

    try:
        for kind in originals:
            setattr(mg, kind, recording(kind))
        yield draws
    finally:
        for kind, function in originals.items():
            setattr(mg, kind, function)


def _images(config, count: int = 1) -> list:
    """`count` fixed batches of (batch_size, 1, 28, 28) float32 images in [-1, 1]."""
    rng = np.random.default_rng(0)
    shape = (config.batch_size, 1, config.image_size, config.image_size)
    return [rng.uniform(-1, 1, shape).astype(np.float32) for _ in range(count)]


def _adam(torch, module, lr: float, betas) -> object:
    return torch.optim.Adam(module.parameters(), lr=lr, betas=tuple(betas))


# ----------------------------------------------------------------------------- CycleGAN


def cyclegan_steps(torch) -> ModelSteps:
    """CycleGAN's step (lesson 17, `--model cyclegan`): G_AB and G_BA (ResNet generators) trained
    by one Adam on the cycle, identity and least-squares adversarial losses, then D_A and D_B by
    another on real images and the pool's past translations."""
    config = default_config("cyclegan", "sample")
    run = build(config)
    a, b = _images(config, 2)
    channels = a.shape[1]
    pools = (ImagePool(config.pool_size), ImagePool(config.pool_size))
    a_mg, b_mg = mg.tensor(a), mg.tensor(b)

    def minigan_step():
        return cyclegan_step(run.G.G_AB, run.G.G_BA, run.D.D_A, run.D.D_B, run.opt_g, run.opt_d, a_mg, b_mg,
                             *pools, config.cycle_weights, config.identity_weight, config.adv_weight)

    draws = twins.Draws()
    G = twins.cycle_generators(channels, config.width, config.blocks)
    D = twins.cycle_discriminators(channels, config.width)
    twins.copy_weights(run.G, G)
    twins.copy_weights(run.D, D)
    torch_step = torch_cyclegan_step(torch, G, D, config, torch.from_numpy(a), torch.from_numpy(b), draws)
    return ModelSteps({"minigan": minigan_step, "torch": torch_step}, draws, {"G": G, "D": D},
                      {"model": "cyclegan", "batch_size": config.batch_size, "width": config.width,
                       "resnet_blocks": config.blocks, "pool_size": config.pool_size, "loss": config.loss})


def torch_cyclegan_step(torch, G, D, config, a, b, draws):
    """cyclegan_step in PyTorch: G first (both D frozen), then both D on the pools' batches."""
    opt_g = _adam(torch, G, config.lr_g, config.betas)
    opt_d = _adam(torch, D, config.lr_d, config.betas)
    G_AB, G_BA, D_A, D_B = G["G_AB"], G["G_BA"], D["D_A"], D["D_B"]
    pools = (twins.ImagePool(config.pool_size, draws), twins.ImagePool(config.pool_size, draws))
    lambda_a, lambda_b = config.cycle_weights

    def l1(x, y):
        return (x - y).abs().mean()

    def step():
        fake_b, fake_a = G_AB(a), G_BA(b)
        D.requires_grad_(False)
        cycle_a, cycle_b = l1(G_BA(fake_b), a), l1(G_AB(fake_a), b)
        identity = l1(G_BA(a), a) + l1(G_AB(b), b)
        adversarial = ((D_B(fake_b) - 1) ** 2).mean() + ((D_A(fake_a) - 1) ** 2).mean()
        loss_g = (lambda_a * cycle_a + lambda_b * cycle_b + config.identity_weight * identity
                  + config.adv_weight * adversarial)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        D.requires_grad_(True)
        opt_d.zero_grad()
        total, real_means, fake_means = 0.0, [], []
        for D_X, real, fake, pool in ((D_A, a, fake_a, pools[0]), (D_B, b, fake_b, pools[1])):
            real_scores, fake_scores = D_X(real), D_X(pool.query(fake.detach()))
            loss_d = 0.5 * (((real_scores - 1) ** 2).mean() + (fake_scores ** 2).mean())
            loss_d.backward()
            total += loss_d.item()
            real_means.append(real_scores.mean().item())
            fake_means.append(fake_scores.mean().item())
        opt_d.step()
        return {"g_loss": loss_g.item(), "g_identity": identity.item(), "g_adv": adversarial.item(),
                "g_cycle_a": cycle_a.item(), "g_cycle_b": cycle_b.item(), "d_loss": total,
                "d_real": sum(real_means) / 2, "d_fake": sum(fake_means) / 2}

    return step


# ----------------------------------------------------------------------------- style-based GAN


def style_steps(torch) -> ModelSteps:
    """The style-based GAN's step (lesson 20, experiments/style_based_generator.py, `--model
    stylegan`): one WGAN-GP critic step with drift (Progressive GAN's D at 28x28), then one G step
    (mapping network, style mixing, noise, AdaIN), both with Adam(1e-3, betas (0, 0.99))."""
    config = default_config("stylegan", "sample")
    run = build(config)
    (real,) = _images(config)
    z = np.random.default_rng(1).standard_normal((config.batch_size, config.latent_dim)).astype(np.float32)
    loss = gan.get_loss(config.loss)
    real_mg, z_mg = mg.tensor(real), mg.tensor(z)

    def minigan_step():
        d_stats = gan.d_step(run.G, run.D, run.opt_d, real_mg, z_mg, loss, gp_weight=config.gp_weight,
                             drift=config.drift)
        return {**d_stats, **gan.g_step(run.G, run.D, run.opt_g, z_mg, loss)}

    draws = twins.Draws()
    channels = real.shape[1]
    G = twins.StyleGenerator(config.latent_dim, config.width, channels, config.mapping_layers,
                             config.style_mixing, draws)
    D = twins.ProDiscriminator28(config.width, channels)
    twins.copy_weights(run.G, G)
    twins.copy_weights(run.D, D)
    torch_step = torch_wgan_gp_step(torch, G, D, config, torch.from_numpy(real), torch.from_numpy(z), draws)
    return ModelSteps({"minigan": minigan_step, "torch": torch_step}, draws, {"G": G, "D": D},
                      {"model": "stylegan", "batch_size": config.batch_size, "width": config.width,
                       "latent_dim": config.latent_dim, "mapping_layers": config.mapping_layers,
                       "style_mixing": config.style_mixing, "loss": config.loss,
                       "gp_weight": config.gp_weight, "drift": config.drift})


def torch_wgan_gp_step(torch, G, D, config, real, z, draws):
    """gan.d_step + gan.g_step in PyTorch for WGAN-GP with drift: the critic on real images and
    G(z) made without a graph, plus gp_weight * the gradient penalty at random points between them
    and drift * E[D(x)^2]; then G through the frozen critic. Returns what gan.d_step and gan.g_step
    record: losses, mean scores and both gradient norms."""
    opt_g = _adam(torch, G, config.lr_g, config.betas)
    opt_d = _adam(torch, D, config.lr_d, config.betas)

    def gradient_penalty(fake):
        eps = draws.rand(real.shape[0], 1, 1, 1)
        mixed = (eps * real + (1 - eps) * fake).requires_grad_()
        (grad,) = torch.autograd.grad(D(mixed).sum(), mixed, create_graph=True)
        return ((grad.reshape(grad.shape[0], -1).pow(2).sum(dim=1).sqrt() - 1) ** 2).mean()

    def step():
        with torch.no_grad():
            fake = G(z)
        opt_d.zero_grad()
        real_scores, fake_scores = D(real), D(fake)
        loss_d = (fake_scores.mean() - real_scores.mean() + config.gp_weight * gradient_penalty(fake)
                  + config.drift * (real_scores * real_scores).mean())
        loss_d.backward()
        d_grad_norm = twins.grad_norm(D)
        opt_d.step()
        D.requires_grad_(False)
        opt_g.zero_grad()
        fake_scores_g = D(G(z))
        loss_g = -fake_scores_g.mean()
        loss_g.backward()
        g_grad_norm = twins.grad_norm(G)
        opt_g.step()
        D.requires_grad_(True)
        return {"d_loss": loss_d.item(), "d_real": real_scores.mean().item(), "d_fake": fake_scores.mean().item(),
                "d_grad_norm": d_grad_norm, "g_loss": loss_g.item(), "g_grad_norm": g_grad_norm,
                "d_fake_after": fake_scores_g.mean().item()}

    return step


MODEL_STEPS = {"cyclegan": cyclegan_steps, "style": style_steps}
