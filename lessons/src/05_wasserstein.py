"""Lesson 5: Wasserstein GANs, weight clipping and the gradient penalty (second derivatives)."""

CELLS = [
    ("md", r"""
# Lesson 5 — Wasserstein GANs and the gradient penalty

When the data and the generator's distribution barely overlap, the Jensen–Shannon divergence of the
original GAN is flat and its gradient says little. Arjovsky et al. (2017) use the **Wasserstein-1
distance** instead, via its dual form

$$W(p_\text{data}, p_G) = \sup_{\|f\|_L \le 1} \; \mathbb{E}_{x \sim p_\text{data}}[f(x)] - \mathbb{E}_{z}[f(G(z))],$$

where $f$ — the **critic** — ranges over 1-Lipschitz functions. The critic loss is
$\mathbb{E}[D(G(z))] - \mathbb{E}[D(x)]$; the generator loss is $-\mathbb{E}[D(G(z))]$.

How to keep $D$ 1-Lipschitz? WGAN **clips** its weights to $[-c, c]$. WGAN-GP (Gulrajani et al.
2017) instead adds a **gradient penalty** pushing $\|\nabla_x D(\hat x)\|_2$ towards 1 on points
$\hat x$ between real and fake samples:

$$\lambda\, \mathbb{E}_{\hat x}\big[(\|\nabla_{\hat x} D(\hat x)\|_2 - 1)^2\big].$$

The penalty contains a gradient, and training must differentiate it again with respect to $D$'s
weights: a **second derivative**, through every layer of the critic.
"""),
    ("code", r"""
import os
import numpy as np
import minigan as mg
from minigan import gan, nn

FAST = os.environ.get("MINIGAN_FAST") == "1"
mg.manual_seed(0)
"""),
    ("md", r"""
## 1. The penalty, by hand

`mg.grad(..., create_graph=True)` returns $\nabla_{\hat x} D(\hat x)$ as a tensor that is itself part
of the graph; the penalty built from it can then be `backward()`-ed like any loss.
"""),
    ("code", r"""
critic = gan.DCGANDiscriminator28(width=8, batchnorm=False)   # no BatchNorm: the penalty is per sample
real = mg.randn(4, 1, 28, 28).clamp(-1, 1)
fake = mg.randn(4, 1, 28, 28).clamp(-1, 1)

penalty = gan.gradient_penalty(critic, real, fake)
penalty.backward()
print("penalty:", penalty.item())
print("a second derivative reached the first conv layer:", critic.net[0].weight.grad.abs().sum().item() > 0)
"""),
    ("md", r"""
## 2. Is that second derivative right?

`mg.gradgradcheck` compares it with central differences, in float64, on a tiny critic. This is the
check that convolution's backward is itself correctly differentiable.
"""),
    ("code", r"""
tiny = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(2 * 3 * 3, 1))
for p in tiny.parameters():
    p.array = p.array.astype(np.float64)
x = mg.tensor(np.random.default_rng(0).standard_normal((2, 1, 5, 5)), requires_grad=True)
print("gradcheck:", mg.gradcheck(lambda t: tiny(t), (x,)))
print("gradgradcheck:", mg.gradgradcheck(lambda t: tiny(t), (x,)))
"""),
    ("md", r"""
## 3. Training WGAN-GP on the ring

Five critic steps per generator step (`n_critic=5`) and Adam with $\beta = (0.5, 0.9)$, as in the
WGAN-GP paper; for 2-D data its authors used $\lambda = 0.1$ instead of 10 ("smaller lambda seems
to help for toy tasks"), and we take a larger learning rate (1e-3, decaying to 0) so that the run
fits in a minute. `default_config` holds these choices. The critic's score on real points minus its score on fakes estimates
the Wasserstein distance and should shrink as the generator improves.
"""),
    ("code", r"""
from minigan.gan.recipes import build, default_config

config = default_config("mlp", "ring", loss="wgan-gp", steps=150 if FAST else 2000, sample_every=0)
run = build(config)
trainer = gan.Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config)
trainer.fit(progress=False)
w = [-(row["d_loss"]) for row in trainer.history]
print("critic's estimate of W at the start, middle, end:", [round(w[i], 3) for i in (0, len(w) // 2, -1)])
fake = trainer.sample_many(2500)
print(gan.mode_metrics(fake, run.dataset.mixture.centers, run.dataset.mixture.std))
"""),
    ("md", r"""
(`d_loss` here includes the penalty, so $-$`d_loss` slightly underestimates the critic's $W$.)

## Exercises

1. Train the same with `loss="wgan"` (weight clipping, RMSprop). Plot the critic's weights: where do
   they end up?
2. Set `gp_weight=0`. What happens to the critic's scores?
3. Why must the WGAN-GP critic not use BatchNorm? (Hint: the penalty is per sample.)
"""),
]
