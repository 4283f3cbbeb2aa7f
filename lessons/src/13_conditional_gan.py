# %% [markdown]
# # Lesson 13 — A conditional GAN
#
# The GANs so far draw *some* garment; we cannot ask for a sneaker. A **conditional GAN** (Mirza and
# Osindero, 2014) gives both networks the class label $y$:
#
# $$\min_G \max_D \; \mathbb{E}_{(x, y)}[\log D(x, y)] + \mathbb{E}_{z, y}[\log(1 - D(G(z, y), y))].$$
#
# $G(z, y)$ must produce an image of class $y$; $D(x, y)$ judges whether $x$ is a real image **of class
# $y$** — so a realistic shirt labelled "sneaker" is rejected, and $G$ is forced to obey the label.
# This lesson trains one on Fashion-MNIST and draws the 10 × 10 grid: one row per class.
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

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

def show_rows(images, title):
    """Ten images to a row, one row per class, the class names on the left (show_images: -1 black, 1 white)."""
    fig, ax = plt.subplots(figsize=(6.5, 6.5))
    show_images(ax, images, 10, title, CLASSES[:len(images) // 10])
    plt.show()

data = load_dataset("sample")
first_of_each = np.concatenate([data.images[data.labels == c][:10] for c in range(10)])
show_rows(first_of_each, "real images, ten per class")
assert len(np.unique(data.labels)) == 10

# %% [markdown]
# ## 1. How the label goes in
#
# * **Generator**: the label is looked up in an `nn.Embedding(10, 10)` table — a learned 10-number
#   code per class — and concatenated to $z$; the rest is the DCGAN generator of lesson 10.
# * **Discriminator**: the label is looked up in an `nn.Embedding(10, 784)` table and reshaped into a
#   28 × 28 **extra input channel**, so every convolution sees image and label together.
#
# An embedding lookup is a matrix product with a one-hot vector, so it is differentiable in the table:
# the label codes are learned with everything else.

# %%
config = default_config("cgan", "sample", steps=30 if FAST else 600, sample_every=0)
run = build(config)
G, D = run.G, run.D
assert run.conditional and type(G).__name__ == "ConditionalGenerator28"
z = mg.randn(4, config.latent_dim)
labels = mg.Tensor(np.array([0, 7, 7, 9]))
with mg.no_grad():
    images = G(z, labels)
    scores = D(images, labels)
print("G(z, y):", z.shape, "+", labels.shape, "->", images.shape, "   D(x, y) ->", scores.shape)
assert images.shape == (4, 1, 28, 28) and scores.shape == (4, 1)
onehot = np.eye(10, dtype=np.float32)[labels.numpy()]
assert np.allclose(G.label_embedding(labels).detach().numpy(), onehot @ G.label_embedding.weight.detach().numpy())   # lookup = one-hot product

# %% [markdown]
# ## 2. Training
#
# The same `d_step`/`g_step` as before, with `labels` passed to both networks: $D$ sees real images with
# their true labels, and fakes with the labels they were generated for.

# %%
trainer = gan.Trainer(G, D, run.opt_g, run.opt_d, run.loader, config, conditional=True)
history = trainer.fit(progress=True)
print(f"{len(history)} steps in {trainer.elapsed:.0f} s")
assert len(history) == config.steps

# %% [markdown]
# ## 3. The 10 × 10 grid: a label in, that class out
#
# Row $r$ asks for class $r$ ten times, with ten different codes $z$. Then the reverse: one code $z$
# per column, held fixed down the column while the label changes — if the code carries "style"
# (thickness, brightness, size) independent of the class, it shows as a family resemblance along
# each column.

# %%
labels = mg.Tensor(np.repeat(np.arange(10), 10))
grid = trainer.sample(mg.randn(100, config.latent_dim), labels)
show_rows(grid, f"cGAN after {config.steps} steps: row r is class r")

same_z = mg.tensor(np.tile(mg.randn(10, config.latent_dim).numpy(), (10, 1)))   # column j: code j
styled = trainer.sample(same_z, labels)
show_rows(styled, "the same z down each column, the label changing down the rows")
assert not np.allclose(styled[0], styled[10])          # same z, different label: a different image

# %% [markdown]
# ## 4. Does G obey the label?
#
# Ask the classifier of lesson 14 (trained on real Fashion-MNIST) what class each generated image
# is, and compare with the label we asked for. Chance is 10%.

# %%
from minigan.gan.evaluator import load_evaluator
evaluator = load_evaluator("fashion-mnist")
n_per_class = 20 if FAST else 100
asked = np.repeat(np.arange(10), n_per_class)
samples = trainer.sample(mg.randn(len(asked), config.latent_dim), mg.Tensor(asked))
_, probabilities = evaluator.features_and_probabilities(samples)
predicted = probabilities.argmax(axis=1)
accuracy = (predicted == asked).mean()
per_class = [(predicted[asked == c] == c).mean() for c in range(10)]
plt.figure(figsize=(8, 3))
plt.bar(range(10), per_class); plt.axhline(0.1, ls=":", c="k", label="chance")
plt.xticks(range(10), CLASSES, rotation=30); plt.ylabel("classified as asked"); plt.legend()
plt.title(f"the evaluator agrees with the requested label {accuracy:.0%} of the time"); plt.show()
print(f"accuracy of the requested labels: {accuracy:.1%}")
_, real_probabilities = evaluator.features_and_probabilities(data.images[:1000])
assert (real_probabilities.argmax(1) == data.labels[:1000]).mean() > 0.8   # the judge itself is reliable
if not FAST:
    assert accuracy > 0.5                                 # far above chance: the label controls the class

# %% [markdown]
# **Try this.**
# 1. Give D the label but not G (replace `labels` by random labels in the G step). What happens to the grid?
# 2. Which classes does the evaluator confuse most (a confusion matrix of `asked` against `predicted`)? Are they the ones you confuse?
# 3. Interpolate between two **label embeddings** (lesson 10's latent walk, on `G.label_embedding.weight`
#    rows) with $z$ fixed: is there a garment halfway between a sandal and a sneaker?
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# No new exercise. Try passing labels through your **`ex_d_step`** and **`ex_g_step`** (lesson 5):
# $G(z, y)$ and $D(x, y)$.
