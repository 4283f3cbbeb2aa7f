"""Lesson 3: the minimax game on 2-D data, one step at a time."""

CELLS = [
    ("md", r"""
# Lesson 3 — The GAN game, one step at a time

A generator $G$ turns noise $z$ into samples; a discriminator $D$ outputs the probability that its
input is real. Goodfellow et al. (2014) set them a **minimax game**:

$$\min_G \max_D \; V(D, G) = \mathbb{E}_{x \sim p_\text{data}}[\log D(x)] + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))].$$

For a fixed $G$ the best discriminator is $D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_G(x)}$,
and with it the game measures the Jensen–Shannon divergence between the data and the generator: its
minimum is reached when $p_G = p_\text{data}$ and $D^* = 1/2$ everywhere.

We train on a **ring of 8 Gaussians**: easy to draw, and a GAN that drops a mode is caught at once.
"""),
    ("code", r"""
import os
import numpy as np
import matplotlib.pyplot as plt
import minigan as mg
from minigan import gan, optim
from minigan.datasets import ToyMixture

FAST = os.environ.get("MINIGAN_FAST") == "1"
mg.manual_seed(0)
ring = ToyMixture("ring")
real_points = ring.sample(2000)
plt.figure(figsize=(4, 4)); plt.scatter(*real_points.T, s=2); plt.axis("equal"); plt.title("the data"); plt.show()
"""),
    ("md", r"""
## 1. Two small networks

$D$ outputs a **logit** $a$ and $D(x) = \sigma(a)$. The logs are computed from the logit directly,
without ever forming $\sigma(a)$: $-\log\sigma(a) = \mathrm{softplus}(-a)$ and
$-\log(1-\sigma(a)) = \mathrm{softplus}(a)$, exact and never overflowing (see `minigan/gan/losses.py`).
"""),
    ("code", r"""
G = gan.MLPGenerator(latent_dim=2, out_shape=(2,), hidden=(128, 128))
D = gan.MLPDiscriminator(in_shape=(2,), hidden=(128, 128))
opt_g = optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
opt_d = optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
bce = gan.LOSSES["bce"]
print(G)
"""),
    ("md", r"""
## 2. One discriminator step

`gan.d_step` makes a batch of fakes **without** a graph through $G$ (they are constants for this
step), computes $D$'s loss on real (label 1) and fake (label 0) points, and updates $D$ only.
"""),
    ("code", r"""
def real_batch(n=256):
    return mg.tensor(ring.sample(n))

g_before = [p.array.copy() for p in G.parameters()]
stats = gan.d_step(G, D, opt_d, real_batch(), mg.randn(256, 2), bce)
print(stats)
print("G unchanged by a D step:", all(np.array_equal(a, p.array) for a, p in zip(g_before, G.parameters())))
"""),
    ("md", r"""
## 3. One generator step

`gan.g_step` freezes $D$ (`requires_grad_(False)` on its parameters, restored afterwards): the
gradient flows *through* $D$ to $G$'s parameters, but $D$ does not change.
"""),
    ("code", r"""
d_before = [p.array.copy() for p in D.parameters()]
stats = gan.g_step(G, D, opt_g, mg.randn(256, 2), bce)
print(stats)
print("D unchanged by a G step:", all(np.array_equal(a, p.array) for a, p in zip(d_before, D.parameters())))
print("D trainable again:", all(p.requires_grad for p in D.parameters()))
"""),
    ("md", r"""
## 4. Saturating versus non-saturating

Early in training $D$ easily rejects the fakes: $D(G(z)) \approx 0$. The minimax generator loss
$\log(1 - D(G(z)))$ is then flat — its gradient with respect to the logit is $-\sigma(a) \approx 0$.
Goodfellow's fix, the **non-saturating** loss $-\log D(G(z))$, has gradient $\sigma(a) - 1 \approx -1$
there. Same fixed point, very different learning signal:
"""),
    ("code", r"""
logits = mg.tensor(np.linspace(-8, 4, 200), requires_grad=True)
(g_sat,) = mg.grad(gan.g_loss_minimax(logits) * 200, logits)
(g_ns,) = mg.grad(gan.g_loss_nonsaturating(logits) * 200, logits)
p = mg.sigmoid(logits).numpy()
plt.figure(figsize=(6, 3.5))
plt.plot(p, np.abs(g_sat.numpy()), label="minimax  log(1 - D(G(z)))")
plt.plot(p, np.abs(g_ns.numpy()), label="non-saturating  -log D(G(z))")
plt.xlabel("D(G(z))"); plt.ylabel("|gradient w.r.t. the logit|"); plt.legend(); plt.show()
"""),
    ("md", r"""
## 5. The loop

A training step is a D step then a G step; repeat. We watch the 8 modes appear and count them with
the VEEGAN protocol (`gan.mode_metrics`): a sample is *high quality* within 3 standard deviations of
a mode, and a mode is *covered* when it is the nearest mode of at least one high-quality sample.
"""),
    ("code", r"""
steps = 600 if FAST else 2000
for step in range(1, steps + 1):
    gan.d_step(G, D, opt_d, real_batch(), mg.randn(256, 2), bce)
    gan.g_step(G, D, opt_g, mg.randn(256, 2), bce)
    if step % (steps // 4) == 0:
        with mg.no_grad():
            fake = G(mg.randn(2500, 2)).numpy()
        m = gan.mode_metrics(fake, ring.centers, ring.std)
        print(f"step {step:5d}: {m['modes_covered']}/8 modes, {100 * m['high_quality']:.0f}% high quality")

gan.plots.plot_2d(real_points, fake, "ring.png", centers=ring.centers,
                  critic=lambda pts: D(mg.tensor(pts)).detach().numpy().ravel())
from IPython.display import Image
Image("ring.png")
"""),
    ("md", r"""
The background is $D$'s logit: red where it says "real". Where the generator has covered the data,
$D$ can no longer separate them.

## Exercises

1. Train with `gan.LOSSES["minimax"]` instead. How many modes after the same number of steps?
2. Halve the discriminator's learning rate. Then double it. What happens to the losses?
3. Train on the `"grid"` mixture (25 modes): `ToyMixture("grid")`. Which modes are found last?

The same in one command: `python -m minigan train --model mlp --dataset ring`.
"""),
]
