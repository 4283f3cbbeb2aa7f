# %% [markdown]
# # Lesson 10 — DCGAN on images
#
# An MLP treats a 28×28 image as 784 unrelated numbers. Convolutions share weights across positions,
# which is what images need. Radford et al. (2015) found the recipe that made convolutional GANs train
# reliably — **DCGAN**:
#
# * the generator **upsamples** with transposed convolutions (stride 2 doubles the size, lesson 3), the
#   discriminator **downsamples** with strided convolutions — no pooling;
# * **BatchNorm** in both networks (not on D's input layer nor on G's output layer);
# * ReLU in G with **tanh** at the output (images scaled to $[-1, 1]$); LeakyReLU(0.2) in D;
# * weights drawn from $\mathcal{N}(0, 0.02)$; Adam with learning rate $2\cdot10^{-4}$ and $\beta_1 = 0.5$.
#
# We train on the Fashion-MNIST test split that ships with minigan (10,000 images, no download), read
# the training curves, sample correctly (eval mode, correctly scaled pictures), and walk the latent space.
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

from minigan import gan
from minigan.datasets import load_dataset
from minigan.gan.plots import show_images
from minigan.gan.recipes import build, default_config
from minigan.utils import make_grid

DATASET = "sample"   # one line to change: "mnist" or "fashion-mnist" (60,000 images; downloaded once)

data = load_dataset(DATASET)
print(data)
assert data.images.shape[1:] == (1, 28, 28) and data.images.min() >= -1 and data.images.max() <= 1
fig, ax = plt.subplots(figsize=(5, 5))
show_images(ax, data.images[:64], 8, f"64 real images ({DATASET})")
plt.show()

# %% [markdown]
# ## 1. Why `vmin` and `vmax` matter
#
# `imshow` stretches whatever range the array has onto black…white unless told otherwise. An
# untrained generator outputs values near 0 — mid-grey in our $[-1, 1]$ scale — but without `vmin`/`vmax`
# its tiny range is stretched to full contrast, and the noise looks like structure (left). Every
# other picture in this lesson is drawn by `show_images(ax, images, nrow, title)` (from
# `minigan.gan.plots`), which fixes the scale — $-1$ black, $1$ white, whatever the images hold (right).
#
# The frame between the images takes part in the stretch too. `make_grid` (torchvision's grid builder,
# `minigan.utils.make_grid`) tiles the images on a canvas of `pad_value`; padded with white (1.0), with imshow's
# own scaling that 1.0 becomes the top of the range, and images whose values all sit near 0 come out
# almost black (middle) — a black panel caused by the padding, not by the generator. The left panel pads
# with NaN, which imshow leaves out of its range, so the stretch is the images' own.

# %%
config = default_config("dcgan", DATASET, steps=40 if FAST else 800, sample_every=20 if FAST else 100)
run = build(config)
trainer = gan.Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config)
untrained = trainer.sample_fixed()
print(f"untrained G: values in [{untrained.min():.3f}, {untrained.max():.3f}]")
fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.5))
grid = lambda pad_value: make_grid(untrained[:16], nrow=4, padding=1, pad_value=pad_value).numpy()[0]  # (H', W'), the values as they are
stretched = axes[0].imshow(grid(np.nan), cmap="gray", interpolation="nearest")
axes[0].set_title("own scaling: stretched (misleading)")
padded = axes[1].imshow(grid(1.0), cmap="gray", interpolation="nearest")
axes[1].set_title("own scaling + white padding")
show_images(axes[2], untrained[:16], 4, "fixed scale (-1 black, 1 white): honest")
for ax in axes[:2]:
    ax.axis("off")
plt.show()
low, high = stretched.get_clim()
print(f"left: black..white spans [{low:.3f}, {high:.3f}], {2 / (high - low):.0f} times the contrast of the honest scale")
print(f"middle: black..white spans [{padded.get_clim()[0]:.3f}, {padded.get_clim()[1]:.3f}]: the padding's 1.0 sets the top")
assert np.isclose(low, untrained[:16].min()) and np.isclose(high, untrained[:16].max())  # the images' own range ...
assert 2 / (high - low) > 10                          # ... a tiny one, stretched more than tenfold
assert padded.get_clim()[1] == 1.0                    # with white padding the top of the range is the padding
assert (untrained[:16].max() - padded.get_clim()[0]) / (1.0 - padded.get_clim()[0]) < 0.1  # images in the darkest tenth

# %% [markdown]
# ## 2. Training, with a live progress bar
#
# `default_config("dcgan", "sample")` holds the defaults that `python -m minigan train` uses (800 steps
# here instead of 2,000, so that the lesson runs in under three minutes on two cores); `build` makes the models, the
# optimizers and the data loader; the `Trainer` loops over `d_step` and `g_step` (lesson 5), keeps a
# history, and samples a **fixed** noise batch every `sample_every` steps.

# %%
print(run.G)
history = trainer.fit(progress=True)
print(f"{len(history)} steps in {trainer.elapsed:.0f} s")
assert len(history) == config.steps

# %% [markdown]
# ## 3. Reading the curves
#
# Neither loss should go to zero. $D(x)$ (D's mean probability "real" on real images) and
# $D(G(z))$ (on fakes) start apart — D learns quickly to separate noise from clothes — and a
# healthy run keeps them from separating completely: if $D(x)\to 1$ and $D(G(z))\to 0$ and stay
# there, D has won — it rejects every sample G makes.
#
# G's gradient does **not** die when that happens: that is what the non-saturating loss (`bce`, lesson 4)
# is for. Its derivative with respect to D's logit on a fake is $D(G(z)) - 1$, close to $-1$ exactly when
# D rejects the fake; it is the saturating loss, with derivative $D(G(z))$, that would go flat. A winning D
# is a problem of balance, not of a vanishing signal: G keeps getting pushed, but only towards what
# fools this one D (lessons 8 and 9 watch those dynamics). The third panel shows G's gradient norm, which
# this run records at every step: it is largest early on, in the steps where D rejects the fakes most
# firmly ($D(G(z))$ near 0.1) — the opposite of dying.

# %%
steps = [row["step"] for row in history]
smooth = lambda v, k=10: np.convolve(v, np.ones(k) / k, mode="valid")
fig, axes = plt.subplots(1, 3, figsize=(16, 3.5))
for key, label in (("d_loss", "D loss"), ("g_loss", "G loss")):
    axes[0].plot(steps[9:], smooth([r[key] for r in history]), label=label)
for key, label in (("d_real", "D(x)"), ("d_fake", "D(G(z))")):
    axes[1].plot(steps[9:], smooth([r[key] for r in history]), label=label)
axes[2].semilogy(steps, [r["g_grad_norm"] for r in history], lw=0.5)
axes[0].set_xlabel("step"); axes[0].legend(); axes[0].set_title("losses (moving average of 10)")
axes[1].set_xlabel("step"); axes[1].legend(); axes[1].set_ylim(0, 1); axes[1].set_title("D's mean outputs")
axes[2].set_xlabel("step"); axes[2].set_title("‖∇ G's parameters‖ (non-saturating loss)")
plt.show()
late = history[len(history) // 2:]
d_real, d_fake = np.mean([r["d_real"] for r in late]), np.mean([r["d_fake"] for r in late])
tenth = max(len(history) // 10, 1)
grad_early = np.median([r["g_grad_norm"] for r in history[:tenth]])
grad_late = np.median([r["g_grad_norm"] for r in history[-tenth:]])
print(f"second half: D(x) = {d_real:.2f}, D(G(z)) = {d_fake:.2f}")
print(f"G's gradient norm, median of the first and last tenth of the run: {grad_early:.3f}, {grad_late:.3f}")
print(f"at D(G(z)) = {d_fake:.2f}, |d loss / d logit| per fake: non-saturating {1 - d_fake:.2f}, saturating {d_fake:.2f}")
assert d_real > d_fake                    # D still tells them apart on average ...
assert d_real < 0.99 and d_fake > 0.01    # ... but has not won outright
assert grad_late > 0.1 * grad_early       # G's gradient has not died
rejected = np.array([r["d_fake"] < 0.15 for r in history])          # the steps where D rejects the fakes most
grad_norms = np.array([r["g_grad_norm"] for r in history])
if rejected.any() and not rejected.all():
    print(f"G's gradient norm, median: {np.median(grad_norms[rejected]):.2f} at the {rejected.sum()} steps with "
          f"D(G(z)) < 0.15, {np.median(grad_norms[~rejected]):.2f} at the others")
if not FAST:
    assert grad_early > grad_late                                   # largest early on ...
    assert rejected.sum() >= 10 and np.median(grad_norms[rejected]) > np.median(grad_norms[~rejected])  # ... where D rejects
logit = mg.tensor([np.log(0.01 / 0.99)], dtype=mg.float64, requires_grad=True)   # a fake D rejects: D(G(z)) = 0.01
(signal_ns,) = mg.grad(gan.g_loss_nonsaturating(logit), logit)
(signal_sat,) = mg.grad(gan.g_loss_minimax(logit), logit)
assert abs(signal_ns.item()) > 0.98 and abs(signal_sat.item()) < 0.011  # if D won: NS alive, saturating flat

# %% [markdown]
# ## 4. The fixed noise over training
#
# The same 64 codes $z$, passed through $G$ at several steps: each cell of the grid follows one code.

# %%
frames, frame_steps = trainer.frames, trainer.frame_steps
picks = np.unique(np.linspace(0, len(frames) - 1, 4).astype(int))
fig, axes = plt.subplots(1, len(picks), figsize=(4 * len(picks), 4))
for ax, i in zip(axes, picks):
    show_images(ax, frames[i][:16].astype(np.float32) / 127.5 - 1, 4, f"step {frame_steps[i]}")
plt.show()
assert frame_steps[0] == 0 and frame_steps[-1] == config.steps

# %% [markdown]
# ## 5. Sampling in eval mode
#
# In train mode BatchNorm normalises with the statistics of the *current batch*, so one sample depends
# on the others drawn with it. In eval mode it uses the running statistics (lesson 3) and each sample
# depends on its own $z$ only — which is what we want from a generator. (`trainer.sample` does this.)

# %%
z = mg.randn(16, config.latent_dim)
G = run.G
G.eval()
with mg.no_grad():
    alone, in_batch = G(z[:1]).numpy(), G(z).numpy()[:1]
G.train()
with mg.no_grad():
    alone_train, in_batch_train = G(z[:2]).numpy()[:1], G(z).numpy()[:1]
print(f"eval mode: |G(z0) alone - G(z0) in a batch| = {np.abs(alone - in_batch).max():.1e}")
print(f"train mode: the same difference = {np.abs(alone_train - in_batch_train).max():.1e}")
assert np.allclose(alone, in_batch, atol=1e-5)
assert not np.allclose(alone_train, in_batch_train, atol=1e-3)

# %%
samples = trainer.sample_many(64)
fig, ax = plt.subplots(figsize=(6, 6))
show_images(ax, samples, 8, f"64 samples after {config.steps} steps (eval mode)")
plt.show()

# %% [markdown]
# Is it learning? The evaluator of lesson 14 (a small classifier trained on Fashion-MNIST with
# minigan) gives the Fréchet distance to real images: lower is better. The trained generator must beat
# the untrained one by a wide margin.

# %%
from minigan.gan.evaluator import load_evaluator
evaluator = load_evaluator("fashion-mnist")
n = 500 if FAST else 1000
real_features, _ = evaluator.features_and_probabilities(data.images[:n])
fd = {}
for name, images in (("untrained", np.concatenate([untrained] * (n // len(untrained) + 1))[:n]),
                     ("trained", trainer.sample_many(n))):
    features, _ = evaluator.features_and_probabilities(images)
    fd[name] = gan.frechet_distance_from_features(real_features, features)
print({k: round(v, 1) for k, v in fd.items()})
assert fd["trained"] < (1.0 if FAST else 0.5) * fd["untrained"]

# %% [markdown]
# ## 6. Walking the latent space
#
# Take two codes $z_0, z_1$ and generate along the straight line between them,
# $z_t = (1-t)\,z_0 + t\,z_1$. If $G$ has learned a smooth map, the images change gradually — one garment
# morphs into another — rather than jumping. (Since $z$ is Gaussian in 64 dimensions, points near the
# middle of the line have a smaller norm than typical codes; spherical interpolation avoids that —
# try it below.)

# %%
ts = np.linspace(0, 1, 10)
rows = []
for pair in range(3):
    z0, z1 = mg.randn(1, config.latent_dim), mg.randn(1, config.latent_dim)
    line = mg.tensor(np.concatenate([(1 - t) * z0.numpy() + t * z1.numpy() for t in ts]))
    images = trainer.sample(line)
    assert np.allclose(images[0], trainer.sample(z0)[0], atol=1e-5) and np.allclose(images[-1], trainer.sample(z1)[0], atol=1e-5)
    rows.append(images)
fig, ax = plt.subplots(figsize=(12, 4))
show_images(ax, np.concatenate(rows), 10, "three straight lines in latent space, t = 0 … 1 left to right")
plt.show()
steps_between = [np.abs(r[1:] - r[:-1]).mean() for r in rows]
print("mean pixel change per step of t:", np.round(steps_between, 3))

# %% [markdown]
# **Try this.**
# 1. Set `DATASET = "mnist"` and re-run (downloads 11 MB once). Do digits appear faster than clothes?
# 2. Replace the straight line by spherical interpolation,
#    $z_t = \frac{\sin((1-t)\Omega)}{\sin\Omega} z_0 + \frac{\sin(t\Omega)}{\sin\Omega} z_1$ with $\cos\Omega = \frac{z_0\cdot z_1}{|z_0||z_1|}$.
# 3. Train for the full default (`python -m minigan train`, about 3 minutes on two cores) and look at
#    `runs/dcgan-sample/training.gif`.
# 4. More than one machine: [this loop on PyTorch's DDP](../README.md#when-one-machine-is-not-enough).
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# No new exercise: a DCGAN is exercises 6–8 (**`ex_im2col`**, **`ex_col2im`**, **`ex_batchnorm`**, lesson 3)
# stacked; exercise 7's stride-2 cases are DCGAN's downsampling step.
