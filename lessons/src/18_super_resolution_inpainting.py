# %% [markdown]
# # Lesson 18 — Super-resolution and inpainting: the perception–distortion trade-off
#
# Two more uses of GANs where the input is an image, and the output must contain what the input
# lost:
#
# * **super-resolution**: a 7×7 image → 28×28, four times the resolution (SRGAN, Ledig et al. 2017);
# * **inpainting**: an image with its centre hidden → the whole image (the context encoder,
#   Pathak et al. 2016).
#
# Both have a right answer, so both can be trained with a pixel loss alone — and both show, in
# numbers, what lesson 16's short runs could not: the adversary makes the outputs **look** more real
# while moving them **further** from the truth. Blau and Michaeli (2018) proved that this is not a failure of
# training but a law: beyond a point, no method can be both more faithful and more realistic. This
# lesson measures that trade-off and plots it.
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
from minigan import nn, functional as F
from minigan.datasets.translation import centre_mask, load_task
from minigan.gan.evaluator import load_evaluator
from minigan.gan.plots import show_images
from minigan.gan.recipes import build, default_config, make_trainer
from minigan.gan.run_metrics import translation_metrics

RESULTS = Path(mg.__file__).resolve().parent.parent / "benchmarks" / "results"

evaluator = load_evaluator("fashion-mnist")
n_eval = 500 if FAST else 2000
fmt = lambda m: f"PSNR {m['psnr']:5.2f} dB   FD {m['fd']:6.1f}   sharpness {m['sharpness']:.2f}   accuracy {m['accuracy']:.3f}"
steps_sr = 30 if FAST else 250
steps_inpaint = 40 if FAST else 1000

# %% [markdown]
# ## 1. Four times the resolution
#
# The low-resolution image is the 28×28 one averaged over 4×4 blocks (`downsample`): 49 numbers
# for 784. The classic answer is interpolation; **bicubic** fits a cubic through four neighbours
# along each axis (`F.interpolate(..., mode="bicubic")`, PyTorch's kernel with $a = -0.75$).

# %%
sr_held = load_task("low-res", "held-out")
low = mg.tensor(sr_held.inputs[:n_eval])
def measure_sr(outputs):
    return translation_metrics(evaluator, outputs[:n_eval], sr_held, "srgan")
upsampled = {mode: np.clip(F.interpolate(low, scale_factor=4, mode=mode).numpy(), -1, 1)
             for mode in ("nearest", "bilinear", "bicubic")}
sr = {mode: measure_sr(images) for mode, images in upsampled.items()}
for mode, m in sr.items():
    print(f"{mode:9s}", fmt(m))
fig, ax = plt.subplots(figsize=(7.5, 3))
show_images(ax, np.concatenate([upsampled["nearest"][:10], upsampled["bicubic"][:10], sr_held.targets[:10]]), 10,
            "7x7 -> 28x28: the low-resolution input (pixels repeated) | bicubic | target", ["input", "bicubic", "target"])
plt.show()
assert sr["bicubic"]["psnr"] > sr["bilinear"]["psnr"] > sr["nearest"]["psnr"]
assert sr["bicubic"]["sharpness"] < 0.2   # smooth everywhere: the edges are gone

# %% [markdown]
# ## 2. SRResNet, and PixelShuffle
#
# SRGAN's generator (`SRResNet28`) does its thinking at low resolution: residual blocks on the 7×7
# maps, then two **sub-pixel convolutions** — a convolution to 4× the channels followed by
# `PixelShuffle(2)`, which turns each group of 4 channels into a 2×2 block of pixels (exercise 24):
# 7 → 14 → 28. Every output pixel is computed, none is interpolated, and there is no transposed
# convolution to leave a checkerboard.

# %%
x = mg.arange(8.0).reshape(1, 8, 1, 1)          # 8 channels of one pixel
print("8 channels of one pixel -> PixelShuffle(2) -> 2 channels of 2x2:\n", nn.PixelShuffle(2)(x).numpy()[0])
assert nn.PixelShuffle(2)(x).numpy()[0].tolist() == [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]
config_pixel = default_config("srgan", adv_weight=0.0, steps=steps_sr, sample_every=0, checkpoint_every=0)
run_pixel = build(config_pixel)
print(run_pixel.G)

# %% [markdown]
# Trained with the pixel loss alone, $\mathbb E\lVert y - G(x)\rVert^2$, the network is what the paper
# calls **SRResNet**:

# %%
trainer_pixel = make_trainer(run_pixel, config_pixel)
trainer_pixel.fit(progress=False)
srresnet_out = trainer_pixel.sample_many(n_eval)
sr["SRResNet"] = measure_sr(srresnet_out)
print(f"{steps_sr} steps ({trainer_pixel.elapsed:.0f} s)  SRResNet", fmt(sr["SRResNet"]))
assert FAST or sr["SRResNet"]["psnr"] > sr["bicubic"]["psnr"]   # learned beats interpolated (fast mode: 30 steps, a smoke test)

# %% [markdown]
# ## 3. Why a pixel loss blurs: the posterior mean
#
# Many 28×28 garments average to the same 7×7 image. The output that minimises the expected squared
# error is their **mean**, $\mathbb E[y \mid x]$ — the minimum-mean-squared-error (MMSE) estimate. A
# mean of sharp images with edges in slightly different places is a blurred image. A tiny example
# makes the price of realism exact: a pixel is $-1$ or $+1$ with equal probability, and the input
# cannot tell which.

# %%
rng = np.random.default_rng(0)
truth = rng.choice([-1.0, 1.0], size=100_000)
mean_guess = np.zeros_like(truth)                          # the MMSE estimate: always 0
sampled_guess = rng.choice([-1.0, 1.0], size=truth.size)   # a "realistic" answer: a draw from p(y | x)
mse_mean, mse_sample = np.mean((truth - mean_guess) ** 2), np.mean((truth - sampled_guess) ** 2)
print(f"MSE of the mean: {mse_mean:.3f} (its outputs: always 0, a value real pixels never take)")
print(f"MSE of a sample: {mse_sample:.3f} (its outputs: -1 and +1, exactly as real pixels)")
assert abs(mse_mean - 1) < 1e-12 and abs(mse_sample - 2) < 0.02

# %% [markdown]
# The sample has the right *distribution* — perfect realism — and **twice** the error: for any
# input, a draw from the posterior has $\mathbb E\lVert y - \hat y\rVert^2 = 2\,\mathrm{MMSE}$. An
# adversary pushes $G$ from the mean towards draws: realism up, PSNR down.
#
# ## 4. SRGAN
#
# SRGAN adds the adversarial term, $\ell = \ell_{MSE} + 10^{-3}\,\ell_{adv}$ in the paper (minigan's
# default weight is $10^{-2}$: at 28×28 and a few thousand steps $10^{-3}$ barely moves G). Its
# discriminator is a stack of 3×3 convolutions, stride 1 and 2 in turn, and a dense head. The paper
# also replaces the pixel loss by distances between VGG features; minigan offers the same with its
# evaluator's convolutions (`feature_weight`), but the measurements here leave it off: the evaluator
# also computes FD, and a model trained on its features would be judged by the network it was
# trained to please.

# %%
config_gan = default_config("srgan", steps=steps_sr, sample_every=0, checkpoint_every=0)
run_gan = build(config_gan)
trainer_gan = make_trainer(run_gan, config_gan)
trainer_gan.fit(progress=False)
srgan_out = trainer_gan.sample_many(n_eval)
sr["SRGAN"] = measure_sr(srgan_out)
print(f"{steps_sr} steps ({trainer_gan.elapsed:.0f} s)")
for name in ("bicubic", "SRResNet", "SRGAN"):
    print(f"{name:9s}", fmt(sr[name]))
fig, ax = plt.subplots(figsize=(7.5, 4.3))
show_images(ax, np.concatenate([upsampled["nearest"][:10], upsampled["bicubic"][:10], srresnet_out[:10], srgan_out[:10],
                                sr_held.targets[:10]]), 10, "input | bicubic | SRResNet | SRGAN | target",
            ["input", "bicubic", "SRResNet", "SRGAN", "target"])
plt.show()
if not FAST:
    assert sr["SRGAN"]["sharpness"] > sr["SRResNet"]["sharpness"]
    assert sr["SRGAN"]["psnr"] < sr["SRResNet"]["psnr"]     # further from the truth ...
    assert sr["SRGAN"]["fd"] < sr["SRResNet"]["fd"]         # ... and more realistic

# %% [markdown]
# ## 5. Inpainting with a context encoder
#
# Now hide the centre 14×14 square (a quarter of the image; the hidden pixels are set to 0,
# mid-grey). The context encoder (`ContextEncoder28`) encodes what is left down to a 1×1
# bottleneck — the paper's channel-wise fully connected layer, which lets every output pixel depend
# on the whole context — and decodes **only the missing centre**; its discriminator judges centres
# alone. Loss: $\lambda_{rec}\lVert \hat M \odot (x - G(x'))\rVert^2 + \lambda_{adv}\,\ell_{adv}$,
# with $\lambda_{adv} = 0.001$ in the paper (minigan: 0.01). Reconstruction alone again gives the
# mean of all plausible centres.

# %%
in_held = load_task("masked", "held-out")
mask = centre_mask()
def measure_inpaint(outputs):
    return translation_metrics(evaluator, outputs[:n_eval], in_held, "inpaint")
inpaint = {"grey hole": measure_inpaint(in_held.inputs)}
outputs = {}
for name, adv in (("reconstruction only", 0.0), ("context encoder", None)):
    overrides = dict(steps=steps_inpaint, sample_every=0, checkpoint_every=0)
    if adv is not None:
        overrides["adv_weight"] = adv
    config = default_config("inpaint", **overrides)
    trainer = make_trainer(build(config), config)
    trainer.fit(progress=False)
    outputs[name] = trainer.sample_many(n_eval)        # the input, its centre filled in by G
    inpaint[name] = measure_inpaint(outputs[name])
    print(f"{steps_inpaint} steps ({trainer.elapsed:.0f} s)")
for name, m in inpaint.items():
    print(f"{name:20s}", fmt(m), "(PSNR on the centre)")
fig, ax = plt.subplots(figsize=(7.5, 3.6))
show_images(ax, np.concatenate([in_held.inputs[:10], outputs["reconstruction only"][:10], outputs["context encoder"][:10],
                                in_held.targets[:10]]), 10, "input | reconstruction only | context encoder | target",
            ["input", "L2", "L2 + adv", "target"])
plt.show()
np.testing.assert_array_equal(outputs["context encoder"][:, 0][:, ~mask], in_held.inputs[:n_eval, 0][:, ~mask])
if not FAST:
    assert inpaint["context encoder"]["sharpness"] > inpaint["reconstruction only"]["sharpness"]
    assert inpaint["context encoder"]["psnr"] < inpaint["reconstruction only"]["psnr"]
    assert inpaint["context encoder"]["fd"] < inpaint["reconstruction only"]["fd"]

# %% [markdown]
# ## 6. The trade-off, measured
#
# `experiments/image_to_image.py srgan --steps 250` and `... inpaint --steps 1000` train each
# method exactly as above (the command line's defaults are 2,000 and 3,000 steps) for seeds 0, 1
# and 2, and measure all 2,000 held-out images; seed 0 is the run above. Plot distortion (PSNR,
# further right is closer to the truth) against perception (FD, further down is more realistic):

# %%
curves = {}
for task in ("srgan", "inpaint"):
    results = json.loads((RESULTS / f"image_to_image_{task}.json").read_text())
    groups = {}
    for r in results["rows"]:
        groups.setdefault(r["variant"], []).append(r)
    curves[task] = {name: (np.mean([r["psnr"] for r in rs]), np.mean([r["fd"] for r in rs]),
                           np.std([r["psnr"] for r in rs]), np.std([r["fd"] for r in rs]), len(rs))
                    for name, rs in groups.items()}
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, (task, points) in zip(axes, curves.items()):
    for name, (psnr, fd, psnr_sd, fd_sd, n) in points.items():
        ax.errorbar(psnr, fd, xerr=psnr_sd, yerr=fd_sd, fmt="o", capsize=3)
        ax.annotate(name, (psnr, fd), textcoords="offset points", xytext=(5, 5), fontsize=8)
    ax.set_yscale("log"); ax.set_xlabel("PSNR (dB): closer to the truth ->"); ax.set_ylabel("FD: <- more realistic")
    ax.set_title({"srgan": "super-resolution 7x7 -> 28x28", "inpaint": "inpainting the centre"}[task])
plt.tight_layout(); plt.show()
for task, points in curves.items():
    print(task)
    for name, (psnr, fd, psnr_sd, fd_sd, n) in points.items():
        print(f"  {name:38s} PSNR {psnr:6.2f} ± {psnr_sd:.2f} dB   FD {fd:7.1f} ± {fd_sd:.1f}   ({n} run{'s' * (n > 1)})")
sr_points, in_points = curves["srgan"], curves["inpaint"]
pixel_sr, gan_sr = sr_points["SRResNet (pixel loss only)"], sr_points["SRGAN (pixel + adversarial)"]
pixel_in, gan_in = in_points["reconstruction only (L2)"], in_points["context encoder (L2 + adversarial)"]
for pixel, gan in ((pixel_sr, gan_sr), (pixel_in, gan_in)):
    assert gan[0] < pixel[0]      # the GAN loses PSNR ...
    assert gan[1] < pixel[1]      # ... and wins FD
assert pixel_sr[0] == max(p[0] for p in sr_points.values())   # no method is closer to the truth than MSE's
assert pixel_in[0] == max(p[0] for p in in_points.values())
if not FAST:   # seed 0 of the table is the run above
    seed0 = lambda results, name: next(r for r in results if r["variant"] == name and r["seed"] == 0)
    sr_rows = json.loads((RESULTS / "image_to_image_srgan.json").read_text())["rows"]
    in_rows = json.loads((RESULTS / "image_to_image_inpaint.json").read_text())["rows"]
    assert np.isclose(seed0(sr_rows, "SRGAN (pixel + adversarial)")["fd"], sr["SRGAN"]["fd"])
    assert np.isclose(seed0(sr_rows, "SRResNet (pixel loss only)")["psnr"], sr["SRResNet"]["psnr"])
    assert np.isclose(seed0(in_rows, "context encoder (L2 + adversarial)")["fd"], inpaint["context encoder"]["fd"])
    assert np.isclose(seed0(in_rows, "reconstruction only (L2)")["psnr"], inpaint["reconstruction only"]["psnr"])
# seed by seed: the adversary always costs PSNR; does it always win FD?
pairs = {"srgan": ("SRGAN (pixel + adversarial)", "SRResNet (pixel loss only)"),
         "inpaint": ("context encoder (L2 + adversarial)", "reconstruction only (L2)")}
for task, (gan_name, pixel_name) in pairs.items():
    rows = json.loads((RESULTS / f"image_to_image_{task}.json").read_text())["rows"]
    gan_rows = [r for r in rows if r["variant"] == gan_name]        # seeds 0, 1, 2 in order
    pixel_rows = [r for r in rows if r["variant"] == pixel_name]
    psnr_lost = [g["psnr"] < p["psnr"] for g, p in zip(gan_rows, pixel_rows)]
    fd_won = [g["fd"] < p["fd"] for g, p in zip(gan_rows, pixel_rows)]
    print(f"{task}: FD per seed, GAN against pixel loss:",
          ", ".join(f"{g['fd']:.1f} vs {p['fd']:.1f}" for g, p in zip(gan_rows, pixel_rows)))
    assert all(psnr_lost)
    assert sum(fd_won) == {"inpaint": 3, "srgan": 2}[task]           # SRGAN: two seeds of three

# %% [markdown]
# Each task draws the same picture: the pixel loss sits furthest right (best PSNR) and high (poor
# FD); adding the adversary moves the point left and down — on average. Seed by seed, the adversary
# costs PSNR every time and the context encoder wins FD every time, but SRGAN's FD scatters widely
# after 250 steps, and on one seed of three it is slightly worse than SRResNet's: a short run's gain
# in realism is not yet reliable. Blau and Michaeli (2018) proved that the trade-off is no accident
# of our models: the best realism reachable at a given distortion improves as more
# distortion is allowed, so no method can be best at both. (The third try-this below traces more of
# that frontier by varying the adversary's weight.) Which point to choose depends on the
# use: a measurement (medical, scientific) wants the truth on average — the pixel loss; a picture for
# people to look at wants realism — the GAN, knowing that its fine detail is invented.
#
# **Try this.**
# 1. Train `--model srgan --feature-weight 1` (the evaluator's features as the paper's VGG loss).
#    Where does it land on the plot — and why should you not trust its FD?
# 2. Inpaint with the hole at a random place instead of the centre (write the task: `centre_mask`
#    is one line). Does the context encoder still fill it?
# 3. Trace more of the frontier: `python experiments/image_to_image.py srgan --steps 250 --curve`
#    adds the adversarial weights 0.003 and 0.03. Do the points line up?
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_pixel_shuffle`** (exercise 24): PixelShuffle, SRGAN's upsampling — hint: split the channels
#   as $(C, r, r)$ and move the $r$'s next to $H$ and $W$: `transpose(0, 1, 4, 2, 5, 3)`.
