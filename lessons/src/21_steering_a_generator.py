# %% [markdown]
# # Lesson 21 — Steering a generator
#
# A trained generator is a map from a latent space to images. **Steering** it means choosing where in
# that space to go: walking between two points, moving along a direction that changes one attribute,
# or following a classifier's gradient toward a class. This lesson does all three with the generators
# of lesson 20 — the tiny StyleGAN and the DCGAN of the same size — and measures what each walk does:
#
# 1. interpolation: **linear vs spherical** in $z$, and **$w$ vs $z$** for the style-based G, with the
#    **perceptual path length** as the measure of smoothness;
# 2. **attribute directions** found from labelled samples, edits along them, and what else changes
#    (entanglement) in $z$ and in $w$;
# 3. **classifier-guided editing**: gradient ascent on the latent through our classifier, with
#    minigan's autograd.
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
from minigan.gan import steering
from minigan.gan.evaluator import load_evaluator
from minigan.gan.recipes import load_generator

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

from minigan.gan.plots import show_images    # a batch of images as one grid: -1 black, 1 white

weights = REPO / "data" / "weights"
style_G, _ = load_generator(weights / "stylegan-sample-seed0.npz")
dcgan_G, _ = load_generator(weights / "dcgan-w8-sample-seed0.npz")
style_G.eval(); dcgan_G.eval()
evaluator = load_evaluator("fashion-mnist")
z_style, w_style = steering.LatentSpace(style_G, "z"), steering.LatentSpace(style_G, "w")
z_dcgan = steering.LatentSpace(dcgan_G, "z")

# %% [markdown]
# ## 1. Linear or spherical?
#
# $z \sim \mathcal N(0, I_{64})$ lives near a sphere of radius $\sqrt{64} = 8$: almost no code is near
# the origin. The straight line between two codes cuts through the middle, where its norm drops to about
# $8/\sqrt 2$ — a region G never saw. **Spherical interpolation** (slerp) follows the great circle:
#
# $$\operatorname{slerp}(z_0, z_1; t) = \frac{\sin((1-t)\Omega)}{\sin\Omega} z_0 + \frac{\sin(t\Omega)}{\sin\Omega} z_1, \qquad \cos\Omega = \frac{z_0\cdot z_1}{|z_0||z_1|}.$$

# %%
rng = np.random.default_rng(0)
z0, z1 = rng.standard_normal((2, 64)).astype(np.float32)
ts = np.linspace(0, 1, 9)
lines = {"linear": steering.lerp(z0, z1, ts), "spherical": steering.slerp(z0, z1, ts)}
norms = {k: np.linalg.norm(v, axis=1) for k, v in lines.items()}
fig, axes = plt.subplots(1, 3, figsize=(14, 2.6), gridspec_kw={"width_ratios": [1, 2, 2]})
for k, v in norms.items():
    axes[0].plot(ts, v, "o-", label=k)
axes[0].set_xlabel("t"); axes[0].set_ylabel("|z|"); axes[0].legend(fontsize=8)
for ax, (k, v) in zip(axes[1:], lines.items()):
    show_images(ax, z_dcgan.images(v), 9, f"DCGAN, {k} in z", fontsize=9)
plt.show()
print(f"|z| at the middle: linear {norms['linear'][4]:.2f}, spherical {norms['spherical'][4]:.2f} (ends {norms['linear'][0]:.2f}, {norms['linear'][-1]:.2f})")
assert norms["spherical"][4] > 0.95 * min(norms["spherical"][0], norms["spherical"][-1])
assert norms["linear"][4] < 0.85 * min(norms["linear"][0], norms["linear"][-1])

# %% [markdown]
# ## 2. Smoothness: the perceptual path length
#
# How much does the image change for a small step along a walk? Karras et al. (2019) measure it as the
# **perceptual path length**: for random pairs and $t \sim U(0, 1)$,
#
# $$\mathrm{PPL} = \mathbb E\Big[\tfrac{1}{\epsilon^2}\, d\big(G(\ell(t)),\, G(\ell(t+\epsilon))\big)\Big],$$
#
# with $d$ a perceptual distance. Ours is the squared distance between our classifier's 128 features
# (lesson 14), $\epsilon = 0.01$; the 1 % smallest and largest values are dropped, as in the paper. A
# low PPL means no sudden jumps along the way. In $w$ the walk is linear (the mapping network does not
# make $w$ Gaussian, so there is no sphere to follow).

# %%
n = 200 if FAST else 1000
ppl = {}
for name, space, mode in (("DCGAN, z, linear", z_dcgan, "linear"), ("DCGAN, z, spherical", z_dcgan, "spherical"),
                          ("StyleGAN, z, linear", z_style, "linear"), ("StyleGAN, z, spherical", z_style, "spherical"),
                          ("StyleGAN, w, linear", w_style, "linear")):
    ppl[name] = steering.path_length(space, evaluator, mode, n=n)["mean"]
    print(f"{name:24s} PPL {ppl[name]:8.1f}")
a, b = rng.standard_normal((2, 64)).astype(np.float32)
wa, wb = w_style.to_w(np.stack([a, b]))
fig, axes = plt.subplots(2, 1, figsize=(10, 2.8))
show_images(axes[0], z_style.images(steering.slerp(a, b, ts)), 9, "StyleGAN: spherical in z", fontsize=9)
show_images(axes[1], w_style.images(steering.lerp(wa, wb, ts)), 9, "StyleGAN: linear in w (the same two endpoints)", fontsize=9)
plt.show()
assert ppl["StyleGAN, w, linear"] < 0.5 * min(ppl["StyleGAN, z, linear"], ppl["StyleGAN, z, spherical"])
for model in ("DCGAN", "StyleGAN"):
    assert abs(ppl[f"{model}, z, spherical"] / ppl[f"{model}, z, linear"] - 1) < 0.1   # slerp vs lerp: within 10 %

# %% [markdown]
# Walking in $w$ is the smoothest by far: its path length is less than half that of walking in $z$
# through the same generator, as the paper found. Spherical and linear walks in $z$ differ by less
# than 10 % here — the midpoint's shorter norm matters less than the sphere argument suggests, at least
# for these generators. (Comparing the DCGAN's PPL with StyleGAN's says less: a generator whose images
# are blurrier changes less per step whatever its latent space; PPL compares walks *within* one G.)

# %% [markdown]
# ## 3. A direction for one attribute
#
# Label 2,000 samples with an attribute — here two image statistics, **brightness** (the mean grey level
# of the garment) and **size** (the share of the image it covers) — and fit the attribute as a linear
# function of the latent; the fitted coefficients, normalised, are the direction along which it grows
# fastest. (InterFaceGAN does the same with a linear classifier's normal for yes/no attributes.)

# %%
count = 500 if FAST else 2000
edits = {}
for label, space in (("z", z_style), ("w", w_style)):
    latents = space.sample(count, seed=1)
    values = steering.attributes(space.images(latents), evaluator)
    for target in ("brightness", "size"):
        direction = steering.find_direction(latents, values[target])
        slope = np.polyfit((latents - latents.mean(0)) @ direction, values[target], 1)[0]
        edits[label, target] = (direction, values[target].std() / slope)   # the step for +1 std
base = w_style.sample(6, seed=7)
direction, unit = edits["w", "brightness"]
strip = np.concatenate([w_style.images(base + k * unit * direction) for k in (-2, -1, 0, 1, 2)])
fig, ax = plt.subplots(figsize=(6, 4))
show_images(ax, strip.reshape(5, 6, 1, 28, 28).transpose(1, 0, 2, 3, 4).reshape(30, 1, 28, 28), 5,
            "w + k · (1 std of brightness) · direction, k = -2 … 2", fontsize=9)
plt.show()

# %% [markdown]
# ## 4. What else changes: entanglement in z and in w
#
# Move 500 fresh samples by the step the fit predicts for +1 standard deviation of the target, then
# measure the target's actual change, the other attribute's mean absolute change (its **drift**), and
# how many samples change class. A perfectly disentangled space would move the target by 1 and nothing
# else. The StyleGAN paper argues that $w$, freed from having to follow a Gaussian, is less entangled
# than $z$.

# %%
effects = {}
for (label, target), (direction, amount) in edits.items():
    space = z_style if label == "z" else w_style
    fresh = space.sample(200 if FAST else 500, seed=2)
    effects[label, target] = steering.edit_effects(space, fresh, direction, amount, evaluator, target)
    e = effects[label, target]
    print(f"{label}, +1 std of {target:10s}: change {e['target_change']:5.2f} std, drift of the other "
          f"{e['drift']:5.2f} std, class changed {e['class_changed']:.0%}")
assert all(e["target_change"] > 0.3 for e in effects.values())     # each direction does raise its target
assert abs(effects["w", "brightness"]["drift"] - effects["z", "brightness"]["drift"]) < 0.1
assert effects["w", "size"]["drift"] > effects["z", "size"]["drift"]

# %% [markdown]
# Every direction raises its target by most of the predicted standard deviation, and every edit drags
# the other attribute along by more than half a standard deviation: brightness and size are entangled
# in both spaces. The paper's claim that $w$ is *less* entangled does **not** show here: a brightness
# edit drifts about as much in $w$ as in $z$, and a size edit drifts *more* in $w$. Our generator trained
# for a minute of CPU time; disentanglement is something training produces, and this one has not had
# enough of it (section 6 checks the three seeds).

# %% [markdown]
# ## 5. Classifier-guided editing
#
# The last kind of steering needs no labels: follow the gradient of a classifier. Through G and our
# classifier, with minigan's autograd, do gradient ascent on the latent to raise $\log p(\text{class}\mid
# G(\text{latent}))$, with a small pull back toward the start so that the edit stays near the original:
#
# $$\text{latent} \leftarrow \text{latent} + \eta\, \nabla\big(\log p(y\mid G(\text{latent})) - \lambda\,|\text{latent} - \text{latent}_0|^2\big).$$

# %%
start = w_style.sample(8, seed=11)
guided = steering.classifier_guided_edit(w_style, start, evaluator, target=1, steps=10 if FAST else 20, lr=0.1)
path = guided["latents"]
picks = np.linspace(0, len(path) - 1, 5).astype(int)
fig, axes = plt.subplots(1, 2, figsize=(12, 3.3), gridspec_kw={"width_ratios": [1.4, 1]})
frames = np.stack([w_style.images(path[i]) for i in picks])          # (5, 8, 1, 28, 28)
show_images(axes[0], frames.transpose(1, 0, 2, 3, 4).reshape(40, 1, 28, 28), 5, "toward 'Trouser': steps " + ", ".join(map(str, picks)), fontsize=9)
axes[1].plot(guided["probabilities"]); axes[1].set_xlabel("gradient step"); axes[1].set_ylabel("p(Trouser | G(w))")
plt.show()
before, after = guided["probabilities"][0], guided["probabilities"][-1]
print(f"p(Trouser): {before.mean():.2f} before, {after.mean():.2f} after; classified as trousers: "
      f"{(steering.attributes(frames[-1], evaluator)['class'] == 1).mean():.0%}")
assert after.mean() > before.mean() + 0.2

# %% [markdown]
# ## 6. Over three trained generators (measured)
#
# `experiments/steering.py` repeats sections 2, 4 and 5 on the three trained seeds of each generator
# (1,000 pairs for PPL, 2,000 labelled samples per direction, 500 fresh samples per edit, 100 guided
# edits toward "Trouser").

# %%
results = json.loads((RESULTS / "steering.json").read_text())
table = results["summary"]
for key in ("ppl_linear", "ppl_spherical", "brightness_change", "brightness_drift", "size_change", "size_drift",
            "guided_success"):
    print(f"{key:18s}", "  ".join(f"{group}: {v[key]:.2f}" if v.get(key) is not None else f"{group}: —"
                                    for group, v in table.items()))
assert len({r["seed"] for r in results["runs"]}) >= 3
sz, sw = table["stylegan, z"], table["stylegan, w"]
assert sw["ppl_linear"] < 0.5 * sz["ppl_linear"]                # w the smoother, on average over the seeds
assert sw["size_drift"] > sz["size_drift"]                      # but not the less entangled
assert sw["guided_success"] > sz["guided_success"] + 0.2        # and guidance works better in w
assert all(v["guided_success"] > 0.5 for v in table.values())   # most samples reach 'Trouser', on average, everywhere

# %% [markdown]
# **Reading the table** (three seeds of each generator, trained a minute each). Over the seeds the
# single generator's findings hold: walks in $w$ are less than half as long as walks in $z$, yet a size
# edit drifts the brightness more in $w$ than in $z$ — smoothness and disentanglement are different
# things, and only the first came with this little training. Classifier-guided editing turned most
# samples into trousers for each generator and space (on average over the seeds), and in $w$ more reliably than in $z$ (the smoother space gives
# the gradient a straighter road). What these numbers do not support is the paper's strongest claim,
# that the mapping network by itself untangles the factors of variation: at this scale, we measured
# the opposite for size.
#
# **Try this.**
# 1. `python -m minigan sample --checkpoint data/weights/stylegan-sample-seed0.npz --walk --space w --out walk.gif`.
# 2. Find a direction for the class "Sneaker" (fit $p(\text{Sneaker})$ instead of brightness) and edit along it.
# 3. Guide in $z$ instead of $w$ (`z_style`): is the success rate the same?
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# No new exercise: classifier-guided editing is exercise 15's tool — `mg.grad` through a network — used
# on the latent instead of the image.
