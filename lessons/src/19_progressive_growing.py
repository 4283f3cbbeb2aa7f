# %% [markdown]
# # Lesson 19 — Growing a GAN
#
# The primers name **Progressive GAN** (Karras et al., 2018) as a remedy for unstable training: instead
# of asking G and D to learn everything about 28 × 28 images at once, train them first on tiny images,
# where only the coarse shape matters, and add a layer of detail at a time:
#
# $$7\times 7 \;\longrightarrow\; 14\times 14 \;\longrightarrow\; 28\times 28 .$$
#
# Each new block is **faded in**: its output is blended with the old, upsampled output by a weight
# $\alpha$ that rises from 0 to 1. The paper adds four **stabilisers** — pixel-wise feature
# normalisation, the minibatch standard deviation, the equalized learning rate, and WGAN-GP with an
# $\epsilon$-drift term — and this lesson builds each one, checks what it does, grows a GAN live, and
# reads what growing is worth from a measured study (3 seeds, equal CPU time).
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
from minigan import nn, optim, gan
from minigan.datasets import load_dataset
from minigan.gan.models.progan import (ProGenerator, ProDiscriminator, PixelNorm, EqualizedConv2d,
                                       conv, fade_in, he_constant)
from minigan.gan.progressive import schedule, real_at
from minigan.gan.recipes import build, default_config, make_trainer

from minigan.gan.plots import show_images    # a batch of images as one grid: -1 black, 1 white

data = load_dataset("sample")

# %% [markdown]
# ## 1. The schedule: stages and the fade-in
#
# Training is cut into stages. Stage $s$ starts at step $s \cdot g$ (`grow_every`, 600 steps by
# default); during its first $f$ steps (`fade_steps`, 300) the new block's weight $\alpha$ rises
# linearly from 0 to 1, then it trains alone. The schedule is a function of the step and nothing else —
# which is what lets a run stopped anywhere resume exactly (section 6).

# %%
config = default_config("progan", "sample")
print(f"grow_every={config.grow_every}, fade_steps={config.fade_steps}, steps={config.steps}")
steps = np.arange(config.steps)
stage, alpha = map(np.array, zip(*[schedule(int(t), config.grow_every, config.fade_steps) for t in steps]))
fig, ax = plt.subplots(figsize=(8, 2.6))
ax.plot(steps, stage, label="stage (0: 7×7, 1: 14×14, 2: 28×28)"); ax.plot(steps, alpha, label="α of the newest block")
ax.set_xlabel("step"); ax.legend(fontsize=8); plt.show()
assert schedule(599, 600, 300) == (0, 1.0) and schedule(600, 600, 300) == (1, 0.0)
assert schedule(750, 600, 300) == (1, 0.5) and schedule(900, 600, 300) == (1, 1.0)
assert stage[-1] == 2 and alpha[-1] == 1.0

# %% [markdown]
# ## 2. Growing G, and the fade-in
#
# `ProGenerator` holds every stage's block from the start; its buffer `stage` says how many it uses.
# At stage 1 it computes the 7 × 7 image the old way, and the new block's 14 × 14 image, and blends
#
# $$x = \operatorname{lerp}\big(\operatorname{upsample}(\text{toRGB}_0(h)),\ \text{toRGB}_1(\text{block}_1(h)),\ \alpha\big) = (1-\alpha)\,\text{old} + \alpha\,\text{new}.$$
#
# At $\alpha = 0$ the grown network computes *exactly* what the small one did (every pixel repeated
# 2 × 2): adding the block cannot disturb what was learned. `G.grow()` returns the new parameters,
# for the optimizer (section 5).

# %%
G = ProGenerator(latent_dim=64, width=8)
z = mg.randn(1, 64)
with mg.no_grad():
    small = G(z).numpy()
    new_parameters = G.grow()
    print(f"stage {int(G.stage.item())}: {sum(p.numel() for p in new_parameters):,} new parameters")
    faded = []
    for a in (0.0, 0.25, 0.5, 0.75, 1.0):
        G.alpha.fill_(a)
        faded.append(G(z).numpy())
assert small.shape == (1, 1, 7, 7) and faded[0].shape == (1, 1, 14, 14)
assert np.allclose(faded[0], small.repeat(2, axis=2).repeat(2, axis=3), atol=1e-6)   # α = 0: the old image
fig, axes = plt.subplots(1, 6, figsize=(11, 2.2))
show_images(axes[0], small, 1, "stage 0 (7×7)", fontsize=9)
for ax, a, image in zip(axes[1:], (0.0, 0.25, 0.5, 0.75, 1.0), faded):
    show_images(ax, image, 1, f"stage 1, α = {a}", fontsize=9)
plt.show()

# %% [markdown]
# (An untrained G's images are noise; what matters is that the first one and the second are the same
# picture.) D grows the mirror way: a new **fromRGB** and block *in front* of the old ones, blended with
# the old fromRGB of the average-pooled image. The real images go through the same fade: D sees real
# images at the stage's resolution, and during a fade-in, `lerp(upsample(pool(x)), x, α)` — exactly
# what G's fade-in produces — so D cannot tell real from fake by the blur alone.

# %%
x = mg.tensor(data.images[1:2])
views = [real_at(x, 0, 1.0), real_at(x, 1, 0.0), real_at(x, 1, 0.5), real_at(x, 1, 1.0), real_at(x, 2, 1.0)]
fig, axes = plt.subplots(1, 5, figsize=(9, 2.2))
for ax, v, title in zip(axes, views, ("stage 0", "stage 1, α = 0", "stage 1, α = 0.5", "stage 1, α = 1", "stage 2")):
    show_images(ax, v.numpy(), 1, title, fontsize=9)
plt.show()
assert views[0].shape == (1, 1, 7, 7) and views[4].shape == (1, 1, 28, 28)
assert np.allclose(views[1].numpy(), views[0].numpy().repeat(2, axis=2).repeat(2, axis=3), atol=1e-6)

# %% [markdown]
# ## 3. Pixel-wise feature normalisation
#
# Without BatchNorm, nothing stops G and D from escalating each other's signal magnitudes. After every
# convolution of G, the paper divides each pixel's feature vector by its root mean square:
#
# $$b_{x,y} = a_{x,y} \Big/ \sqrt{\tfrac{1}{C}\textstyle\sum_{j} (a^j_{x,y})^2 + \epsilon}.$$
#
# No learned parameter, and unlike BatchNorm no other sample is involved (one image's output does not
# depend on the batch it came in). Exercise 26 writes it.

# %%
a = mg.randn(4, 16, 7, 7) * 50
b = PixelNorm()(a).numpy()
rms = np.sqrt((b ** 2).mean(axis=1))
print(f"input RMS per pixel ≈ {np.sqrt((a.numpy() ** 2).mean(axis=1)).mean():.0f}; after PixelNorm: {rms.min():.6f} … {rms.max():.6f}")
assert np.allclose(rms, 1, atol=1e-5)
assert np.allclose(PixelNorm()(a[:1]).numpy(), b[:1], atol=1e-6)     # a sample alone: the same output

# %% [markdown]
# ## 4. The equalized learning rate
#
# Adam divides each gradient by its running RMS, so every weight moves by about the learning rate per
# step, whatever its layer. A layer initialised at He's scale $c = \sqrt{2/\text{fan\_in}}$ has weights
# of size $c$: one step changes a wide layer (small $c$) *relatively* much more than a narrow one. The
# paper stores every weight at $\mathcal N(0, 1)$ and multiplies by $c$ **at run time**: the function
# is the same, but now one step moves every layer's effective weights by $\text{lr} \cdot c$ — the same
# relative change everywhere. We measure one Adam step on a narrow (fan-in 8) and a wide (fan-in 800)
# 1 × 1 convolution, both ways. Exercise 27 writes the layer.

# %%
lr, relative = 1e-3, {}
for fan_in in (8, 800):
    for equalized in (True, False):
        layer = conv(fan_in, 4, 1, equalized)        # EqualizedConv2d, or nn.Conv2d with He's init
        opt = optim.Adam(layer.parameters(), lr=lr)
        scale = layer.scale if equalized else 1.0
        before = layer.weight.detach().numpy() * scale
        (layer(mg.randn(2, fan_in, 3, 3)) ** 2).sum().backward()
        opt.step()
        change = np.abs(layer.weight.detach().numpy() * scale - before).mean()
        relative[fan_in, equalized] = change / he_constant(fan_in)
for (fan_in, equalized), r in relative.items():
    print(f"fan-in {fan_in:3d}, {'equalized' if equalized else 'He init  '}: relative change {r:.2e}")
assert abs(relative[8, True] / relative[800, True] - 1) < 0.05        # equalized: the same speed
assert abs(relative[800, False] / relative[8, False] - 10) < 0.5      # plain: the wide layer 10x faster

# %% [markdown]
# ## 5. Growing during training
#
# `python -m minigan train --model progan` uses the paper's recipe, sized for two cores: WGAN-GP with
# one critic step per G step, Adam($10^{-3}$, $\beta = (0, 0.99)$), the $\epsilon$-drift term
# $0.001\,\mathbb E[D(x)^2]$ in D's loss (it keeps the critic's scores near 0: a Wasserstein loss only
# sees their differences, lesson 12), and the minibatch standard deviation in D's last block (lesson 9).
#
# The `ProgressiveTrainer` follows the schedule before every step. When a stage begins, it calls
# `grow()` on G and D and hands the new parameters to each optimizer with `add_param_group`: they start
# with **fresh Adam state**, while the old blocks keep theirs. We grow a small run live (shorter stages
# than the default) and watch the fixed noise across the stages.

# %%
grow_every, fade = (10, 5) if FAST else (120, 60)
live = default_config("progan", "sample", steps=3 * grow_every + (0 if FAST else 120), grow_every=grow_every,
                      fade_steps=fade, sample_every=fade // 2 if FAST else 15, num_fixed=8)
run = build(live)
trainer = make_trainer(run, live)
print(type(trainer).__name__, "| optimizer groups at the start:", len(trainer.opt_g.param_groups))
history = trainer.fit(progress=not FAST)
print(f"{len(history)} steps in {trainer.elapsed:.0f} s; groups now: G {len(trainer.opt_g.param_groups)}, "
      f"D {len(trainer.opt_d.param_groups)}")
first_param = {s: trainer.G.stage_parameters(s)[0] for s in range(3)}
adam_steps = {s: trainer.opt_g.state[p]["step"] for s, p in first_param.items()}
print("Adam's step count of each stage's first parameter:", adam_steps)
assert len(trainer.opt_g.param_groups) == len(trainer.opt_d.param_groups) == 3
assert adam_steps == {0: live.steps, 1: live.steps - grow_every, 2: live.steps - 2 * grow_every}
assert [r["stage"] for r in history][grow_every - 1:grow_every + 1] == [0, 1]

# %% [markdown]
# Each snapshot below is the same eight codes $z$ (shown at 28 × 28, pixels repeated), at the step
# written above it: first 7 × 7 blocks of grey, then, through each fade-in, the finer layer of detail
# appearing on the same garment.

# %%
frames, frame_steps = trainer.frames, trainer.frame_steps
wanted = [0, grow_every - 1, grow_every + fade // 2, 2 * grow_every - 1, 2 * grow_every + fade // 2, live.steps]
picks = [int(np.argmin(np.abs(np.array(frame_steps) - t))) for t in wanted]
fig, axes = plt.subplots(len(picks), 1, figsize=(8, 1.3 * len(picks)))
for ax, i in zip(axes, picks):
    s, a = schedule(max(frame_steps[i] - 1, 0), grow_every, fade)
    show_images(ax, frames[i].astype(np.float32) / 127.5 - 1, 8, f"step {frame_steps[i]}: stage {s}, α = {a:.2f}", fontsize=9)
plt.show()
assert len({f.shape for f in frames}) == 1                     # every snapshot at 28x28
late = np.array([r["d_real"] for r in history[-50:]])
print(f"last 50 steps: mean critic score on real images {late.mean():.2f} (the drift term keeps it small)")
assert np.abs(late).mean() < 50

# %% [markdown]
# ## 6. A checkpoint in the middle of a fade-in
#
# Because the stage and $\alpha$ are functions of the step, a checkpoint needs nothing extra: the trainer
# restores the models and the optimizers, grows them back to the checkpoint's stage (so that the
# parameter groups match), and the next step recomputes $\alpha$. A tiny run stopped half-way through a
# fade-in and resumed gives the same weights, bit for bit, as the run that never stopped.

# %%
def tiny(out=None, seed=0):
    cfg = default_config("progan", "sample", width=2, latent_dim=8, batch_size=4, steps=14, grow_every=4,
                         fade_steps=4, sample_every=0, checkpoint_every=0, num_fixed=4, seed=seed)
    mg.manual_seed(1)
    return make_trainer(build(cfg, dataset=load_dataset("sample", n=64)), cfg, out_dir=out)

straight = tiny(); straight.fit(progress=False)
first = tiny(Path(WORK) / "fade"); first.fit(steps=10, progress=False); first.save_checkpoint()
print(f"stopped at step {first.step}: stage {first.stage}, α = {first.G.alpha.item()}")
resumed = tiny(Path(WORK) / "fade", seed=99)
resumed.load_checkpoint(Path(WORK) / "fade" / "checkpoint.npz"); resumed.fit(progress=False)
same = all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(straight.G.state_dict().values(), resumed.G.state_dict().values()))
print("resumed run identical to the uninterrupted one:", same)
assert first.G.alpha.item() == 0.25 and same

# %% [markdown]
# ## 7. What growing is worth (measured)
#
# `experiments/progressive_growing.py` trains the default network for the **same CPU time** (the
# results file says how much: a short budget, taken on a shared machine), three seeds each, grown
# progressively (here with 100-step stages, 50 of them fading in) or trained at 28 × 28 from the first
# step (the same final architecture and initial weights: `grow_every=0`). Then 2,500 samples of each are
# scored (lesson 14). The same script takes each stabiliser out in turn (`--variant "without pixel
# norm"` and so on), at the same budget: the last four rows, read in section 8.

# %%
results = json.loads((RESULTS / "progressive_growing.json").read_text())
rows, summary = results["runs"], results["summary"]
print(f"budget: {rows[0]['budget_cpu_seconds']:.0f} s of CPU time per run")
print(f"{'variant':32s} {'FD':>14s} {'precision':>10s} {'recall':>8s} {'steps':>7s}")
fd = {}
for variant, s in summary.items():
    fd[variant] = np.array([r["fd"] for r in rows if r["variant"] == variant])
    print(f"{variant:32s} {fd[variant].mean():7.1f} ± {fd[variant].std(ddof=1):4.1f} {s['precision']:10.3f} {s['recall']:8.3f} {s['steps']:7.0f}")
samples = np.load(RESULTS / "progressive_growing_samples.npz")
names = list(summary)
fig, axes = plt.subplots(2, 3, figsize=(7.8, 5.6))
for ax in axes.flat[len(names):]:
    ax.axis("off")
for ax, name in zip(axes.flat, names):
    show_images(ax, samples[f"v{list(results['variants']).index(name)}"][:16].astype(np.float32) / 127.5 - 1, 4, name, fontsize=9)
plt.show()
assert all(len(fd[v]) >= 3 for v in names)
assert all(abs(r["cpu_seconds"] - r["budget_cpu_seconds"]) < 0.05 * r["budget_cpu_seconds"] + 1 for r in rows)
grown, full = "progressive", "full resolution from the start"
steps_ratio = summary[grown]["steps"] / summary[full]["steps"]
print(f"in the same CPU time the growing network took {steps_ratio:.1f}x as many steps")
assert steps_ratio > 1.3                        # its early steps are cheap: small images
gap = fd[full].mean() - fd[grown].mean()
spread = max(fd[grown].std(ddof=1), fd[full].std(ddof=1))
print(f"FD: grown lower by {gap:.0f} on average; the seeds' spread is {spread:.0f}")
assert 0 < gap < spread                         # lower on average, but within the seeds' spread: no difference shown
assert all(f > 200 for f in np.concatenate([fd[grown], fd[full]]))   # and neither is good yet (lesson 10's DCGAN: about 60)

# %% [markdown]
# **Reading the table.** In the same CPU time the growing network took more steps — the steps at
# 7 × 7 and 14 × 14 are several times cheaper — and ended with a lower mean FD, but by less than the
# spread between seeds: with three seeds and so short a budget this is **no measured difference**, and
# both are far from a good generator (FD in the hundreds; lesson 10's DCGAN reaches about 60 in its
# default run). What the study does show is the mechanism the paper relies on: growing buys steps.
# Whether those steps buy quality needs a longer budget — `python experiments/progressive_growing.py
# --all --budget 240` runs the whole study six times longer — which is the honest next experiment,
# not a conclusion this lesson can draw.

# %% [markdown]
# ## 8. Each stabiliser taken out
#
# The same script, budget and schedule, three seeds each: the growing network with one of the paper's
# four stabilisers switched off (`pixel_norm=False`, `equalized_lr=False`, `minibatch_std=False`,
# `drift=0.0`; everything else, seeds included, as in the progressive row). For each, the
# question is whether FD moves by more than the seeds' spread.

# %%
stabilisers = [v for v in summary if v.startswith("without ")]
print(f"{'taken out':24s} {'FD':>14s} {'change':>8s} {'spread':>7s} {'steps':>6s}")
change, spread_of = {}, {}
for v in stabilisers:
    change[v] = fd[v].mean() - fd[grown].mean()                 # positive: worse without it
    spread_of[v] = max(fd[v].std(ddof=1), fd[grown].std(ddof=1))
    print(f"{v:24s} {fd[v].mean():7.1f} ± {fd[v].std(ddof=1):4.1f} {change[v]:+8.1f} {spread_of[v]:7.1f} {summary[v]['steps']:6.0f}")
assert len(stabilisers) == 4 and all(len(fd[v]) >= 3 for v in stabilisers)
no_eq = "without equalized lr"
within = [v for v in stabilisers if v != no_eq]
assert all(abs(change[v]) < spread_of[v] for v in within)     # three removals: within the seeds' spread
assert fd[no_eq].max() < fd[grown].min()                       # without equalized lr: lower FD on every seed,
assert -change[no_eq] > 2 * spread_of[no_eq]                   # by more than twice the spread
assert 0.2 < fd[no_eq].mean() / fd[grown].mean() < 0.4         # to about a third

# %% [markdown]
# **Reading the table.** Taking out pixel norm, the minibatch standard deviation or the drift term
# moved the mean FD by less than the seeds' spread: at this budget **no effect of those three is
# measured** — neither a benefit nor a harm. Taking out the equalized learning rate did the opposite of
# what the paper would lead one to expect: FD fell to about a third, on every seed, by more than twice
# the spread. Section 4 offers a reading (not measured here): with plain He-initialised weights, Adam's
# step of 1e-3 is a relative change of $\text{lr}/c$ per step instead of $\text{lr}$, so every layer
# learns several times faster, and in 40 s of CPU time speed is what counts. The paper's argument for
# the stabilisers is stability over long runs at high resolution, which a 40-second study cannot test:
# this table says what they cost or buy in the first few hundred steps at 28 × 28, nothing more.
#
# **Try this.**
# 1. Train the default from the command line: `python -m minigan train --model progan` (330 s of CPU time,
#    FD 133 at the end: see the README), then `python -m minigan sample --checkpoint runs/progan-sample/checkpoint.npz --walk --out walk.gif`.
# 2. Set `fade_steps=0`: the new block switches on at once. Watch the snapshots at the stage boundary.
# 3. Replace PixelNorm by BatchNorm in G (the DCGAN way). What changes in section 3's check?
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_pixel_norm`** (exercise 26): pixel-wise feature normalisation — hint: the mean over dimension 1.
# - **`ex_equalized_conv`** (exercise 27): the equalized-learning-rate convolution — hint: fan-in is
#   $C_\text{in} k^2$, and the scale multiplies the weight inside the graph.
# - **`ex_fade_in`** (exercise 29): the fade-in — hint: upsample the old image first; $\alpha$ weighs the new block.
