# %% [markdown]
# # Lesson 9 — Mode collapse and its remedies
#
# Every GAN primer names **mode collapse** as the central failure of GANs: the generator puts all
# its samples on a few of the data's modes and ignores the rest. Every primer also lists the same
# remedies. In this lesson we make the collapse happen *on purpose and reliably*, explain which
# imbalance causes it, and then try each remedy **alone** against it, with the numbers measured by
# `experiments/mode_collapse.py` (5 seeds each, ring and grid).
#
# **Setup:** `pip install -e ".[lessons]"` from the repository root (see lesson 1).

# %%
# Setup (the same in every lesson). Install once, from the repository root:  pip install -e ".[lessons]"
import os, tempfile
try:
    import minigan as mg
except ImportError as err:
    raise ImportError('minigan is not installed: run  pip install -e ".[lessons]"  in the repository root') from err
from threadpoolctl import threadpool_limits
threadpool_limits(1)                    # one BLAS thread on shared machines (lesson 1 says why)
FAST = os.environ.get("MINIGAN_FAST") == "1"   # the test suite runs every lesson in a fast mode
WORK = tempfile.mkdtemp(prefix="minigan-lesson-")  # lessons write files here, never into the repository
import numpy as np
import matplotlib.pyplot as plt
mg.manual_seed(0)

import json
from pathlib import Path
from minigan import gan, nn
from minigan.datasets import ToyMixture
from minigan.gan.recipes import build, default_config

REPO = Path(mg.__file__).resolve().parents[1]   # the experiment's committed results are read from here
STEPS = 300 if FAST else 2000

# %% [markdown]
# ## 1. The collapse, made reproducible
#
# The **collapse recipe** is the ring's default MLP GAN (two hidden layers of 128 units, a 2-D
# latent, Adam with β = (0.5, 0.999), batch 128) with a single imbalance: the generator learns
# **four times faster** than the discriminator, `lr_g = 1e-3`, `lr_d = 2.5e-4`, for 2,000 steps.
#
# Why this collapses: for a *fixed* $D$, the generator's best move is to put **all** its samples
# where $D$ is highest, whatever the data looks like. The game only works because $D$ reacts: as soon
# as the fakes gather somewhere, $D$ learns that this spot is fake and pushes them on. When $D$ learns
# slower than $G$, $G$'s mass moves to $D$'s current high ground faster than $D$ can level it: $G$
# chases it around the ring, and never settles.
#
# What that looks like here (the snapshots below) is not a neat pile-up on one or two modes but a
# **smeared, oscillating** generator: at every snapshot its samples lie along a curve or a thin sheet over
# *one part* of the ring (most of them in 3 of its 8 sectors), running across and between the modes rather
# than onto them (the typical sample is half a unit or more from the nearest centre, where a mode is
# $\sigma = 0.02$ wide), and from one snapshot to the next it moves on: between consecutive snapshots,
# about half or more of its samples change sector (47% to 100% in this run). So
# the strict mode count reads 0–2 of 8, and most of the ring is empty whenever the run stops. A
# collapsed generator need not sit on a mode.

# %%
ring = ToyMixture("ring")
COLLAPSE = dict(steps=STEPS, batch_size=128, width=128, lr_g=1e-3, lr_d=2.5e-4)


def train(dataset="ring", seed=0, snapshots=1, **remedy):
    """Train the collapse recipe (+ one remedy); returns (the final samples, a list of snapshots).

    The snapshots: 1,000 samples (seed 123) at evenly spaced steps, for pictures. The final samples are
    drawn as experiments/mode_collapse.py draws them (2,500, seed 1000 + seed), so that their scores can
    be compared with the table of section 4.
    """
    loss = remedy.pop("loss", "bce")
    config = default_config("mlp", dataset, loss=loss, seed=seed, sample_every=0, checkpoint_every=0,
                            **{**COLLAPSE, **remedy})
    run = build(config)
    trainer = gan.Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config)
    shots = []
    for k in range(1, snapshots + 1):
        trainer.fit(config.steps * k // snapshots, progress=False)
        shots.append((trainer.step, gan.sample(run.G, 1000, seed=123)))
    return gan.sample(run.G, 2500, seed=1000 + seed), shots


def modes(samples, mixture=ring):
    return gan.mode_metrics(samples, mixture.centers, mixture.std)


plain, shots = train(seed=0, snapshots=4)
fig, axes = plt.subplots(1, 4, figsize=(12, 3))
for ax, (step, pts) in zip(axes, shots):
    ax.scatter(*ring.centers.T, s=60, facecolors="none", edgecolors="tab:red")
    ax.scatter(*pts.T, s=2, alpha=0.4)
    ax.set(xlim=(-3, 3), ylim=(-3, 3), title=f"step {step}: {modes(pts)['modes_covered']}/8 modes")
fig.suptitle("the plain GAN on the collapse recipe (red circles: the 8 modes)")
fig.tight_layout()
plt.show()


def sector_shares(pts):
    """The share of the samples in each of the 8 sectors of the plane around the ring's centres."""
    sector = np.round(np.arctan2(pts[:, 1], pts[:, 0]) / (np.pi / 4)).astype(int) % 8
    return np.bincount(sector, minlength=8) / len(pts)


shares = [sector_shares(pts) for _, pts in shots]
in_three = [np.sort(s)[-3:].sum() for s in shares]
distance = [np.median(np.linalg.norm(pts[:, None] - ring.centers[None], axis=2).min(1)) for _, pts in shots]
swing = [0.5 * np.abs(b - a).sum() for a, b in zip(shares, shares[1:])]   # total variation between snapshots
for (step, _), three, d in zip(shots, in_three, distance):
    print(f"step {step}: {three:.0%} of the samples in 3 of the 8 sectors; median distance to the nearest mode {d:.2f}")
print("share of the samples that changed sector between consecutive snapshots:", np.round(swing, 2))
if not FAST:
    assert min(in_three) > 0.85                     # one part of the ring at a time ...
    assert min(distance) > 10 * ring.std            # ... smeared across and between the modes, not on them ...
    assert min(swing) >= 0.45 and max(swing) > 0.9  # ... and moved on by the next snapshot
    assert all(modes(pts)["modes_covered"] <= 2 for _, pts in shots)

# %% [markdown]
# The same recipe on a second seed: the collapse is not bad luck of one run. From here on the final
# generators are scored as the experiment of section 4 scores them (2,500 samples drawn with seed
# $1000 + s$), not on the 1,000 snapshot samples above: with a smeared generator, "covered" depends on
# whether a single stray sample lands within $3\sigma$ of a mode, so another draw gives another count
# (seed 0's last snapshot reads 0/8, the experiment's draw 2/8). Scored the same way, these runs give
# exactly the table's numbers.

# %%
covered = [modes(plain)["modes_covered"], modes(train(seed=1)[0])["modes_covered"]]
print("modes covered by the plain GAN, seeds 0 and 1 (the experiment's draw):", covered)
assert max(covered) <= 4, "the collapse recipe covers at most half of the ring"

# %% [markdown]
# ## 2. The remedies, one idea each
#
# Each remedy is one config key of the Trainer (and one flag of `python -m minigan train`). They
# attack the collapse from different sides: **what D sees** (several samples at once), **what G
# optimises** (something with no single best point), **how fast each side moves**, and **how far
# ahead G looks**.
#
# **Minibatch discrimination** (Salimans et al. 2016). A learned tensor $T$ maps each sample's
# features $x_i$ to a matrix $M_i = x_i T$ of $B$ rows; $o(x_i)_b = \sum_j \exp(-\lVert M_{i,b} -
# M_{j,b}\rVert_1)$ says how many samples of the batch look like sample $i$, and $D$ gets it as $B$
# extra features. A collapsed batch of $N$ identical samples has $o = N$ in every feature; a diverse
# batch has $o$ close to 1 — D can now *see* a collapse.

# %%
mg.manual_seed(0)
mbd = nn.MinibatchDiscrimination(in_features=2, out_features=3, kernel_dims=4)
collapsed = mg.tensor(np.tile([[2.0, 0.0]], (8, 1)), dtype=mg.float32)
diverse = mg.tensor(ring.centers, dtype=mg.float32)
o_collapsed, o_diverse = mbd(collapsed)[:, 2:].detach().numpy(), mbd(diverse)[:, 2:].detach().numpy()
print("o(x) of a collapsed batch:", o_collapsed[0], " of a diverse one:", o_diverse[0].round(3))
assert np.allclose(o_collapsed, 8.0) and o_diverse.max() < 3.0

# %% [markdown]
# **Minibatch standard deviation** (Karras et al. 2018) is the parameter-free version: split the
# batch into groups of $G$ samples, take each feature's standard deviation over the group, average
# them into one number and append it to every sample of the group. A collapsed group gives 0.

# %%
std_layer = nn.MinibatchStdDev(group_size=4)
print("extra feature, collapsed:", std_layer(collapsed)[0, 2].item(), " diverse:", round(std_layer(diverse)[0, 2].item(), 3))
assert std_layer(collapsed)[0, 2].item() < 1e-3 < 1.0 < std_layer(diverse)[0, 2].item()

# %% [markdown]
# **PacGAN** (Lin et al. 2018): $D$ judges $m$ samples at once, concatenated (`gan.Packed(D, m)`);
# all real or all fake. A generator that misses modes produces packs that are easy to tell apart.
#
# **Feature matching** (Salimans et al. 2016): instead of maximising $D$'s output, $G$ minimises
# $\lVert \mathbb{E}_x f(x) - \mathbb{E}_z f(G(z)) \rVert_2^2$, the distance between the mean
# features of an intermediate layer $f$ of $D$ (`D.features`) on real and generated data. A mean
# over the batch has no single point to collapse onto.

# %%
D = gan.MLPDiscriminator((2,), (16, 16))
real_f = D.features(mg.tensor(ring.sample(512)))
loss_fm = gan.g_loss_feature_matching(real_f, D.features(collapsed))
loss_fm_self = gan.g_loss_feature_matching(real_f, real_f)
print("feature matching: collapsed batch", round(loss_fm.item(), 4), " real vs real", loss_fm_self.item())
assert loss_fm_self.item() == 0.0 and loss_fm.item() > 0

# %% [markdown]
# **Label smoothing** (Salimans et al. 2016) trains $D$ towards $1 - s$ on real data instead of 1
# (*one-sided*). For one point with data density $p$ and generator density $q$ the best $D$ becomes
# $D^*(x) = \frac{(1 - s)\,p}{p + q}$; smoothing the fake side too (*two-sided*, fake target $s$)
# gives $D^* = \frac{(1-s)\,p + s\,q}{p + q}$, which *rewards* fakes wherever they already are.
# We check the one-sided optimum numerically by minimising $D$'s loss over its logit:

# %%
p, q, s = 0.7, 0.3, 0.2
logits = np.linspace(-6, 6, 2401)
big = mg.tensor([[60.0]])  # a logit far out: its term of the loss is ~0
loss_at = [p * gan.d_loss_bce(mg.tensor([[a]]), -big, s).item() + q * gan.d_loss_bce(big, mg.tensor([[a]]), s).item()
           for a in logits]
best = 1 / (1 + np.exp(-logits[int(np.argmin(loss_at))]))
print(f"D* with one-sided smoothing: {best:.3f}; formula (1 - s) p / (p + q) = {(1 - s) * p / (p + q):.3f}")
assert abs(best - (1 - s) * p / (p + q)) < 3e-3

# %% [markdown]
# **Instance noise** (Sønderby et al. 2017) blurs both distributions with Gaussian noise before $D$
# sees them (annealed to 0), so that they overlap and $D$'s gradient stays informative.
# **Two time-scale learning rates** (TTUR, Heusel et al. 2017) give $D$ and $G$ separate learning
# rates; here that means undoing our imbalance: $D$ four times *faster* than $G$.
# **Unrolled GANs** (Metz et al. 2017) let $G$ look ahead: its loss is taken through $D$ after $k$
# gradient steps of $D$, $\theta_D^{k+1} = \theta_D^k - \eta\,\nabla_{\theta_D} L_D$, and the
# gradient flows back through every step — a second derivative, through `mg.grad(create_graph=True)`.
# With $k = 0$ it is the plain GAN:

# %%
D = gan.MLPDiscriminator((2,), (16, 16))
fake = mg.tensor(ring.sample(8))
real = mg.tensor(ring.sample(8))
zero_steps = gan.unrolled_scores(D, real, fake, gan.LOSSES["bce"], steps=0, lr=0.5)
assert np.array_equal(zero_steps.detach().numpy(), D(fake).detach().numpy())
fake.requires_grad_()
two_steps = gan.unrolled_scores(D, real, fake, gan.LOSSES["bce"], steps=2, lr=0.5)
(g,) = mg.grad(two_steps.sum(), fake)
print("scores after 0 and 2 unrolled D steps:", zero_steps.detach().numpy()[:3, 0].round(3), two_steps.detach().numpy()[:3, 0].round(3))
assert not np.allclose(two_steps.detach().numpy(), zero_steps.detach().numpy()) and np.isfinite(g.detach().numpy()).all()

# %% [markdown]
# ## 3. Each remedy alone, trained
#
# Three of them against the same recipe and seed as the plain run above (a few seconds each), scored
# as the table of section 4 is:

# %%
live = {"plain": plain}
live["TTUR (lr_d = 4e-3)"] = train(seed=0, lr_d=4e-3)[0]
live["feature matching"] = train(seed=0, feature_matching=True)[0]
live["PacGAN (pack = 4)"] = train(seed=0, pack=4)[0]
fig, axes = plt.subplots(1, len(live), figsize=(3 * len(live), 3))
for ax, (name, pts) in zip(axes, live.items()):
    ax.scatter(*ring.centers.T, s=60, facecolors="none", edgecolors="tab:red")
    ax.scatter(*pts.T, s=2, alpha=0.4)
    ax.set(xlim=(-3, 3), ylim=(-3, 3), title=f"{name}\n{modes(pts)['modes_covered']}/8 modes")
plt.show()
live_modes = {name: modes(pts)["modes_covered"] for name, pts in live.items()}
print(live_modes)
if not FAST:
    assert live_modes["TTUR (lr_d = 4e-3)"] == 8 and live_modes["plain"] <= 4

# %% [markdown]
# ## 4. The measured table
#
# `experiments/mode_collapse.py` runs every remedy alone on the collapse recipe, 5 seeds each, on
# the ring (8 modes) and the grid (25 modes), and scores 2,500 samples of each final generator:
# modes covered (a mode counts when a sample lands within 3 standard deviations of it), the
# high-quality share (samples that close to some mode) and the KL divergence of the mode histogram
# from uniform. We read its committed results:

# %%
results = json.loads((REPO / "benchmarks" / "results" / "mode_collapse.json").read_text())
rows = results["summaries"]
for dataset in ("ring", "grid"):
    print(f"\n{dataset}: remedy, modes per seed, seeds with every mode, mean high-quality share")
    for r in rows:
        if r["dataset"] == dataset:
            print(f"  {r['remedy']:26s} {str(r['modes']):22s} {r['all_modes_seeds']}/{len(r['modes'])}"
                  f"  {r['mean_high_quality']:.0%}")
by = {(r["remedy"], r["dataset"]): r for r in rows}
if not FAST:  # the runs of this lesson, scored alike, are the table's seed 0 (and seed 1) runs
    for name, remedy in (("plain", "plain"), ("TTUR (lr_d = 4e-3)", "TTUR"),
                         ("feature matching", "feature matching"), ("PacGAN (pack = 4)", "PacGAN")):
        assert live_modes[name] == by[(remedy, "ring")]["modes"][0], (name, live_modes[name], by[(remedy, "ring")]["modes"])
    assert covered == by[("plain", "ring")]["modes"][:2]

# %% [markdown]
# What the table says, checked:

# %%
plain_ring = by[("plain", "ring")]
assert plain_ring["mean_modes"] <= 4, "the plain GAN covers at most half the ring on average"
covering = [r["remedy"] for r in rows if r["dataset"] == "ring" and r["remedy"] != "plain"
            and r["all_modes_seeds"] >= 4]
cured = [r["remedy"] for r in rows if r["remedy"] in covering and r["dataset"] == "ring" and r["mean_high_quality"] >= 0.2]
print("remedies with 8/8 modes on at least 4 of 5 seeds:", covering)
print("... of which at least 20% of the samples land on a mode:", cured)
failed = [r["remedy"] for r in rows if r["dataset"] == "ring" and r["mean_modes"] <= plain_ring["mean_modes"] + 1]
print("remedies that did not help (within one mode of plain on average):", failed)
assert set(cured) == {"TTUR", "minibatch discrimination", "WGAN-GP"}
assert set(covering) - set(cured) == {"PacGAN"}       # every mode touched, few samples on any

# %% [markdown]
# Reading the table:
#
# - The remedies that cure this collapse — every mode on at least 4 of 5 seeds, *and* a fifth or more of
#   the samples on a mode — are the ones that let **D keep up**: TTUR removes the imbalance itself;
#   WGAN-GP, as configured, trains its critic 5 times per G step (so it too undoes the 4x imbalance,
#   besides changing the loss); minibatch discrimination gives D a feature that sees a collapsed batch
#   directly.
# - Feature matching and PacGAN **spread** G over the ring: most modes get a few samples — PacGAN
#   touches all 8 on 4 of 5 seeds — but the share of samples that land on a mode stays at 1–3%.
#   "Modes covered" is a lenient metric, and the high-quality column shows what it hides.
# - Minibatch standard deviation (one scalar per group of 4), spectral normalisation of D and
#   unrolling (2 SGD steps of D) did not help here: a remedy that fails is a measurement too.
#   Spectral norm keeps D smooth (1-Lipschitz layer by layer), but a smooth D that still learns four
#   times slower than G is still chased around the ring.

# %%
hq = {r["remedy"]: r["mean_high_quality"] for r in rows if r["dataset"] == "ring"}
assert hq["TTUR"] > 0.5 > hq["plain"]
assert by[("feature matching", "ring")]["mean_modes"] >= 6 and hq["feature matching"] < 0.1
assert by[("PacGAN", "ring")]["all_modes_seeds"] >= 4
assert all(0.005 <= hq[name] < 0.035 for name in ("PacGAN", "feature matching"))   # 1-3% on a mode
assert by[("minibatch stddev", "ring")]["mean_modes"] <= 2
assert by[("spectral norm", "ring")]["mean_modes"] <= 2 and by[("spectral norm", "ring")]["all_modes_seeds"] == 0

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 8))
for ax, dataset in zip(axes, ("ring", "grid")):
    ax.imshow(plt.imread(REPO / "docs" / "images" / f"mode_collapse_{dataset}.png"))
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Try this
#
# - Make the imbalance milder (`lr_d = 5e-4`): at which ratio does the plain GAN stop collapsing?
# - Reverse it (`lr_d = 4e-3`, `lr_g = 2.5e-4`): is a *slow* generator also a problem?
# - Combine two remedies that failed alone (e.g. minibatch stddev with TTUR): do they add up?
# - Give PacGAN more samples per pack (`pack=8`) or the unrolled GAN more steps (`unroll=5`).
# - `python -m minigan train --model mlp --dataset grid --steps 2000 --lr-g 1e-3 --lr-d 2.5e-4 --pack 4`
#   runs one cell of the table from the command line.
#
# ## Exercises
#
# Graded exercises for this lesson (the minibatch standard-deviation layer and the feature-matching
# loss, with value and gradient checks) are in `exercises/`.
