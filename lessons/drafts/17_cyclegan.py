# %% [markdown]
# # Lesson 17 — Unpaired translation: CycleGAN
#
# pix2pix (lesson 16) learned from **pairs**: each outline came with its own garment. Often there
# are no pairs — photos and paintings of *different* scenes, horses and zebras that never posed
# together. Zhu et al. (2017) train a translator from two unpaired collections with one extra
# idea, the **cycle**: translate there and back again, and you should get your input back.
#
# The task here: garments photographed on a **white** background (a catalogue photo) → on a black
# one, as Fashion-MNIST has them. It is not a per-pixel rule: a dark pixel is background (to turn
# black... it already is, but its *white* counterpart must) or part of the garment (a black print:
# keep it) depending on whether it connects to the image's border. The two collections come from
# **disjoint** halves of the training images, so no garment appears in both.
#
# 1. the data, and a GAN without the cycle: realistic garments that forget their input;
# 2. the cycle-consistency loss (exercise 25);
# 3. the generator's parts: reflection padding (exercise 23) and instance normalisation (exercise 22);
# 4. least squares, a pool of past fakes, a learning rate that decays in the second half;
# 5. CycleGAN trained and measured — content kept and realism — against the identity map and against
#    the same model without its cycle, live and over three seeds.
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
from minigan.datasets.translation import load_task, white_background
from minigan.gan.evaluator import load_evaluator
from minigan.gan.recipes import build, default_config, make_trainer
from minigan.gan.run_metrics import translation_metrics
from minigan.gan.training import lr_factor
from minigan.gan.translation import ImagePool

RESULTS = Path(mg.__file__).resolve().parent.parent / "benchmarks" / "results"

def tile(images, nrow, pad=1):
    """(N, 1, H, W) images in [-1, 1] -> one picture, grey between them."""
    n, _, h, w = images.shape
    rows = -(-n // nrow)
    out = np.zeros((rows * (h + pad) + pad, nrow * (w + pad) + pad), np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, nrow)
        out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = image[0]
    return out

def show(images, nrow, title, labels=(), height=2.2):
    """A grid with vmin=-1, vmax=1; `labels` name its rows."""
    fig, ax = plt.subplots(figsize=(nrow * 0.75, height))
    ax.imshow(tile(images, nrow), cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_title(title); ax.set_xticks([])
    ax.set_yticks([14.5 + 29 * i for i in range(len(labels))], labels)
    plt.show()

train, held_out = load_task("backgrounds"), load_task("backgrounds", "held-out")
print(train, held_out, sep="\n")
show(np.concatenate([train.inputs[:10], train.targets[:10]]), 10,
     "two collections, no pairs: domain A (white background) and domain B (black)", ["A", "B"], 3)
sample = mg.datasets.load_dataset("sample")
np.testing.assert_array_equal(train.inputs, white_background(sample.images[:4000]))    # A: images 0..3999
np.testing.assert_array_equal(train.targets, sample.images[4000:8000])                # B: images 4000..7999

# %% [markdown]
# `white_background` flood-fills the dark pixels connected to the border and paints them white; a
# black button inside a shirt stays black. Domain A is images 0–3999 painted so, domain B images
# 4000–7999 as they are. For evaluation only, the 2,000 held-out images keep their pairs: each
# white-background image with the black-background original, so that we can ask whether a
# translation kept its garment.
#
# ## 1. Measuring an unpaired translation
#
# With no pair to compare with, what is a good translation of $a$? Two things, measured with the
# evaluator of lesson 14 (a classifier that knows garments on black):
#
# * **realism in the target domain** — FD between the translations and real black-background
#   garments (lower is better);
# * **content kept** — the classifier's accuracy on the translations against the class of their
#   input: a white-background sneaker must become a black-background *sneaker*.
#
# The map that does nothing keeps the garment, but the classifier — which has only seen black
# backgrounds — cannot read it, and FD says it is far from domain B:

# %%
evaluator = load_evaluator("fashion-mnist")
n_eval = 500 if FAST else 2000
def measure(outputs):
    return translation_metrics(evaluator, outputs[:n_eval], held_out, "cyclegan")
fmt = lambda m: f"FD {m['fd']:6.1f}   accuracy {m['accuracy']:.3f}"
identity = measure(held_out.inputs)
real = measure(held_out.targets)
print("identity map:   ", fmt(identity))
print("the true pairs: ", fmt(real), "(the originals: FD 0 by construction, the classifier's own accuracy)")
assert identity["fd"] > 100 and identity["accuracy"] < 0.3

# %% [markdown]
# ## 2. A GAN alone forgets its input
#
# The obvious first try: a generator $G_{AB}$ and a discriminator $D_B$ that tells real
# black-background garments from translations. $D_B$ only asks "is this a garment on black?" —
# never "is it **this** garment?". Any convincing garment will do, so nothing stops $G_{AB}$ from
# answering every input with the same few. Here is that GAN: CycleGAN with its cycle weights (and
# the identity weight, section 3) set to 0.

# %%
steps = 30 if FAST else 150
base = dict(steps=steps, sample_every=0, checkpoint_every=0)
config_nocycle = default_config("cyclegan", cycle_weights=(0.0, 0.0), identity_weight=0.0, **base)
run_nocycle = build(config_nocycle)
trainer_nocycle = make_trainer(run_nocycle, config_nocycle)
trainer_nocycle.fit(progress=False)
nocycle_out = trainer_nocycle.sample_many(n_eval)
nocycle = measure(nocycle_out)
print(f"{steps} steps without the cycle ({trainer_nocycle.elapsed:.0f} s):", fmt(nocycle))
show(np.concatenate([held_out.inputs[:12], nocycle_out[:12]]), 12, "a GAN alone: input | translation",
     ["input", "no cycle"], 3)

# %% [markdown]
# ## 3. The cycle
#
# Train a second translator $G_{BA}$ back, with its own discriminator $D_A$, and ask for both round
# trips to come home (the paper's $G$ and $F$ are our $G_{AB}$ and $G_{BA}$):
#
# $$\mathcal L_{cyc} = \lambda_A\, \mathbb E_a \lVert G_{BA}(G_{AB}(a)) - a \rVert_1 + \lambda_B\, \mathbb E_b \lVert G_{AB}(G_{BA}(b)) - b \rVert_1 .$$
#
# If $G_{AB}$ turned every sneaker into the same shirt, $G_{BA}$ could not tell which sneaker to
# give back: the cycle forces the translation to keep what its input showed. The paper adds an
# **identity** loss, $\mathbb E_b\lVert G_{AB}(b) - b\rVert_1 + \mathbb E_a\lVert G_{BA}(a) - a\rVert_1$:
# an image already in the target domain should pass through unchanged. G's whole loss
# (`cyclegan_step`, and exercise 25 with one $\lambda$):
#
# $$\mathcal L_G = \mathbb E_a (D_B(G_{AB}(a)) - 1)^2 + \mathbb E_b (D_A(G_{BA}(b)) - 1)^2 + \mathcal L_{cyc} + \lambda_{id} \mathcal L_{identity}.$$
#
# The squares are the **least-squares** GAN loss (Mao et al. 2017), which CycleGAN uses instead of
# the log loss: a fake far on the right side of D's boundary is still pulled closer, and the
# training is steadier.
#
# ## 4. The generator: reflection padding and instance norm
#
# CycleGAN's generator (Johnson et al.'s, in the paper's appendix) downsamples twice, applies
# residual blocks, and upsamples twice. Two of its parts are new to this course.
#
# **Reflection padding** (exercise 23). A convolution at the border needs pixels outside the image;
# zero padding invents black ones, and an image's border then differs from its inside. Reflection
# padding mirrors the image instead. On a white image — exactly domain A — a 3×3 averaging filter
# with zero padding draws a dark frame:

# %%
white = mg.ones(1, 1, 6, 6)
box = mg.ones(1, 1, 3, 3) / 9
zero_padded = F.conv2d(white, box, padding=1).numpy()[0, 0]
reflected = F.conv2d(nn.ReflectionPad2d(1)(white), box).numpy()[0, 0]
print("zero padding, first row:      ", np.round(zero_padded[0], 2))
print("reflection padding, first row:", np.round(reflected[0], 2))
row = mg.tensor(np.array([[[[1.0, 2.0, 3.0, 4.0]]]]))
print("a row [1, 2, 3, 4] reflection-padded by 2:", nn.ReflectionPad2d((2, 2, 0, 0))(row).numpy()[0, 0, 0])
assert np.allclose(reflected, 1) and zero_padded[0, 0] < 0.5
assert nn.ReflectionPad2d((2, 2, 0, 0))(row).numpy()[0, 0, 0].tolist() == [3, 2, 1, 2, 3, 4, 3, 2]

# %% [markdown]
# **Instance normalisation** (exercise 22) normalises each image's channels by that image's own
# mean and variance — batch norm's formula with one image's statistics. A translator should map
# each image on its own; with batch norm, one garment's output would depend on which others share
# its batch.

# %%
G_cyc = build(default_config("cyclegan", steps=1)).G.G_AB
print(G_cyc)
x = mg.tensor(held_out.inputs[:4])
G_cyc.train()
with mg.no_grad():
    together = G_cyc(x).numpy()[:1]
    alone = G_cyc(x[:1]).numpy()
print(f"train mode, |G(a0) in a batch of 4 - G(a0) alone| = {np.abs(together - alone).max():.1e}")
assert np.allclose(together, alone, atol=1e-5)   # no batch statistics anywhere in G

# %% [markdown]
# ## 5. A pool of past fakes, and the schedule
#
# D is trained on a batch drawn from a **pool** of the last 50 translations (`ImagePool`, after
# Shrivastava et al. 2017): once full, each new translation is, with probability ½, swapped for a
# stored one. D then keeps seeing what G made a while ago, and cannot chase G's latest move alone;
# the two oscillate less.

# %%
mg.manual_seed(0)
pool = ImagePool(4)
stream = [pool.query(mg.full((1, 1, 1, 1), float(k))).item() for k in range(12)]
print("translations made:   ", list(range(12)))
print("what D is shown:     ", [int(v) for v in stream])
assert stream[:4] == [0, 1, 2, 3]                                  # filling up: as they come
assert any(v != k for k, v in enumerate(stream))                   # then, sometimes, an old one

# %% [markdown]
# The learning rate stays at $2\cdot10^{-4}$ for the first half of training and falls linearly to 0
# in the second (the paper's 100 + 100 epochs; `lr_decay="linear-second-half"`, minigan's
# `lr_factor`):

# %%
total = 1500
factors = [lr_factor(t, total, "linear-second-half") for t in range(total + 1)]
fig, ax = plt.subplots(figsize=(5, 2.2))
ax.plot(factors); ax.set_xlabel("step"); ax.set_ylabel("lr / initial lr"); ax.set_title("CycleGAN's schedule")
plt.show()
assert factors[0] == factors[total // 2] == 1.0 and factors[-1] == 0.0

# %% [markdown]
# ## 6. CycleGAN, trained

# %%
config = default_config("cyclegan", **base)
run = build(config)
trainer = make_trainer(run, config)
history = trainer.fit(progress=False)
cycle_out = trainer.sample_many(n_eval)
cyc = measure(cycle_out)
print(f"{steps} steps of CycleGAN ({trainer.elapsed:.0f} s)")
for name, m in (("identity map", identity), ("without the cycle", nocycle), ("CycleGAN", cyc)):
    print(f"{name:18s}", fmt(m))
show(np.concatenate([held_out.inputs[:12], nocycle_out[:12], cycle_out[:12], held_out.targets[:12]]), 12,
     "input | no cycle | CycleGAN | the true original", ["input", "no cycle", "CycleGAN", "original"], 3.6)
cycle_a = [r["g_cycle_a"] for r in history]
print(f"cycle loss a -> b -> a: {np.mean(cycle_a[:10]):.3f} in the first 10 steps, {np.mean(cycle_a[-10:]):.3f} in the last 10")
assert np.mean(cycle_a[-10:]) < np.mean(cycle_a[:10])
assert cyc["accuracy"] > nocycle["accuracy"]       # the cycle keeps the garment ...
if not FAST:
    assert cyc["accuracy"] > nocycle["accuracy"] + 0.2 and cyc["accuracy"] > identity["accuracy"] + 0.2
    assert cyc["fd"] < identity["fd"] / 3            # ... and the translations are garments on black

# %% [markdown]
# ## 7. Over three seeds
#
# `experiments/image_to_image.py cyclegan --steps 150` trains CycleGAN and its cycle-free version
# exactly as above (150 steps; the command line's default is 1,500) for seeds 0, 1 and 2 and
# measures all 2,000 held-out translations. Seed 0 is the run above: in full mode its numbers are
# the table's.

# %%
results = json.loads((RESULTS / "image_to_image_cyclegan.json").read_text())
rows = {}
for r in results["rows"]:
    rows.setdefault(r["variant"], []).append(r)
print(f"{'':34s} {'FD':>16s} {'accuracy':>16s} {'CPU s':>6s}")
for name, rs in rows.items():
    cell = lambda k, d: f"{np.mean([r[k] for r in rs]):.{d}f} ± {np.std([r[k] for r in rs]):.{d}f}"
    print(f"{name:34s} {cell('fd', 1):>16s} {cell('accuracy', 3):>16s} {np.mean([r['cpu_seconds'] for r in rs]):6.0f}")
full, free, ident = rows["CycleGAN"], rows["CycleGAN without the cycle loss"], rows["identity map"][0]
assert len(full) == len(free) == 3
assert all(f["accuracy"] > g["accuracy"] + 0.2 for f, g in zip(full, free))   # content: the cycle, every seed
assert all(f["fd"] < ident["fd"] / 3 for f in full)                             # realism: far better than doing nothing
if not FAST:   # seed 0 of the table is the run above
    assert np.isclose(full[0]["fd"], cyc["fd"]) and np.isclose(free[0]["accuracy"], nocycle["accuracy"])

# %% [markdown]
# Without the cycle, the translations are garments on black — but not the input's garment: the
# classifier's accuracy against the inputs' classes falls towards the 10% of guessing. With the
# cycle, the class survives the trip.
#
# **Try this.**
# 1. Set `identity_weight=0`, or one of the two cycle weights to 0: which round trip matters for
#    the A → B direction?
# 2. Train with `pool_size=0` (no history): does D's loss oscillate more?
# 3. Look at $G_{BA}$ (`run.G.G_BA`): does it paint the background white, and leave a black print
#    black?
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_reflection_pad`** (exercise 23): reflection padding and its backward — hint: each padded
#   pixel is a copy of an inner one, so in backward the copies' gradients add up ($R_h^\top g R_w$).
# - **`ex_cycle_loss`** (exercise 25): CycleGAN's generator loss — hint: the cycle term is L1, and the
#   translations must not be detached before they go back.
