# %% [markdown]
# # Lesson 22 — GANs in use, responsibly
#
# The primers list what GANs are used for — generating images and **augmenting** training data,
# super-resolution, inpainting, style transfer, **anonymised** synthetic data — and warn about
# **deepfakes**, copyright and the ethics of releasing generators. Claims about uses are easy to make
# and cheap to check; this lesson checks three of them on Fashion-MNIST, with the class-conditional
# GAN of lesson 13 trained on a small labelled set:
#
# 1. **augmentation**: does adding cGAN samples to a few real images help a classifier? (measured on a
#    held-out test set, against classic flips and shifts, and against more real data);
# 2. **memorisation and privacy**: does the GAN copy its training images, and does its discriminator
#    reveal which images it was trained on?
# 3. **detection**: can a classifier tell generated images from real ones — and how easily is it fooled?
# 4. **deepfakes and the ethics of release**: what the measurements mean for a generator of faces.
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
from minigan.datasets import load_dataset
from minigan.gan.metrics import nearest_neighbours
from minigan.gan.plots import show_images
from minigan.gan.uses import (accuracy, class_balanced_subset, conditional_samples, discriminator_scores, halves,
                              membership_auc, train_classifier, train_cgan)
REPO = Path(mg.__file__).resolve().parents[1]
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

data = load_dataset("sample")                      # the 10,000 Fashion-MNIST test images
pool, test = halves(len(data))                     # 5,000 to draw training images from, 5,000 never trained on
few = pool[class_balanced_subset(data.labels[pool], 50, np.random.default_rng(0))]
x_few, y_few = data.images[few], data.labels[few]
x_test, y_test = data.images[test], data.labels[test]
print(f"few real images: {len(few)} (50 per class); test images: {len(test)}; no image in both")
assert len(np.intersect1d(few, test)) == 0 and np.bincount(y_few).tolist() == [50] * 10

# %% [markdown]
# The setting: labels are expensive, so we have **500 labelled images** (50 per class) and want a
# classifier. The cGAN of lesson 13 is trained on exactly those 500 — it sees nothing the classifier
# does not — and can then produce as many labelled samples as we ask for.

# %%
GAN_STEPS = 40 if FAST else 1000
trainer = train_cgan(x_few, y_few, data.classes, GAN_STEPS, seed=0, progress=True)
mg.manual_seed(1)
fake_y = np.repeat(np.arange(10), 200)
fake_x = conditional_samples(trainer, fake_y)
fig, axes = plt.subplots(1, 2, figsize=(12, 6))
show_images(axes[0], np.concatenate([x_few[y_few == c][:8] for c in range(10)]), 8,
            "real training images (8 of the 50 per class)", CLASSES)
show_images(axes[1], np.concatenate([fake_x[fake_y == c][:8] for c in range(10)]), 8, f"cGAN samples after {GAN_STEPS} steps",
            CLASSES)
plt.show()
assert fake_x.shape == (2000, 1, 28, 28) and np.abs(fake_x).max() <= 1

# %% [markdown]
# ## 1. Augmentation, measured
#
# One classifier (the evaluator's network, `gan.uses.train_classifier`), the same number of Adam steps
# in every variant, four kinds of training data:
#
# * **real**: the 500 images;
# * **real + flips/shifts**: each batch flipped left–right and shifted by up to 2 pixels at random — the
#   classic augmentation a GAN has to beat;
# * **real + cGAN**: each batch half real, half cGAN samples (so the real images keep their weight);
# * **cGAN only**: the samples alone, tested on real images — how usable the samples are as data
#   (the *classification accuracy score* of Ravuri and Vinyals 2019).

# %%
CLF_STEPS = 50 if FAST else 500
variants = {
    "real": dict(images=x_few, labels=y_few),
    "real + flips/shifts": dict(images=x_few, labels=y_few, augment=True),
    "real + cGAN": dict(images=x_few, labels=y_few, extra=(fake_x, fake_y)),
    "cGAN only": dict(images=fake_x, labels=fake_y),
}
live = {name: accuracy(train_classifier(steps=CLF_STEPS, seed=0, num_classes=10, **kw), x_test, y_test)
        for name, kw in variants.items()}
for name, acc in live.items():
    print(f"{name:22s} test accuracy {acc:.1%}")
assert live["real"] > 0.5                                 # 500 images go a long way (chance: 10%)
if not FAST:
    assert abs(live["real + cGAN"] - live["real"]) < 0.01   # the cGAN's samples: within a point
    assert live["cGAN only"] < live["real"] - 0.05          # the samples alone: clearly worse data

# %% [markdown]
# One run of each is one draw (lesson 7). `experiments/augmentation.py` repeats the comparison for three
# seeds — a different 500 images, cGAN and classifier each time — with the cGAN trained 2,000 steps and
# 1,000 classifier steps, and adds the reference a GAN cannot beat: all 5,000 images of the pool, labelled.

# %%
aug = json.loads((REPO / "benchmarks" / "results" / "augmentation.json").read_text())
print(aug["command"])
print(aug.get("note", ""))
by_variant = {}
for r in aug["runs"]:
    by_variant.setdefault(r["variant"], {})[r["seed"]] = r["accuracy"]
seeds = sorted(by_variant["real"])
print(f"\n{'training data':22s} " + " ".join(f"seed {s:<5d}" for s in seeds) + "   mean")
for name, accs in by_variant.items():
    print(f"{name:22s} " + " ".join(f"{accs[s]:10.1%}" if s in accs else f"{'—':>10s}" for s in seeds)
          + f"   {np.mean(list(accs.values())):.1%}")
gain = {name: [accs[s] - by_variant["real"][s] for s in accs] for name, accs in by_variant.items()}
print("\nchange against 'real', points:", {name: [round(100 * g, 1) for g in gs] for name, gs in gain.items() if name != "real"})
spread = max(by_variant["real"].values()) - min(by_variant["real"].values())   # seed to seed, same data size
assert len(seeds) == 3 and all(len(accs) == 3 for accs in by_variant.values())   # every variant, every seed
assert all(0 < g < 0.01 for g in gain["real + cGAN"])             # the cGAN's samples: up by less than a point ...
assert np.mean(gain["real + cGAN"]) < spread                        # ... less than one seed differs from the next
assert all(g < -0.02 for g in gain["cGAN only"])                    # the samples alone: worse data than their source
assert all(abs(g) < 0.02 for g in gain["real + flips/shifts"])      # flips and shifts: no better here
assert np.mean(gain["real + flips/shifts"]) <= 0 < np.mean(gain["real + cGAN"]) < 0.007   # means: -0.1, +0.5
assert 0.06 < min(gain["all pool (5000)"]) and max(gain["all pool (5000)"]) < 0.09   # more real data is what helps

# %% [markdown]
# (Its note says how the three seeds were run: a restart cut the first run short, and a second run
# of the same code finished seeds 1 and 2, reproducing the rows of seed 1 the first had logged.)
# On every seed the cGAN's samples raised the accuracy, by less than one point each time (half a point
# on average) — less than what separates one seed's 500 images from the next's — while the samples
# alone trained a classifier 2.5 to 5 points worse than the 500 images they came from: a GAN trained on
# the same few images adds little they did not hold, and loses some. Classic flips and shifts did no
# better here (on average a tenth of a point worse than none). Ten times as much real data gained 7 to
# 8 points. GAN augmentation pays where the generator brings knowledge from elsewhere (trained on a
# larger related set, or on the unlabelled images), not as a way to get something from nothing.
#
# ## 2. Memorisation and privacy
#
# The primers suggest GANs for **anonymisation**: release synthetic images instead of the real ones.
# That is only private if the samples are not copies of training images, and if the released model
# does not reveal who was in the training set. Two checks.
#
# **Copies.** For each sample, its nearest training image (Euclidean distance over pixels,
# `gan.metrics.nearest_neighbours`; exercise 20 writes it). Nearness means little on its own — garments
# of one class look alike — so compare with **held-out** real images: how near is an image the GAN never
# saw to its nearest training image? If samples sit much closer to the training set than new real
# images do, the GAN is reproducing its training images.

# %%
sample_nn, sample_idx = nearest_neighbours(fake_x[:1000], x_few)
held_out_nn, _ = nearest_neighbours(x_test[:1000], x_few)
ratio = np.median(sample_nn) / np.median(held_out_nn)
closest = np.argsort(sample_nn)[:10]
fig, axes = plt.subplots(1, 2, figsize=(14, 3.6), gridspec_kw={"width_ratios": [1, 1.3]})
axes[0].hist(held_out_nn, bins=40, alpha=0.6, label="held-out real images", density=True)
axes[0].hist(sample_nn, bins=40, alpha=0.6, label="cGAN samples", density=True)
axes[0].set_xlabel("distance to the nearest of the 500 training images"); axes[0].legend()
show_images(axes[1], np.concatenate([fake_x[closest], x_few[sample_idx[closest]]]), 10,
            "top: the 10 samples nearest to a training image; bottom: that training image")
plt.show()
print(f"median distance to the nearest training image: samples {np.median(sample_nn):.2f}, "
      f"held-out real images {np.median(held_out_nn):.2f} (ratio {ratio:.2f})")
print(f"closest sample-to-training distance {sample_nn.min():.2f}; closest held-out {held_out_nn.min():.2f}")
if not FAST:
    assert ratio > 0.95                                 # the samples are as new as unseen real images
    assert sample_nn.min() > held_out_nn.min()          # no sample nearer a training image than the nearest unseen one

# %% [markdown]
# The samples are no nearer to the training images than real images the GAN never saw (the ratio is
# about 1), and the nearest pairs above are look-alikes, not copies. (Lesson 14's precision and recall
# would add whether they are any good.)
#
# **Membership.** Even without copies, the discriminator has seen every training image many times
# (here 500 images, 64 per step: each image about a hundred times). If it scores its training images
# higher than unseen real ones, anyone holding $D$ can tell who was in the training set — a
# **membership inference attack** (Hayes et al. 2019). The measure: the probability that a random
# training image gets a higher score than a random held-out one (the area under the ROC curve; 0.5
# means $D$ reveals nothing).

# %%
d_members = discriminator_scores(trainer.D, x_few, y_few)
d_others = discriminator_scores(trainer.D, x_test[:500], y_test[:500])
auc = membership_auc(d_members, d_others)
plt.figure(figsize=(6, 3.2))
plt.hist(d_others, bins=40, alpha=0.6, density=True, label="held-out real images")
plt.hist(d_members, bins=40, alpha=0.6, density=True, label="training images")
plt.xlabel("D's score (logit)"); plt.legend(); plt.title(f"membership AUC {auc:.2f}"); plt.show()
print(f"membership AUC of D: {auc:.2f}")
assert 0 <= auc <= 1
if not FAST:
    assert auc > 0.6                                    # D scores its training images higher: it remembers them

# %% [markdown]
# Above one half: given an image, $D$'s score says better than chance whether it was one of the 500.
# `experiments/memorisation.py` measures both for training sets of 100, 1,000 and 4,500 images (4,500:
# 450 of each class, about all the pool holds of its smallest class), two seeds each, after 500, 1,000
# and 2,000 steps (`benchmarks/results/memorisation.md`):

# %%
mem = json.loads((REPO / "benchmarks" / "results" / "memorisation.json").read_text())
print(mem["command"])
print(mem.get("note", ""))
print(f"\n{'images':>7s} {'steps':>6s} {'ratio':>14s} {'near-copies':>14s} {'membership AUC':>16s} {'FD':>10s}")
table = {}
for r in mem["runs"]:
    table.setdefault((r["train_size"], r["steps"]), []).append(r)
for (size, steps), rs in table.items():
    col = lambda key, fmt: ", ".join(fmt.format(r[key]) for r in rs)
    print(f"{size:7d} {steps:6d} {col('ratio', '{:.2f}'):>14s} {col('near_copy', '{:.1%}'):>14s} "
          f"{col('auc', '{:.2f}'):>16s} {col('fd', '{:.0f}'):>10s}")
mean = lambda size, steps, key: np.mean([r[key] for r in table[(size, steps)]])
assert sorted({size for size, _ in table}) == [100, 1000, 4500] and all(len(rs) == 2 for rs in table.values())
ratios = [r["ratio"] for r in mem["runs"]]
assert 0.98 < min(ratios) and max(ratios) < 1.43          # samples about as new as unseen real images, or newer
assert all(r["ratio"] > 1.1 for r in mem["runs"] if r["train_size"] >= 1000)
assert all(r["near_copy"] == 0 for r in table[(100, 500)])                          # near-copies of 100 images
assert all(0.01 <= r["near_copy"] < 0.025 for r in table[(100, 2000)])             # appear: 1-2%, about as many
assert all(r["near_copy"] <= 0.001 for r in mem["runs"] if r["train_size"] >= 1000)  # as of unseen real images (1%)
assert all(r["auc"] > 0.995 for r in table[(100, 2000)])                 # D gives 100 images away,
assert [round(mean(1000, steps, "auc"), 2) for steps in (500, 2000)] == [0.55, 0.68]   # 1,000 less, more with steps,
assert all(0.495 <= r["auc"] < 0.53 for size, _ in table if size == 4500 for r in table[(size, _)])  # 4,500 hardly
assert all(max(r["auc"] for r in table[(size, 2000)]) < min(r["auc"] for r in table[(smaller, 2000)])
           for smaller, size in ((100, 1000), (1000, 4500)))       # the larger the set, the less D leaks

# %% [markdown]
# The generator does not copy: at every size and step count its samples are about as far from their
# nearest training image as unseen real images are, or farther (ratio 0.99 to 1.42). On 100 images,
# after 2,000 steps, 1–2% of the samples are closer to a training image than 99% of unseen images are:
# up from none at 500 steps, yet about the 1% that unseen real images give by that definition — the
# look-alikes of the pairs above. On 1,000 and 4,500 images at most 1 sample in 1,000 is, and the ratio
# stays above 1.1: the samples are farther from the training set than new real images are.
#
# The discriminator is another matter, and the size of the training set decides it. Trained on 100
# images, D tells them from unseen ones almost perfectly (AUC 1.00 after 2,000 steps): whoever holds $D$
# learns who was in the training set. On 1,000 images it tells them apart less well, but better the
# longer it trains (mean AUC 0.55 after 500 steps, 0.68 after 2,000); on 4,500 images hardly at all
# (0.50 to 0.53 at every step count). Releasing $G$ alone leaks less than releasing $D$ too; neither is
# a guarantee of privacy, and a small training set is the greater risk.
#
# ## 3. Detecting generated images
#
# A detector is one more classifier: real images labelled 1, generated ones 0. We train it on 1,000
# real images of the pool and the first 1,000 cGAN samples of section 1 — which, since those were drawn
# class by class, are samples of the first five classes only (T-shirts to coats). An easy mistake, kept
# here on purpose: we test it on real images it never saw and on fresh samples of all ten classes.

# %%
mg.manual_seed(2)
more_fakes = conditional_samples(trainer, np.arange(2000) % 10)
real_train, real_eval = data.images[pool[:1000]], x_test[:1000]
detector = train_classifier(np.concatenate([real_train, fake_x[:1000]]), np.r_[np.ones(1000), np.zeros(1000)],
                            steps=50 if FAST else 300, seed=0, num_classes=2)
on_real = accuracy(detector, real_eval, np.ones(1000))
on_fake = accuracy(detector, more_fakes[:1000], np.zeros(1000))
print(f"detector: {on_real:.1%} of unseen real images called real, {on_fake:.1%} of fresh samples called generated")
seen = np.arange(1000) % 10 < 5                      # fresh samples of the classes it saw fakes of
caught = {"classes 0-4 (fakes of them in training)": accuracy(detector, more_fakes[:1000][seen], np.zeros(500)),
          "classes 5-9 (no fakes of them)": accuracy(detector, more_fakes[:1000][~seen], np.zeros(500))}
for name, acc in caught.items():
    print(f"  fresh samples of {name}: {acc:.1%} called generated")
if not FAST:
    assert on_real > 0.95 and on_fake < 0.6             # every real image passes; half the fakes do too
    assert caught["classes 0-4 (fakes of them in training)"] > caught["classes 5-9 (no fakes of them)"]

# %% [markdown]
# It calls nearly every real image real and catches about half the fakes — those of the classes it
# was shown fakes of more often than the others. For the other five classes it never learned
# what "generated" looks like. A detector learns whatever separates its two training sets, including
# the accidents of how they were drawn; try this 2 trains it on samples of every class.
#
# What gives the samples away? One place to look is the frequency content: a generator that
# upsamples with strided transposed convolutions (lesson 3's checkerboards) leaves regular patterns at
# particular spatial frequencies, which a detector can pick up even when the eye cannot (Frank et al. 2020).
# The mean log-magnitude of the 2-D Fourier transform, real against generated:

# %%
def log_spectrum(images):
    return np.log(np.abs(np.fft.fftshift(np.fft.fft2(images[:, 0]), axes=(1, 2))) + 1e-3).mean(0)
spec_real, spec_fake = log_spectrum(real_eval), log_spectrum(more_fakes[:1000])
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for ax, image, title in ((axes[0], spec_real, "real: mean log |FFT|"), (axes[1], spec_fake, "generated"),
                         (axes[2], spec_fake - spec_real, "generated − real")):
    im = ax.imshow(image, cmap="RdBu_r" if "−" in title else "viridis"); ax.set_title(title); ax.axis("off")
    plt.colorbar(im, ax=ax, fraction=0.046)
plt.show()
print(f"largest difference in mean log-magnitude: {np.abs(spec_fake - spec_real).max():.2f}")
if not FAST:
    assert np.abs(spec_fake - spec_real).max() > 0.3   # the two spectra differ visibly

# %% [markdown]
# **How robust is it?** Even where it works, a detector has learned one generator's fakes as they
# are. Two trivial changes to the fakes, both invisible at this size — a light blur, a little noise:

# %%
def blur(images):
    out = images.copy()
    out[:, :, 1:-1, 1:-1] = (4 * images[:, :, 1:-1, 1:-1] + images[:, :, :-2, 1:-1] + images[:, :, 2:, 1:-1]
                             + images[:, :, 1:-1, :-2] + images[:, :, 1:-1, 2:]) / 8
    return out
noisy = np.clip(more_fakes[:1000] + np.random.default_rng(0).normal(0, 0.05, more_fakes[:1000].shape), -1, 1).astype(np.float32)
evasion = {"as generated": on_fake, "lightly blurred": accuracy(detector, blur(more_fakes[:1000]), np.zeros(1000)),
           "with a little noise": accuracy(detector, noisy, np.zeros(1000))}
for name, acc in evasion.items():
    print(f"fakes {name:20s}: {acc:.1%} called generated")
if not FAST:
    assert evasion["lightly blurred"] < on_fake - 0.05           # a blur hides fakes from it
    assert abs(evasion["with a little noise"] - on_fake) < 0.02   # noise, here, does not

# %% [markdown]
# The blur, which smooths away the generator's fine texture, hides several points' worth of fakes;
# the noise, here, changes nothing — which post-processing a detector withstands has to be measured
# for each one, and a forger will look for the one it does not.
#
# ## 4. Deepfakes and the ethics of release
#
# A **deepfake** is media in which a real person's face, body or voice is replaced or synthesised. The
# name comes from a 2017 forum account that swapped celebrities' faces into videos with an
# **autoencoder** — one shared encoder and one decoder per person (lesson 15's model, twice) — and GANs
# and later diffusion models made such media ever more convincing: StyleGAN's faces (lesson 20) are
# indistinguishable from photographs for most viewers. What this lesson measured bears directly on them:
#
# * **Harms are concrete.** The large majority of deepfake videos found online are non-consensual
#   sexual imagery of real women (Deeptrace's 2019 survey put it at 96%); cloned voices and faces are
#   used for fraud and impersonation; fabricated clips of politicians for disinformation; and the mere
#   possibility of fakes lets real evidence be dismissed as fake (the "liar's dividend", Chesney and
#   Citron 2019).
# * **Detection is an arms race** (section 3): a detector finds the generator it was trained against,
#   and is weakened by post-processing and by the next generator. It is a tool, not a guarantee.
# * **Provenance** attacks the problem from the other end: cameras and editing tools sign what they
#   capture and change (the C2PA "content credentials" standard), and generators can embed watermarks.
#   Both help only where they are adopted, and watermarks can be removed.
# * **Synthetic data is not automatically anonymous** (section 2). A generator trained on few images
#   drifts towards its training set, and its discriminator remembers who was in it. Guarantees need
#   differential privacy in training (DP-SGD, Abadi et al. 2016; DP-GAN and PATE-GAN apply it to GANs),
#   at a cost in sample quality.
# * **Law is catching up**: the EU AI Act requires that deepfakes be disclosed as artificially generated;
#   China's rules on "deep synthesis" services (2023) require labelling; many US states have laws on
#   non-consensual sexual deepfakes and on deepfakes in elections. Portrait rights, copyright in the
#   training data, and consent are open questions the primers also raise.
#
# **Releasing a generator, a checklist** (the practice of model cards, Mitchell et al. 2019, and
# datasheets for datasets, Gebru et al. 2021): what data it was trained on, with what consent and licence;
# what it was measured to do and not do (quality, coverage, memorisation and membership leakage, as
# above); what it must not be used for; whether it can produce identifiable real people; whether its
# outputs are labelled or watermarked; and whether to release the weights at all, or only an interface,
# or in stages. For minigan's own generators the answers are easy — Fashion-MNIST (MIT licence,
# product photos, no people), samples measured above — and that is the exception, not the rule.
#
# **Try this.**
# 1. Train the cGAN on 10 images per class (`class_balanced_subset(..., 10, ...)`) for the same number of
#    steps. How do the memorisation ratio and the membership AUC change? Look at the nearest pairs.
# 2. Train the detector on `fake_x[::2]` (samples of every class) instead of `fake_x[:1000]`. How much
#    better does it catch fresh samples? Then add *blurred* fakes to its training: is it robust to blur now?
# 3. Mix real and cGAN samples 3 : 1 instead of 1 : 1 in `train_classifier` (change the shares). Does the
#    augmentation result move?
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_nearest_neighbour`** (exercise 20): nearest training neighbours and the memorisation ratio —
#   hint: find the nearest row with the $|a|^2 + |b|^2 - 2a\cdot b$ expansion, then recompute its distance from
#   the difference, so that an exact copy is at distance 0 (section 2).
