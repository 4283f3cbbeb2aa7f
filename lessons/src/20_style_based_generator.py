# %% [markdown]
# # Lesson 20 — A style-based generator
#
# The primers end their list of GAN variants with **StyleGAN** (Karras et al., 2019): control over the
# *global and local style* of what is generated. A DCGAN feeds $z$ into its first layer and hopes the
# rest sorts itself out; a style-based generator turns the architecture inside out:
#
# * a **mapping network** turns $z$ into an intermediate latent $w$ — "what to draw";
# * the synthesis network starts from a **learned constant**, not from $z$;
# * $w$ enters *every* layer through **AdaIN**, which sets each channel's mean and standard deviation
#   (its "style");
# * per-pixel **noise inputs** provide the stochastic detail $w$ need not encode;
# * **style mixing** during training, and at sampling time the **truncation trick** around the average
#   $\bar w$, which trades variety for quality.
#
# We build each piece (minigan's `gan.models.stylegan`), look at a tiny StyleGAN trained on two CPU
# cores, and compare it honestly with the DCGAN of the same size and training time.
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
REPO = Path(mg.__file__).resolve().parents[1]       # the repository (the lessons run in a temporary folder)
RESULTS = REPO / "benchmarks" / "results"            # the measured studies' results
from minigan import nn, gan
from minigan import functional as F
from minigan.gan import steering
from minigan.gan.evaluator import load_evaluator
from minigan.gan.models.stylegan import AdaIN, NoiseInjection, StyleGenerator, noise_shapes, num_parameters
from minigan.gan.recipes import load_generator
from minigan.gan.run_metrics import image_metrics, reference_for

from minigan.gan.plots import show_images    # a batch of images as one grid: -1 black, 1 white

# %% [markdown]
# ## 1. AdaIN: a style is a mean and a standard deviation per channel
#
# Adaptive instance normalisation first normalises each channel of each sample over its pixels — the
# layer forgets the statistics it was given — then imposes new ones, computed from $w$ by a learned
# affine map $A$:
#
# $$\mathrm{AdaIN}(x, w) = \big(1 + s(w)\big)\,\frac{x - \mu(x)}{\sigma(x)} + b(w), \qquad (s, b) = A(w).$$
#
# So the output's channel means are $b$ and its standard deviations $|1 + s|$, whatever came in.
# Exercise 28 writes it.

# %%
adain = AdaIN(channels=3, w_dim=8)
x, w = mg.randn(2, 3, 7, 7) * 10 + 4, mg.randn(2, 8)
with mg.no_grad():
    y = adain(x, w).numpy()
    style = adain.style(w).numpy().reshape(2, 2, 3)
print("channel means:", y.mean(axis=(2, 3)).round(3), "\nb:            ", style[:, 1].round(3))
print("channel stds: ", y.std(axis=(2, 3)).round(3), "\n|1 + s|:      ", np.abs(1 + style[:, 0]).round(3))
assert np.allclose(y.mean(axis=(2, 3)), style[:, 1], atol=1e-4)
assert np.allclose(y.std(axis=(2, 3)), np.abs(1 + style[:, 0]), rtol=1e-3)
with mg.no_grad():
    assert np.allclose(adain(x * 3 - 7, w).numpy(), y, atol=1e-3)    # the input's own statistics are gone

# %% [markdown]
# **Modulated convolution** (StyleGAN2) does the same job without touching the activations: it scales
# the convolution's weights per *input* channel by the style, then divides each output channel's
# weights by their norm ("demodulation"),
#
# $$w'_{ijk} = s_i\, w_{ijk}, \qquad w''_{ijk} = w'_{ijk} \Big/ \sqrt{\textstyle\sum_{i,k} {w'_{ijk}}^2 + \epsilon}.$$
#
# AdaIN normalises the statistics the activations *have*; demodulation normalises the statistics they
# *would have* if the inputs were independent with unit variance. On such inputs the two agree: every
# output channel has standard deviation about 1 before the bias. (StyleGAN2 made the switch because
# normalising the actual statistics let the network hide strong local spikes — "droplets" — that
# carried information past the normalisation.)

# %%
rng = np.random.default_rng(0)
weight = rng.standard_normal((6, 4, 3, 3))                   # (out, in, k, k)
s = rng.uniform(0.2, 3.0, 4)                                 # one style scale per input channel
modulated = weight * s[None, :, None, None]
demodulated = modulated / np.sqrt((modulated ** 2).sum(axis=(1, 2, 3), keepdims=True) + 1e-8)
inputs = mg.tensor(rng.standard_normal((64, 4, 16, 16)).astype(np.float32))
out = F.conv2d(inputs, mg.tensor(demodulated.astype(np.float32)), padding=1).numpy()[:, :, 1:-1, 1:-1]
print("output std per channel after demodulation:", out.std(axis=(0, 2, 3)).round(3))
assert np.allclose(out.std(axis=(0, 2, 3)), 1.0, atol=0.05)

# %% [markdown]
# ## 2. The generator, piece by piece
#
# Ours is tiny: $z, w \in \mathbb R^{64}$, a 4-layer mapping network (learning 100 times slower than the
# rest, as in the paper), a learned constant of shape (32, 7, 7), and six style layers — two per
# resolution — each *conv → + noise → LeakyReLU → AdaIN*; width 8 gives 32, 16 and 8 channels at
# 7 × 7, 14 × 14 and 28 × 28. Its discriminator is Progressive GAN's (lesson 19) at full resolution,
# with the same WGAN-GP recipe. G has about as many parameters as the DCGAN generator of width 8.

# %%
weights = REPO / "data" / "weights"
G, config = load_generator(weights / "stylegan-sample-seed0.npz")
G.eval()
dcgan8, _ = load_generator(weights / "dcgan-w8-sample-seed0.npz")
print(G.synthesis.layers[2])
print(f"parameters: StyleGenerator {num_parameters(G):,}, DCGAN generator (width 8) {num_parameters(dcgan8):,}")
assert abs(num_parameters(G) / num_parameters(dcgan8) - 1) < 0.05
info = mg.load(weights / "stylegan-sample-seed0.npz")
print(f"trained by experiments/style_based_generator.py: {info['steps']} steps, {info['trained_cpu_seconds']:.0f} s of CPU")
space = steering.LatentSpace(G, "w", noise_seed=0)
z = np.random.default_rng(1).standard_normal((16, 64)).astype(np.float32)
samples = space.images(space.to_w(z))
fig, ax = plt.subplots(figsize=(6, 1.8)); show_images(ax, samples, 8, "16 samples of the trained StyleGenerator", fontsize=9); plt.show()

# %% [markdown]
# ## 3. The noise inputs
#
# Each layer adds a fresh map of per-pixel Gaussian noise, one map shared by the channels, times a
# learned strength per channel. Keep $w$ fixed and resample only the noise: what changes is what the
# noise controls.

# %%
w0 = space.to_w(z[:4])
resampled = [steering._synthesise(G, np.repeat(w0[:, None], 6, axis=1), [mg.randn(*s) for s in noise_shapes(4)]) for _ in range(6)]
resampled = np.stack(resampled)                           # (6 noise draws, 4 samples, 1, 28, 28)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
show_images(axes[0], resampled.transpose(1, 0, 2, 3, 4).reshape(24, 1, 28, 28), 6, "each row: one w, six noise draws", fontsize=9)
axes[1].imshow(resampled.std(axis=0).mean(axis=0)[0], cmap="magma"); axes[1].set_title("std over the noise draws (mean of 4 w's)"); axes[1].axis("off")
plt.show()
noise_std = resampled.std(axis=0).mean()
style_std = samples.std(axis=0).mean()
strengths = [np.abs(layer.noise.weight.detach().numpy()).mean() for layer in G.synthesis.layers]
print("learned noise strength per layer:", np.round(strengths, 3))
print(f"pixel std when only the noise changes: {noise_std:.3f}; when w changes: {style_std:.3f}")
assert noise_std < 0.1 * style_std      # the noise moves pixels by less than a tenth of what w does

# %% [markdown]
# Resampling the noise alone moves the pixels by less than a tenth of what a new $w$ does: the noise
# adds small local variation, $w$ decides the image. (The learned strengths are still small: this G
# trained for a minute of CPU time, and the strengths grow as it learns to use them.)
#
# ## 4. Style mixing: coarse, middle, fine
#
# The six layers take six copies of $w$. Giving the first layers one $w$ and the rest another mixes two
# images: *coarse* styles (7 × 7 layers) decide the overall shape, *fine* ones (28 × 28) the surface.
# Training mixes two latents in 90 % of the batches at a random layer, so that no layer can count on
# its neighbours sharing its $w$. The grids below follow the paper's figure: the top row holds sources
# A, the left column sources B, and each other image is an A with some of B's styles.

# %%
rng = np.random.default_rng(5)
z_a, z_b = rng.standard_normal((5, 64)).astype(np.float32), rng.standard_normal((3, 64)).astype(np.float32)
grids = {part: steering.mixing_grid(G, z_a, z_b, part) for part in ("coarse", "middle", "fine")}
fig, axes = plt.subplots(1, 3, figsize=(13, 3.2))
for ax, (part, grid) in zip(axes, grids.items()):
    show_images(ax, grid, 6, f"A with the {part} styles of B", fontsize=9)
plt.show()
a_images = grids["coarse"][1:6]
change = {part: np.mean([np.abs(grid[7 + 6 * i:12 + 6 * i] - a_images).mean() for i in range(3)])
          for part, grid in grids.items()}
print("mean pixel change of A when it takes B's styles:", {k: round(float(v), 3) for k, v in change.items()})
assert change["fine"] > change["middle"] > change["coarse"]     # the reverse of the paper's order

# %% [markdown]
# In the paper's generators the coarse styles carry pose and shape and change an image the most. In
# ours the order is **reversed**: taking B's fine (28 × 28) styles changes A the most, the coarse ones
# the least. This G has trained for under 300 steps; its 28 × 28 layers still set much of the output's
# contrast and grey level directly, and the split of the work by scale that style mixing encourages has
# not happened yet. The grids are the tool for watching it happen in a longer run (try this 1).
#
# ## 5. The truncation trick
#
# The running mean $\bar w$ of the mapping network's outputs (a buffer updated in training) is the
# generator's "average image". Pulling every $w$ toward it,
#
# $$w' = \bar w + \psi\,(w - \bar w), \qquad 0 \le \psi \le 1,$$
#
# avoids the rarely-seen edges of $w$ space, where G is worst: the samples get better and more alike.
# $\psi = 1$ changes nothing; $\psi = 0$ gives everyone the average image. Exercise 30 writes it.

# %%
fig, axes = plt.subplots(1, 4, figsize=(13, 2.2))
for ax, psi in zip(axes, (1.0, 0.7, 0.4, 0.0)):
    truncated = space.images(G.truncate(mg.tensor(space.to_w(z[:8])), psi).numpy())
    show_images(ax, truncated, 8, f"ψ = {psi}", fontsize=9)
plt.show()

# %% [markdown]
# The quality-diversity curve: FD, precision and recall (lesson 14) of 2,500 samples for each $\psi$.
# Precision asks whether samples look like real data, recall whether the real data is covered.

# %%
evaluator = load_evaluator("fashion-mnist")
reference = reference_for(evaluator, "sample")
n = 500 if FAST else 2500
curve = []
for psi in (0.0, 0.25, 0.5, 0.75, 1.0):
    G.truncation_psi = psi
    m = image_metrics(evaluator, reference, gan.sample(G, n, seed=3))
    curve.append((psi, m["fd"], m["precision"], m["recall"]))
    print(f"ψ = {psi:.2f}: FD {m['fd']:6.1f}, precision {m['precision']:.3f}, recall {m['recall']:.3f}")
G.truncation_psi = 1.0
psis, fds, precisions, recalls = map(np.array, zip(*curve))
results = json.loads((RESULTS / "style_based_generator.json").read_text())
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
axes[0].plot(psis, fds, "o-", label="this generator (seed 0)")
axes[0].plot([p["psi"] for p in results["truncation_curve"]], [p["fd"] for p in results["truncation_curve"]], "s--", label="mean of 3 seeds (experiment)")
axes[0].set_xlabel("ψ"); axes[0].set_ylabel("FD"); axes[0].legend(fontsize=8)
axes[1].plot(psis, precisions, "o-", label="precision"); axes[1].plot(psis, recalls, "s-", label="recall")
axes[1].set_xlabel("ψ"); axes[1].set_ylim(0, 1); axes[1].legend(fontsize=8)
plt.show()
assert np.all(np.diff(fds) < 0)                              # FD worse at every smaller psi
assert precisions[0] > precisions[-1] and recalls[0] <= recalls[-1]  # quality up, diversity down (to 0)
mean_curve = results["truncation_curve"]                       # the mean of the 3 trained seeds
assert np.all(np.diff([p["fd"] for p in mean_curve]) < 0)      # the same there: FD worse at every smaller psi
assert mean_curve[0]["precision"] > mean_curve[-1]["precision"] and mean_curve[0]["recall"] < mean_curve[-1]["recall"]

# %% [markdown]
# The trade is there: as $\psi$ falls, **precision rises** (at $\psi = 0$ every sample is the
# average image, which lies among the real images' neighbourhoods) while **recall falls** to zero. But
# FD, which weighs both, only gets worse at every smaller $\psi$, for this generator and for the mean of
# the three trained seeds: a generator this far from the data loses more by giving up variety than it
# gains in quality. The paper used $\psi \approx 0.7$ on generators whose average image was already a
# good face; the trick sharpens a good generator, it does not rescue a weak one.

# %% [markdown]
# ## 6. Against the DCGAN of the same size
#
# `experiments/style_based_generator.py` trains the StyleGenerator and the DCGAN generator of width 8
# (the same number of parameters) — and, for reference, the command line's default DCGAN (width 32) —
# for the same CPU time, three seeds each, and scores 2,500 samples of each.

# %%
summary, rows = results["summary"], results["runs"]
for name, s in summary.items():
    fds = [r["fd"] for r in rows if r["variant"] == name]
    print(f"{name:18s} FD {np.mean(fds):6.1f} ± {np.std(fds, ddof=1):4.1f}   precision {s['precision']:.3f}   recall {s['recall']:.3f}   {s['steps']:.0f} steps")
assert all(len([r for r in rows if r["variant"] == v]) >= 3 for v in summary)
style_fd = np.array([r["fd"] for r in rows if r["variant"] == "stylegan"])
dcgan_fd = np.array([r["fd"] for r in rows if r["variant"] == "dcgan (width 8)"])
print(f"budget {rows[0]['budget_cpu_seconds']:.0f} s of CPU per run; steps: DCGAN {summary['dcgan (width 8)']['steps'] / summary['stylegan']['steps']:.0f}x as many")
assert dcgan_fd.max() < style_fd.min() / 3                   # the DCGAN wins, on every seed, by far
assert summary["dcgan (width 8)"]["steps"] > 10 * summary["stylegan"]["steps"]

# %% [markdown]
# **Reading the comparison.** At equal CPU time (a minute each: the budget was cut to fit a shared
# machine) the DCGAN of the same size wins by far, on every seed: its FD is under a third of the
# StyleGenerator's. The cost per step explains it: in the same minute the DCGAN took more than ten
# times as many steps. A StyleGAN step pays for the mapping network, six modulated layers, Progressive
# GAN's critic and WGAN-GP's gradient penalty (a second backward pass); a DCGAN step is a few
# convolutions and BCE. Measured honestly, the style-based generator does not buy better images on two
# cores in a minute; what it buys is *control* — the mixing, truncation and (lesson 21) a smoother
# $w$ space — and, with the compute the paper had, quality. The default command-line run
# (`--model stylegan`, 1,500 steps) is a fairer place to look at the pictures.
#
# **Try this.**
# 1. `python -m minigan train --model stylegan` (about 6 minutes on two cores: 1,500 steps), then
#    `python -m minigan sample --checkpoint runs/stylegan-sample/checkpoint.npz --mix coarse --out mix.png`
#    and `--truncation 0.5`.
# 2. Turn style mixing off (`--style-mixing 0`) and redraw the mixing grids: do the fine styles still stay fine?
# 3. Truncate only the coarse layers (exercise 30's cutoff) and compare the curve.
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_adain`** (exercise 28): AdaIN — hint: statistics over (2, 3) per sample and channel; the scale is $1 + s$.
# - **`ex_truncation`** (exercise 30): the truncation trick with a layer cutoff — hint: `w_avg.lerp(ws, psi)`.
