# %% [markdown]
# # Lesson 14 — Evaluating a GAN
#
# A GAN's losses say who is winning the game, not how good the samples are. To judge samples we
# compare them with real data — not pixel by pixel, but through the **features** of a classifier:
#
# 1. the **Fréchet distance** (FD; FID in the literature, where the classifier is Inception-v3) and
#    the **Inception Score** (here: *classifier score*), with their formulas;
# 2. **precision and recall** with k-nearest-neighbour balls — and why a few real outliers can make
#    uniform noise look "precise";
# 3. **density and coverage** (Naeem et al. 2020), the outlier-robust alternative;
# 4. what each metric is blind to.
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
from minigan.gan.evaluator import load_evaluator
from minigan.gan.metrics import density_coverage

rng = np.random.default_rng(0)
evaluator = load_evaluator("fashion-mnist")
test = load_dataset("sample")                      # the 10,000 Fashion-MNIST test images
n = 500 if FAST else 2500                          # samples per set (the README's tables use 2,500)
print(f"evaluator test accuracy {evaluator.test_accuracy:.2%}")
assert evaluator.test_accuracy > 0.9

# %% [markdown]
# ## 1. Features, and the Fréchet distance
#
# The evaluator is a small convolutional classifier trained on Fashion-MNIST with minigan; the 128
# activations of its penultimate layer are an image's **features**. Fit a Gaussian to the features of
# each set, $\mathcal N(\mu_r, \Sigma_r)$ for real and $\mathcal N(\mu_g, \Sigma_g)$ for generated images;
# the Fréchet (2-Wasserstein) distance between the two Gaussians is
#
# $$\mathrm{FD} = \lVert \mu_r - \mu_g \rVert^2 + \operatorname{tr}\Sigma_r + \operatorname{tr}\Sigma_g
#  - 2 \operatorname{tr}\big(\Sigma_r^{1/2}\, \Sigma_g\, \Sigma_r^{1/2}\big)^{1/2}.$$
#
# Two exact properties to check: a set against itself gives 0, and shifting one set by a vector $v$
# adds exactly $\lVert v\rVert^2$ (the covariances do not change).

# %%
a = rng.standard_normal((5000, 4)) @ rng.standard_normal((4, 4))
shift = np.array([1.0, -2.0, 0.5, 0.0])
assert abs(gan.frechet_distance_from_features(a, a)) < 1e-8
assert abs(gan.frechet_distance_from_features(a, a + shift) - (shift ** 2).sum()) < 1e-8

all_features, all_probabilities = evaluator.features_and_probabilities(test.images if not FAST else test.images[:3000])
print("features:", all_features.shape, " class probabilities:", all_probabilities.shape)

# %% [markdown]
# ## 2. The classifier score (Inception Score)
#
# With $p(y\mid x)$ the classifier's class probabilities for a sample and $p(y) = \mathbb E_x[p(y\mid x)]$
# their average over the samples,
#
# $$\mathrm{IS} = \exp\Big(\mathbb{E}_{x}\, \mathrm{KL}\big(p(y\mid x)\,\|\,p(y)\big)\Big).$$
#
# It is high when each sample is classified confidently (peaked $p(y\mid x)$) **and** the classes are
# used evenly (flat $p(y)$): from 1 (every sample gets the same distribution) to $K = 10$ (certain and
# balanced). Note what it never looks at: the real data.

# %%
K = 10
uniform = np.full((100, K), 1 / K)
certain_balanced = np.eye(K)[np.arange(100) % K]
certain_one_class = np.eye(K)[np.zeros(100, int)]
assert abs(gan.classifier_score(uniform) - 1) < 1e-9
assert abs(gan.classifier_score(certain_balanced) - K) < 1e-9
assert abs(gan.classifier_score(certain_one_class) - 1) < 1e-9
print(f"real test images: classifier score {gan.classifier_score(all_probabilities):.2f} (at most {K})")

# %% [markdown]
# ## 3. Reference points
#
# Real images against other real images give the floor; uniform noise the ceiling. We split the test
# images into a reference half and a "generated" half, and add a blurred copy (a slightly wrong
# generator) and a **collapsed** one (only T-shirts). Precision/recall use $k = 3$ and as many reference
# images as samples, as in the README's table.

# %%
reference, real = all_features[:n], all_features[n:2 * n]
images = test.images[n:2 * n]
noise = rng.uniform(-1, 1, images.shape).astype(np.float32)
blurred = (images + np.roll(images, 1, axis=3) + np.roll(images, -1, axis=3)
           + np.roll(images, 1, axis=2) + np.roll(images, -1, axis=2)) / 5
tshirts = test.images[test.labels == 0][:n]
rows = {}
for name, imgs in (("real (other half)", images), ("blurred real", blurred), ("only T-shirts", tshirts), ("uniform noise", noise)):
    f, p = evaluator.features_and_probabilities(imgs)
    m = min(len(f), n)
    rows[name] = {"FD": gan.frechet_distance_from_features(reference, f), "IS": gan.classifier_score(p),
                  **gan.precision_recall(reference[:m], f[:m], k=3), **density_coverage(reference[:m], f[:m], k=5)}
    rows[name]["features"] = f
print(f"{'':18s} {'FD':>7s} {'IS':>5s} {'prec':>5s} {'rec':>5s} {'dens':>5s} {'cov':>5s}")
for name, r in rows.items():
    print(f"{name:18s} {r['FD']:7.1f} {r['IS']:5.2f} {r['precision']:5.2f} {r['recall']:5.2f} {r['density']:5.2f} {r['coverage']:5.2f}")

R = rows
assert R["real (other half)"]["FD"] < R["blurred real"]["FD"] < R["uniform noise"]["FD"]
assert R["uniform noise"]["recall"] < 0.01 and R["uniform noise"]["coverage"] < 0.03
assert R["only T-shirts"]["coverage"] < 0.5 * R["real (other half)"]["coverage"]  # collapse: coverage drops ...
assert R["only T-shirts"]["recall"] < R["real (other half)"]["recall"]           # ... recall less so ...
assert R["only T-shirts"]["precision"] > 0.7                                      # ... precision not at all
assert R["only T-shirts"]["IS"] < 0.5 * R["real (other half)"]["IS"]
assert 0.8 < R["real (other half)"]["density"] < 1.2 and R["real (other half)"]["coverage"] > 0.8

# %% [markdown]
# Collapse onto one class (T-shirts) is caught by FD, by the classifier score and most clearly by
# coverage; recall drops less than one might expect, because the collapsed set's own k-NN balls are
# large (its samples are spread over the whole T-shirt class) and so reach into other classes: a
# generated outlier fools recall the same way a real one fools precision.
#
# ## 4. Why outliers fool k-NN precision
#
# Precision counts a generated sample as realistic if it falls inside **any** real sample's ball, the
# ball reaching that sample's 3rd nearest real neighbour. A real image far from all others — an odd
# garment, a strange crop — has a **huge** ball. Uniform noise maps to one small region of feature
# space; if that region lies inside one or two outliers' balls, precision counts all the noise as
# realistic. So noise's precision depends on *which* real images happen to be in the reference set.
# Same noise, five random reference sets drawn from the test images:

# %%
noise_features = rows["uniform noise"]["features"]
subsets = 3 if FAST else 5
results = []
for s in range(subsets):
    ref = all_features[np.random.default_rng(s).permutation(len(all_features))[:n]]
    pr, dc = gan.precision_recall(ref, noise_features, k=3), density_coverage(ref, noise_features, k=5)
    results.append((pr["precision"], dc["density"], dc["coverage"]))
    print(f"reference set {s}: noise precision {pr['precision']:.2f}   density {dc['density']:.2f}   coverage {dc['coverage']:.3f}")
precisions, densities, coverages = map(np.array, zip(*results))

# %% [markdown]
# The README's table (`benchmarks/results/fd_reference.md`, 2,500 noise images, one fixed random
# reference subset) reads precision **0.17** for noise; the sets above range from values like that to
# nearly 1. Which real images do the work? Count the balls that contain noise features, and compare
# their radii with the typical radius:

# %%
ref = all_features[np.random.default_rng(int(precisions.argmax())).permutation(len(all_features))[:n]]
sq = (ref ** 2).sum(1)
d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * ref @ ref.T, 0)
radius = np.sqrt(np.partition(d2, 3, axis=1)[:, 3])
to_noise = np.sqrt(np.maximum((noise_features ** 2).sum(1)[:, None] + sq[None, :] - 2 * noise_features @ ref.T, 0))
holding = (to_noise <= radius[None, :]).any(axis=0)
print(f"{holding.sum()} of {n} real balls hold noise; their radii: median {np.median(radius[holding]):.1f} "
      f"vs {np.median(radius):.1f} for all balls")
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.hist(radius, bins=50, label="all real balls"); ax.hist(radius[holding], bins=50, label="balls holding noise")
ax.set_xlabel("k-NN radius (k = 3)"); ax.set_yscale("log"); ax.legend(); plt.show()
assert holding.sum() < 0.02 * n                              # a handful of real images ...
assert np.median(radius[holding]) > 1.5 * np.median(radius)   # ... with unusually large balls
if not FAST:
    assert precisions.max() - precisions.min() > 0.5          # the verdict depends on the reference draw

# %% [markdown]
# ## 5. Density and coverage: the outlier-robust alternative
#
# Naeem et al. (2020) keep the balls of the **real** set only and count differently:
#
# $$\text{density} = \frac{1}{kM}\sum_{j=1}^{M}\sum_{i=1}^{N} \mathbb 1\big[Y_j \in B(X_i, \mathrm{NND}_k(X_i))\big], \qquad
# \text{coverage} = \frac{1}{N}\sum_{i=1}^{N} \mathbb 1\big[\exists j:\ Y_j \in B(X_i, \mathrm{NND}_k(X_i))\big].$$
#
# Density asks *how many* real balls hold each sample (divided by $k$: about 1 for samples distributed
# like the data), so one outlier's ball adds only $1/k$; coverage asks which **real** neighbourhoods
# are reached, so a handful of outliers adds a handful out of $N$. Noise's coverage stays near 0 on
# every reference set; its density stays well below the real data's — although a few large balls
# still lift it (with $k = 5$ a sample in two outlier balls gets 0.4).

# %%
real_density = rows["real (other half)"]["density"]
print(f"noise: coverage at most {coverages.max():.3f}, density at most {densities.max():.2f} (real data: {real_density:.2f})")
assert coverages.max() < 0.03
assert densities.max() < 0.6 * real_density
fig, ax = plt.subplots(figsize=(7.5, 3.5))
x = np.arange(subsets)
ax.bar(x - 0.25, precisions, 0.25, label="precision"); ax.bar(x, densities, 0.25, label="density")
ax.bar(x + 0.25, coverages, 0.25, label="coverage"); ax.axhline(real_density, ls=":", c="C1", label="density of real data")
ax.set_xticks(x, [str(s) for s in x]); ax.set_xlabel("reference set (a random half of the real images)")
ax.set_ylabel("uniform noise scores"); ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
fig.tight_layout()
fig.canvas.draw()                                       # lay the text out, then check nothing overlaps
ticks = [t.get_window_extent() for t in ax.get_xticklabels()]
legend_box, axes_box = ax.get_legend().get_window_extent(), ax.get_window_extent()
plt.show()
assert all(left.x1 < right.x0 for left, right in zip(ticks, ticks[1:]))   # tick labels side by side, apart
assert legend_box.x0 > axes_box.x1                                        # the legend beside the bars, not on them

# %% [markdown]
# ## 6. What each metric is blind to
#
# | metric | measures | blind to |
# |---|---|---|
# | FD | distance between two Gaussians fitted to features | everything beyond mean and covariance; **memorisation** (copies of training images score the floor); needs thousands of samples (biased upwards for small $n$) |
# | classifier score | confident and balanced classes | the real data: one perfect image per class scores the maximum; variety **within** a class |
# | precision | samples inside the real manifold | diversity (collapse keeps it high); **real outliers** (noise can score high) |
# | recall | real data reached by the samples | sample quality; generated outliers with big balls |
# | density / coverage | the same two questions, robust to real outliers | memorisation; like all feature metrics, what the evaluator's features cannot see |
#
# Two of these, asserted: a "generator" that returns ten training images, one per class, over and
# over gets a near-perfect classifier score; and a generator that memorises the reference images gets
# an FD of zero.

# %%
ten = np.concatenate([test.images[test.labels == c][:1] for c in range(10)])
ten_copies = np.concatenate([ten] * (n // 10))
f_ten, p_ten = evaluator.features_and_probabilities(ten_copies)
score = gan.classifier_score(p_ten)
recall = gan.precision_recall(reference, f_ten[:n], k=3)["recall"]
print(f"ten images repeated: classifier score {score:.2f} (real data {rows['real (other half)']['IS']:.2f}), recall {recall:.3f}")
assert score > rows["real (other half)"]["IS"] - 0.5 and recall < 0.05
assert abs(gan.frechet_distance_from_features(reference, reference)) < 1e-6   # a memoriser: FD 0

# %% [markdown]
# Read the metrics **together**: FD and recall flag the noise, precision and recall together flag
# collapse, and coverage flags what precision misses. `python -m minigan evaluate --run runs/...` prints
# them for a training run (see the README's "Evaluating a GAN").
#
# **Try this.**
# 1. Compute FD between `reference` and real images for $n$ = 100, 500 and 2,500. Why is it larger for small $n$?
# 2. Replace $k = 3$ by $k = 10$ in section 4. Does the noise's precision get better or worse? Why?
# 3. Score the samples of your lesson-8 generator with all six metrics.
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_frechet`** (exercise 16): the Fréchet distance between two Gaussians — hint:
#   $\operatorname{tr}(\Sigma_1\Sigma_2)^{1/2}$ is the sum of the square roots of the eigenvalues of
#   $A\Sigma_2 A$ with $A = \Sigma_1^{1/2}$, not `np.sqrt` of the product.
