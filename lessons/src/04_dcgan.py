"""Lesson 4: convolutions, DCGAN and training on Fashion-MNIST images."""

CELLS = [
    ("md", r"""
# Lesson 4 — DCGAN: convolutional GANs on images

An MLP treats a 28x28 image as 784 unrelated numbers. Convolutions share weights across positions,
which is what images need. Radford et al. (2015) found the recipe that made convolutional GANs train
reliably (**DCGAN**):

* the generator **upsamples** with transposed convolutions (stride 2 doubles the size), the
  discriminator **downsamples** with strided convolutions — no pooling;
* **BatchNorm** in both (not on D's input layer nor G's output layer);
* ReLU in G with **tanh** at the output (images scaled to [-1, 1]); LeakyReLU(0.2) in D;
* weights initialised from $\mathcal{N}(0, 0.02)$; Adam with lr $2\cdot10^{-4}$ and $\beta_1 = 0.5$.

We train on the Fashion-MNIST test split that ships with minigan (10,000 images, no download).
"""),
    ("code", r"""
import os
import numpy as np
import matplotlib.pyplot as plt
import minigan as mg
from minigan import gan, nn, functional as F
from minigan.datasets import load_dataset
from minigan.gan.recipes import build, default_config

FAST = os.environ.get("MINIGAN_FAST") == "1"
data = load_dataset("sample")
print(data)
plt.figure(figsize=(5, 5)); plt.imshow(gan.plots.image_grid(data.images[:64])[..., 0], cmap="gray"); plt.axis("off"); plt.show()
"""),
    ("md", r"""
## 1. Convolution as a matrix product

`F.conv2d` unfolds every receptive field of the input into a column (**im2col**) and multiplies by
the weight matrix: one big matrix product, which BLAS (or our CUDA kernel) does fast. Its backward
needs a *transposed convolution* for the input gradient and a correlation of input and output
gradient for the weight gradient — and those are again convolutions, which is why second derivatives
work through conv layers (lesson 5). Shapes through the DCGAN layers:
"""),
    ("code", r"""
x = mg.randn(8, 1, 28, 28)
conv = nn.Conv2d(1, 32, 4, stride=2, padding=1)
h = conv(x)
print("conv2d         ", x.shape, "->", h.shape)          # (28 + 2*1 - 4) / 2 + 1 = 14
up = nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1)
print("conv_transpose2d", h.shape, "->", up(h).shape)     # (14 - 1) * 2 - 2*1 + 4 = 28
"""),
    ("md", r"""
## 2. The models and one training run

`default_config("dcgan", "sample")` holds the defaults that `python -m minigan train` uses; `build`
makes the models, optimizers and data loader; the `Trainer` loops over `d_step` and `g_step`,
keeps a history and samples a **fixed** noise batch (with G in eval mode) as training goes.
"""),
    ("code", r"""
config = default_config("dcgan", "sample", steps=40 if FAST else 600, sample_every=20 if FAST else 100)
run = build(config)
print(run.G)
trainer = gan.Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config)
history = trainer.fit(progress=False)
print(f"{len(history)} steps in {trainer.elapsed:.0f} s")
"""),
    ("code", r"""
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
steps = [row["step"] for row in history]
axes[0].plot(steps, [r["d_loss"] for r in history], label="D loss")
axes[0].plot(steps, [r["g_loss"] for r in history], label="G loss"); axes[0].legend(); axes[0].set_xlabel("step")
axes[1].plot(steps, [r["d_real"] for r in history], label="D(x)")
axes[1].plot(steps, [r["d_fake"] for r in history], label="D(G(z))"); axes[1].legend(); axes[1].set_xlabel("step")
plt.show()
"""),
    ("md", r"""
Reading the curves: a healthy GAN does **not** drive either loss to zero. If $D(x) \to 1$ and
$D(G(z)) \to 0$ for long, the discriminator has won and the generator's gradient is weak; if the
generator's samples all look alike, it has **collapsed** onto a few modes.
"""),
    ("code", r"""
frames = trainer.frames
fig, axes = plt.subplots(1, len(frames[-3:]), figsize=(12, 4))
for ax, frame, label in zip(np.atleast_1d(axes), frames[-3:], ["earlier", "", "latest"]):
    ax.imshow(gan.plots.image_grid(frame.astype(np.float32) / 127.5 - 1)[..., 0], cmap="gray"); ax.axis("off")
plt.show()
"""),
    ("md", r"""
## Exercises

1. Train for the full default (`python -m minigan train`, about 5 minutes on two cores) and look at
   `runs/dcgan-sample/training.gif`.
2. Remove the BatchNorm layers from the generator (`width` stays). Does it still learn?
3. Compare `trainer.sample_fixed()` with G in train mode (batch statistics) — why does the DCGAN
   recipe sample in eval mode?
"""),
]
