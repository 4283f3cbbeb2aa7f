"""Lesson 7: is it any good? Mode coverage, Fréchet distance, precision and recall."""

CELLS = [
    ("md", r"""
# Lesson 7 — Is it any good? Measuring what a GAN learned

A GAN's loss does not say how good its samples are: the two losses only say who is winning. We need
measurements of the **samples** against the **data**:

1. on 2-D mixtures, count the modes (the VEEGAN protocol of lesson 3);
2. on images, compare the *features* a classifier extracts from real and generated images:
   the **Fréchet distance** (FD — the FID of the literature, with our own classifier instead of
   Inception), a **classifier score**, and **precision / recall**.
"""),
    ("code", r"""
import os
import numpy as np
import minigan as mg
from minigan import gan
from minigan.datasets import load_dataset
from minigan.gan.evaluator import load_evaluator

FAST = os.environ.get("MINIGAN_FAST") == "1"
rng = np.random.default_rng(0)
"""),
    ("md", r"""
## 1. The Fréchet distance

Fit a Gaussian to each set of features, $\mathcal N(\mu_1, \Sigma_1)$ and $\mathcal N(\mu_2, \Sigma_2)$.
The Fréchet (2-Wasserstein) distance between them is

$$\mathrm{FD} = \lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{tr}\Sigma_1 + \operatorname{tr}\Sigma_2
 - 2 \operatorname{tr}\big(\Sigma_1^{1/2}\, \Sigma_2\, \Sigma_1^{1/2}\big)^{1/2}.$$

Two sanity checks: a distribution against itself gives 0, and shifting one by a vector $v$ adds
exactly $\lVert v \rVert^2$.
"""),
    ("code", r"""
a = rng.standard_normal((5000, 4)) @ rng.standard_normal((4, 4))
shift = np.array([1.0, -2.0, 0.5, 0.0])
print("FD(a, a)         =", round(gan.frechet_distance_from_features(a, a), 10))
print("FD(a, a + shift) =", round(gan.frechet_distance_from_features(a, a + shift), 10),
      " |shift|^2 =", (shift ** 2).sum())
"""),
    ("md", r"""
## 2. Features from a classifier trained with minigan

Pixels are a poor space to compare images in. minigan ships a small convolutional classifier
trained on Fashion-MNIST with minigan itself (`python -m minigan train-evaluator`); its 128
penultimate activations are the features.
"""),
    ("code", r"""
evaluator = load_evaluator("fashion-mnist")
print(f"test accuracy of the evaluator: {evaluator.test_accuracy:.2%}")
test = load_dataset("sample")
n = 500 if FAST else 2500
real = test.images[:n]
features, probabilities = evaluator.features_and_probabilities(real)
print("features:", features.shape, " probabilities:", probabilities.shape)
"""),
    ("md", r"""
## 3. Reference points

What numbers should we expect? Real images against other real images give the floor; noise gives
the ceiling. A GAN lands in between.
"""),
    ("code", r"""
reference, _ = evaluator.features_and_probabilities(test.images[n:2 * n] if 2 * n <= len(test) else test.images[-n:])
noise = rng.uniform(-1, 1, real.shape).astype(np.float32)
blurred = (real + np.roll(real, 1, axis=3) + np.roll(real, -1, axis=3)) / 3     # a "slightly wrong" generator
for name, images in (("real", real), ("blurred real", blurred), ("uniform noise", noise)):
    f, p = evaluator.features_and_probabilities(images)
    pr = gan.precision_recall(reference, f, k=3)
    print(f"{name:14s} FD {gan.frechet_distance_from_features(reference, f):7.1f}   "
          f"classifier score {gan.classifier_score(p):5.2f}   precision {pr['precision']:.2f}   recall {pr['recall']:.2f}")
"""),
    ("md", r"""
Look at the noise's precision: nearly every noise image maps to about the same feature vector, and
that point happens to fall inside the neighbourhood ball of some unusual real image. k-NN precision
is sensitive to such outliers in the real set — one reason to read the metrics together: FD and
recall flag the noise at once.

**Precision** asks: are the generated samples inside the region the real data covers? **Recall**:
is every part of the real data covered by some generated sample? A generator that has *collapsed*
onto a few good-looking modes has high precision and low recall. Each sample's neighbourhood is a
ball reaching its 3rd nearest neighbour (Kynkäänniemi et al. 2019).
"""),
    ("code", r"""
shirts_only = real[test.labels[:n] == 0]                      # "mode collapse": only T-shirts
f, p = evaluator.features_and_probabilities(shirts_only)
pr = gan.precision_recall(reference, f, k=3)
print(f"only T-shirts: precision {pr['precision']:.2f}, recall {pr['recall']:.2f}")
print("class coverage:", gan.class_coverage(p)["classes_below_half"], "classes below half their share")
"""),
    ("md", r"""
## 4. Evaluating a training run

```bash
python -m minigan train --eval-every 200          # FD over training: metrics.png, metrics_history.json
python -m minigan evaluate --run runs/dcgan-sample
```

`benchmarks/results/fd_reference.md` has the reference numbers, and `benchmarks/gan_parity.py`
uses exactly these metrics to show that minigan trains the same DCGAN as well as PyTorch does.

## Exercises

1. Score `real` against itself with 100, 500 and 2,500 images. Why does FD grow for small samples?
2. Build a generator that outputs a random *training* image each time (a perfect "memoriser"). What do
   FD, precision and recall say? What does that tell you about these metrics?
"""),
]
