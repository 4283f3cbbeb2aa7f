"""Image-to-image training: one step per model, each in its paper's order, the pool of past fakes
and the TranslationTrainer.

    stats = pix2pix_step(G, D, opt_g, opt_d, x, y)                         # paired: x -> y
    stats = cyclegan_step(G_AB, G_BA, D_A, D_B, opt_g, opt_d, a, b, pool_a, pool_b)   # unpaired
    stats = srgan_step(G, D, opt_g, opt_d, low, high)                      # 7x7 -> 28x28
    stats = inpaint_step(G, D, opt_g, opt_d, masked, image)                # the centre filled in

Each step translates its batch once, trains D on the real targets and the detached translations,
then trains G through the frozen D. G's loss is a weighted sum: an adversarial term (adv_weight)
and a term that needs no adversary (the pixel loss, or CycleGAN's cycle loss). With adv_weight=0,
D is left alone and the step is the baseline without an adversary: the same network trained with
the pixel loss only (pix2pix -> a U-Net with L1, SRGAN -> SRResNet, the context encoder -> its
reconstruction-only version), or for CycleGAN cycle and identity losses alone.

Each returns the history row: the losses (d_loss, g_loss and G's terms), and, when D trains,
d_real and d_fake (D's mean output on real and translated images: a probability for the BCE
losses, the raw score for CycleGAN's least squares).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

import minigan as mg
from minigan import functional as F
from minigan.datasets.translation import centre_mask
from minigan.gan.losses import d_loss_bce, g_loss_nonsaturating
from minigan.gan.settings import MODEL_TASK
from minigan.gan.training import Trainer


@contextmanager
def frozen(*modules):
    """Inside `with`, the modules' parameters have requires_grad=False (G's step through a D
    that must not change, nor receive gradients); each is restored afterwards, even on an error."""
    saved = [(p, p.requires_grad) for m in modules for p in m.parameters()]
    for p, _ in saved:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in saved:
            p.requires_grad_(flag)


def _step(optimizer, loss) -> float:
    """zero_grad, backward, step; the loss as a float."""
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def _probability(logits) -> float:
    return mg.sigmoid(logits.detach()).mean().item()


# ----------------------------------------------------------------------------- pix2pix


def pix2pix_step(G, D, opt_g, opt_d, x, y, pixel_weight: float = 100.0,
                 adv_weight: float = 1.0) -> dict:
    """One pix2pix step (Isola et al. 2017, eq. 4):  G* = arg min_G max_D L_cGAN(G, D) + λ L_L1(G).

    D judges pairs: (x, y) real, (x, G(x)) fake, BCE over its patches; its loss is halved, as in
    the paper, which slows D down relative to G. G: adv_weight * -log D(x, G(x)) +
    pixel_weight * |y - G(x)|_1 (λ = 100 in the paper). No noise z: the paper found G learned to
    ignore it, and relies on dropout instead.
    """
    fake = G(x)
    row = {}
    if adv_weight:
        real_logits, fake_logits = D(x, y), D(x, fake.detach())
        row["d_loss"] = _step(opt_d, 0.5 * d_loss_bce(real_logits, fake_logits))
        row["d_real"], row["d_fake"] = _probability(real_logits), _probability(fake_logits)
    with frozen(D):
        l1 = (fake - y).abs().mean()
        loss_g = pixel_weight * l1
        if adv_weight:
            adversarial = g_loss_nonsaturating(D(x, fake))
            loss_g = loss_g + adv_weight * adversarial
            row["g_adv"] = adversarial.item()
        row["g_loss"] = _step(opt_g, loss_g)
    row["g_l1"] = l1.item()
    return row


# ----------------------------------------------------------------------------- CycleGAN


class ImagePool:
    """The history of generated images D is trained on (Shrivastava et al. 2017; CycleGAN sec. 4).

    query(images) returns a batch for D: while the pool holds fewer than `size` images, each new
    image is stored and returned as it is; once full, each new image is, with probability 1/2,
    swapped for a random stored one (which is returned instead), else returned itself. D then sees
    images from the last many steps of G, not only the newest, which damps the oscillation of the
    two players. size 0: no pool, query returns its input. Random draws from minigan's generator.
    """

    def __init__(self, size: int = 50):
        if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 0:
            raise ValueError(f"ImagePool: size must be a non-negative integer, got {size!r}")
        self.size = int(size)
        self.images: list = []   # raw arrays, one image (C, H, W) each

    def query(self, images):
        """images: (N, C, H, W) detached -> a Tensor of N images, some from the history."""
        if self.size == 0:
            return images
        out = []
        for image in images.array:
            if len(self.images) < self.size:
                self.images.append(image.copy())
                out.append(image)
            elif mg.rand(1).item() < 0.5:
                index = int(mg.randint(0, self.size, (1,)).item())
                out.append(self.images[index])
                self.images[index] = image.copy()
            else:
                out.append(image)
        xp = mg.get_array_module(images.array)
        return mg.Tensor(xp.stack(out))

    def state_dict(self) -> dict:
        """{"size", "images": (stored, C, H, W) NumPy array} (for checkpoints)."""
        stored = [mg.backend.to_backend(i, "numpy") for i in self.images]
        images = np.stack(stored) if stored else np.zeros((0,), np.float32)
        return {"size": self.size, "images": images}

    def load_state_dict(self, state: dict) -> None:
        if int(state["size"]) != self.size:
            raise ValueError(f"ImagePool.load_state_dict: the state is of a pool of size "
                             f"{state['size']}, this pool has size {self.size}")
        images = np.asarray(state["images"])
        if len(images) > self.size:
            raise ValueError(f"ImagePool.load_state_dict: {len(images)} images for a pool of size "
                             f"{self.size}")
        backend = mg.get_backend()
        stored = images if images.ndim == 4 else []
        self.images = [mg.backend.to_backend(i.copy(), backend) for i in stored]


def cyclegan_step(G_AB, G_BA, D_A, D_B, opt_g, opt_d, a, b, pool_a: ImagePool, pool_b: ImagePool,
                  cycle_weights=(10.0, 10.0), identity_weight: float = 5.0,
                  adv_weight: float = 1.0) -> dict:
    """One CycleGAN step (Zhu et al. 2017, eq. 3), with its least-squares GAN losses (sec. 4):

        L(G, F, D_X, D_Y) = L_GAN(G, D_Y, X, Y) + L_GAN(F, D_X, Y, X) + λ L_cyc(G, F)
        L_cyc = E|F(G(x)) - x|_1 + E|G(F(y)) - y|_1        (the cycle: there and back again)
        L_identity = E|F(x) - x|_1 + E|G(y) - y|_1          (weighted identity_weight)

    G = G_AB (A -> B), F = G_BA (B -> A), D_X = D_A, D_Y = D_B. cycle_weights = (λ_A, λ_B) weigh
    the two cycles a -> b -> a and b -> a -> b apart, as the paper's code does (both 10 there).
    G's adversarial terms are E[(D(G(x)) - 1)^2]; D's loss is 1/2 (E[(D(y) - 1)^2] + E[D(G(x))^2])
    on a batch drawn from the pool of past translations. G first (both D frozen), then both D, as
    in the paper's code. The unpaired data never says which b belongs to which a: only the cycle
    ties G(a) to a.
    """
    lambda_a, lambda_b = cycle_weights
    fake_b, fake_a = G_AB(a), G_BA(b)
    row = {}
    with frozen(D_A, D_B):
        cycle_a = (G_BA(fake_b) - a).abs().mean()      # a -> b -> a
        cycle_b = (G_AB(fake_a) - b).abs().mean()      # b -> a -> b
        loss_g = lambda_a * cycle_a + lambda_b * cycle_b
        if identity_weight:
            identity = (G_BA(a) - a).abs().mean() + (G_AB(b) - b).abs().mean()
            loss_g = loss_g + identity_weight * identity
            row["g_identity"] = identity.item()
        if adv_weight:
            adversarial = ((D_B(fake_b) - 1) ** 2).mean() + ((D_A(fake_a) - 1) ** 2).mean()
            loss_g = loss_g + adv_weight * adversarial
            row["g_adv"] = adversarial.item()
        row["g_loss"] = _step(opt_g, loss_g)
    row["g_cycle_a"], row["g_cycle_b"] = cycle_a.item(), cycle_b.item()
    if adv_weight:
        opt_d.zero_grad()
        total = 0.0
        scores = {}
        for D, real, fake, pool in ((D_A, a, fake_a, pool_a), (D_B, b, fake_b, pool_b)):
            real_scores, fake_scores = D(real), D(pool.query(fake.detach()))
            loss_d = 0.5 * (((real_scores - 1) ** 2).mean() + (fake_scores ** 2).mean())
            loss_d.backward()
            total += loss_d.item()
            scores[D] = (real_scores.mean().item(), fake_scores.mean().item())
        opt_d.step()
        row["d_loss"] = total
        row["d_real"] = (scores[D_A][0] + scores[D_B][0]) / 2
        row["d_fake"] = (scores[D_A][1] + scores[D_B][1]) / 2
    return row


# --------------------------------------------------------------------- SRGAN and context encoder


def _content_and_adversarial_step(G, D, opt_g, opt_d, inputs, real, pixel_weight, adv_weight,
                                  feature_weight=0.0, features=None) -> dict:
    """The step SRGAN and the context encoder share (their papers' losses have one form):

        D: BCE, `real` (N, C, H, W) against fake = G(inputs) (detached), when adv_weight > 0;
        G: pixel_weight * MSE(fake, real) [+ feature_weight * MSE(phi(fake), phi(real)), phi =
           `features`] + adv_weight * -log D(fake), through the frozen D.

    Returns the history row: d_loss, d_real, d_fake (when D trains), g_feature (with features),
    g_adv (when D trains), g_loss, g_mse.
    """
    fake = G(inputs)
    row = {}
    if adv_weight:
        real_logits, fake_logits = D(real), D(fake.detach())
        row["d_loss"] = _step(opt_d, d_loss_bce(real_logits, fake_logits))
        row["d_real"], row["d_fake"] = _probability(real_logits), _probability(fake_logits)
    with frozen(D):
        mse = F.mse_loss(fake, real)
        loss_g = pixel_weight * mse
        if feature_weight:
            with mg.no_grad():
                target_features = features(real)
            feature = F.mse_loss(features(fake), target_features)
            loss_g = loss_g + feature_weight * feature
            row["g_feature"] = feature.item()
        if adv_weight:
            adversarial = g_loss_nonsaturating(D(fake))
            loss_g = loss_g + adv_weight * adversarial
            row["g_adv"] = adversarial.item()
        row["g_loss"] = _step(opt_g, loss_g)
    row["g_mse"] = mse.item()
    return row


# ----------------------------------------------------------------------------- SRGAN


def srgan_step(G, D, opt_g, opt_d, low, high, pixel_weight: float = 1.0, adv_weight: float = 1e-3,
               feature_weight: float = 0.0, features=None) -> dict:
    """One SRGAN step (Ledig et al. 2017, eq. 3):  l_SR = l_content + 10^-3 l_Gen.

    D: BCE, real high-resolution images against G(low). G: pixel_weight * MSE(G(low), high)
    (SRResNet's loss) + feature_weight * MSE(phi(G(low)), phi(high)) (the paper's VGG loss: phi
    the features of a trained classifier, `features`; optional) + adv_weight * -log D(G(low)).
    """
    return _content_and_adversarial_step(G, D, opt_g, opt_d, low, high, pixel_weight, adv_weight,
                                         feature_weight, features)


# ----------------------------------------------------------------------------- context encoder


def centre_of(images, size: int = 14):
    """The centre size x size square of (N, C, H, W) images (what the masked task hides)."""
    side = images.shape[-1]
    start = (side - size) // 2
    return images[:, :, start:start + size, start:start + size]


def fill_centre(masked, centre):
    """The masked images (N, C, H, W) with their centre replaced by `centre` (N, C, s, s)."""
    mask = centre_mask(masked.shape[-1], centre.shape[-1])
    xp = mg.get_array_module(masked.array)
    out = masked.array.copy()
    out[:, :, xp.asarray(mask)] = centre.array.reshape(*centre.shape[:2], -1)
    return mg.Tensor(out)


def inpaint_step(G, D, opt_g, opt_d, masked, image, pixel_weight: float = 0.999,
                 adv_weight: float = 0.001) -> dict:
    """One context-encoder step (Pathak et al. 2016, eq. 3):  L = λ_rec L_rec + λ_adv L_adv.

    G(masked) paints the hidden centre; L_rec = MSE between it and the true centre (the paper's
    masked L2), L_adv = -log D(G(masked)), λ_rec = 0.999, λ_adv = 0.001 in the paper. D (BCE)
    judges centres alone: the real ones against the painted ones.
    """
    return _content_and_adversarial_step(G, D, opt_g, opt_d, masked, centre_of(image), pixel_weight,
                                         adv_weight)


# ----------------------------------------------------------------------------- the Trainer


TRANSLATE_BATCH = 32


def translate(G, x, batch_size: int = TRANSLATE_BATCH) -> np.ndarray:
    """G(x) for inputs x (N, C, h, w) (NumPy or Tensor), as NumPy, in batches, G in eval mode
    (BatchNorm's running statistics, no dropout) and without a graph; G's mode is restored.

    TRANSLATE_BATCH is small because of SRGAN's last layer, a 9x9 convolution: its im2col columns
    hold 1,296 numbers per output pixel. Translating 2,000 held-out images 500 at a time took
    13.8 s of CPU and peaked at 2.2 GB; 32 at a time 4.0 s and 290 MB (CycleGAN 9.4 -> 7.0 s,
    1.5 GB -> 330 MB at 64), with the same numbers for all four models (benchmarks/NOTES.md,
    round six)."""
    from minigan.gan.sampling import generate

    x = x.numpy() if isinstance(x, mg.Tensor) else np.asarray(x)
    parts = [generate(G, mg.tensor(x[start:start + batch_size]))
             for start in range(0, len(x), batch_size)]
    return np.concatenate(parts)


def complete(model: str, inputs, outputs) -> np.ndarray:
    """The images a translation stands for: the outputs themselves, except for inpainting, where
    G paints the centre only and the result is the input with that centre filled in."""
    if model != "inpaint":
        return np.asarray(outputs)
    inputs = inputs.numpy() if isinstance(inputs, mg.Tensor) else inputs
    return fill_centre(mg.tensor(inputs), mg.tensor(outputs)).numpy()


def history_columns(config) -> tuple[str, ...]:
    """The columns of a TranslationTrainer's history for `config`: what its model's step returns
    with those weights (D's columns and g_adv only when adv_weight > 0), between step, epoch and
    time."""
    adversarial = ("d_loss", "d_real", "d_fake", "g_adv") if config.adv_weight else ()
    own = {"pix2pix": ("g_l1",),
           "cyclegan": ("g_cycle_a", "g_cycle_b") + (("g_identity",) if config.identity_weight
                                                     else ()),
           "srgan": ("g_mse",) + (("g_feature",) if config.feature_weight else ()),
           "inpaint": ("g_mse",)}[config.model]
    return ("step", "epoch", *adversarial, "g_loss", *own, "time")


class TranslationTrainer(Trainer):
    """The Trainer (history, snapshots, checkpoints, exact resume, the NaN guard) playing an
    image-to-image game: each step is the model's step above, and the fixed batch G is shown at
    every snapshot is the first config.num_fixed held-out inputs instead of fixed noise.

    G, D: the model's generator and discriminator (for CycleGAN, CycleGenerators holding G_AB and
    G_BA and CycleDiscriminators holding D_A and D_B); loader: batches of (input, target) or, for
    CycleGAN, (image of A, image of B); held_out: the held-out ImagePairs; features: the
    classifier whose features SRGAN's feature loss compares (needed when feature_weight > 0).
    """

    def __init__(self, G, D, opt_g, opt_d, loader, config, held_out, out_dir=None, eval_fn=None,
                 features=None):
        self.held_out = held_out
        super().__init__(G, D, opt_g, opt_d, loader, config, out_dir=out_dir, eval_fn=eval_fn)
        self.features = features
        if config.model == "srgan" and config.feature_weight and features is None:
            raise ValueError("srgan with feature_weight > 0 needs the feature network "
                             "(features=...)")
        self.pools = ((ImagePool(config.pool_size), ImagePool(config.pool_size))
                      if config.model == "cyclegan" else ())

    def _fixed_batch(self):
        return mg.tensor(self.held_out.inputs[:self.config.num_fixed]), None

    def game_step(self) -> dict:
        cfg = self.config
        x, y = self._next_batch()
        if cfg.model == "pix2pix":
            return pix2pix_step(self.G, self.D, self.opt_g, self.opt_d, x, y, cfg.pixel_weight,
                                cfg.adv_weight)
        if cfg.model == "cyclegan":
            return cyclegan_step(self.G.G_AB, self.G.G_BA, self.D.D_A, self.D.D_B, self.opt_g,
                                 self.opt_d, x, y, *self.pools, cfg.cycle_weights,
                                 cfg.identity_weight, cfg.adv_weight)
        if cfg.model == "srgan":
            return srgan_step(self.G, self.D, self.opt_g, self.opt_d, x, y, cfg.pixel_weight,
                              cfg.adv_weight, cfg.feature_weight, self.features)
        if cfg.model == "inpaint":
            return inpaint_step(self.G, self.D, self.opt_g, self.opt_d, x, y, cfg.pixel_weight,
                                cfg.adv_weight)
        raise ValueError(f"TranslationTrainer: model must be one of {', '.join(MODEL_TASK)}, got "
                         f"{cfg.model!r}")

    def sample(self, x, labels=None) -> np.ndarray:
        """G's translation of inputs x as NumPy (eval mode); for inpainting the inputs with the
        centre G painted."""
        return complete(self.config.model, x, translate(self.G, x))

    def sample_many(self, n: int, batch: int = 500) -> np.ndarray:
        """The translations of the first n held-out inputs (all of them when n is larger)."""
        return self.sample(self.held_out.inputs[:n])

    def _scores_of_fixed(self, fixed):
        if self.config.model == "pix2pix":
            return self.D(self.fixed_noise, fixed)
        return self.D(centre_of(fixed) if self.config.model == "inpaint" else fixed)

    def state_dict(self) -> dict:
        state = super().state_dict()
        if self.pools:
            state["pools"] = [pool.state_dict() for pool in self.pools]
        return state

    def load_state_dict(self, state: dict) -> None:
        """Trainer.load_state_dict, and the pools of CycleGAN (checked before anything changes)."""
        pools = [ImagePool(pool.size) for pool in self.pools]
        if self.pools:
            saved = state.get("pools") if isinstance(state, dict) else None
            if not isinstance(saved, list) or len(saved) != len(pools):
                raise ValueError("the checkpoint lacks CycleGAN's two image pools ('pools')")
            for pool, pool_state in zip(pools, saved):
                pool.load_state_dict(pool_state)
        super().load_state_dict(state)
        for pool, loaded in zip(self.pools, pools):
            pool.images = loaded.images


def translate_held_out(G, config, n: int | None = None, root=None):
    """(held-out ImagePairs, G's translations of its first n inputs) for a trained model of
    `config` (n None: all of them); completed images for inpainting."""
    from minigan.datasets.translation import load_task

    held_out = load_task(MODEL_TASK[config.model], "held-out", config.dataset, root)
    inputs = held_out.inputs[:n]
    return held_out, complete(config.model, inputs, translate(G, inputs))
