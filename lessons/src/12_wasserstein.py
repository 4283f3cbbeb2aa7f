# %% [markdown]
# # Lesson 12 — Wasserstein GANs
#
# When the data and the generator's distribution barely overlap — early in training, or whenever both
# live on thin sets in a big space — the Jensen–Shannon divergence of lesson 4 is stuck at $\log 2$
# and tells the generator nothing about which way to move. Arjovsky et al. (2017) use the
# **Wasserstein-1 distance** (earth mover's distance) instead, through its dual form
#
# $$W(p_\text{data}, p_g) = \sup_{\|f\|_L \le 1} \; \mathbb{E}_{x \sim p_\text{data}}[f(x)] - \mathbb{E}_{z}[f(G(z))],$$
#
# where $f$, the **critic**, ranges over 1-Lipschitz functions. This lesson:
#
# 1. critic vs discriminator, and why $W$ gives a gradient where JSD does not;
# 2. keeping the critic Lipschitz by **weight clipping** — run, and its weights and gradients shown;
# 3. the **gradient penalty** (WGAN-GP), built from `mg.grad(create_graph=True)`, with plots;
# 4. **spectral normalisation**, the third way.
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

from minigan import nn, optim, gan
from minigan.datasets import ToyMixture
from tqdm.auto import trange
ring = ToyMixture("ring")

# %% [markdown]
# ## 1. Critic versus discriminator
#
# A **discriminator** outputs a probability (through a sigmoid), trained with cross-entropy; at its
# optimum it measures JSD. A **critic** outputs an unbounded score; its loss is
# $\mathbb{E}[D(G(z))] - \mathbb{E}[D(x)]$ (it wants high scores on data), the generator's loss is
# $-\mathbb{E}[D(G(z))]$, and the Lipschitz constraint stops the scores from running off to infinity.
#
# Take two narrow Gaussians (std 0.05) at distance $\theta$. Once they stop overlapping, JSD is $\log 2$
# whatever $\theta$ is — flat, no gradient — while $W = |\theta|$ keeps growing linearly: a useful signal
# at every distance. (For two 1-D distributions, $W$ is the mean distance between their quantiles.)

# %%
xs = np.linspace(-3, 8, 60001)
gauss = lambda x, m, s: np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))
def jsd(p, q):
    m = (p + q) / 2
    kl = lambda a: np.trapezoid(np.where(a > 0, a * np.log((a + 1e-300) / (m + 1e-300)), 0), xs)
    return 0.5 * kl(p) + 0.5 * kl(q)
rng = np.random.default_rng(0)
base = np.sort(0.05 * rng.standard_normal(20000))
thetas = np.linspace(0, 4, 41)
js = [jsd(gauss(xs, 0, 0.05), gauss(xs, t, 0.05)) for t in thetas]
w1 = [np.abs(base - np.sort(t + 0.05 * rng.standard_normal(20000))).mean() for t in thetas]
plt.figure(figsize=(6, 3.5))
plt.plot(thetas, js, label="JSD"); plt.plot(thetas, w1, label="W₁")
plt.axhline(np.log(2), ls=":", c="C0"); plt.xlabel("θ (distance between the two)"); plt.legend()
plt.title("JSD saturates at log 2, W₁ = |θ| does not"); plt.show()
far = thetas >= 1
assert np.allclose(np.array(js)[far], np.log(2), atol=1e-6)          # flat: no gradient w.r.t. θ
assert np.allclose(np.array(w1)[far], thetas[far], atol=0.01)          # linear in θ

# %% [markdown]
# ## 2. Weight clipping (WGAN)
#
# The original WGAN keeps the critic Lipschitz the bluntest way: after every critic update, clip each
# weight to $[-c, c]$. Arjovsky et al. train with RMSprop (learning rate $5\cdot10^{-5}$, $c = 0.01$,
# 5 critic steps per generator step) on images. We use the same recipe on the ring, with the larger
# steps of minigan's toy defaults (learning rate $5\cdot10^{-4}$, $c = 0.05$) so that it trains in a
# minute. Then we look at where the critic's weights end up.

# %%
def make(seed, hidden=64):
    mg.manual_seed(seed)
    return (gan.MLPGenerator(latent_dim=2, out_shape=(2,), hidden=(hidden, hidden)),
            gan.MLPDiscriminator(in_shape=(2,), hidden=(hidden, hidden)))

def train_wgan(G, D, opt_g, opt_d, loss, steps, n_critic=5, desc="", **d_options):
    estimates = []
    for _ in trange(steps, desc=desc):
        for _ in range(n_critic):
            gan.d_step(G, D, opt_d, mg.tensor(ring.sample(256)), mg.randn(256, 2), loss, **d_options)
        gan.g_step(G, D, opt_g, mg.randn(256, 2), loss)
        with mg.no_grad():                              # the critic's estimate of W, penalty left out
            real, fake = mg.tensor(ring.sample(512)), G(mg.randn(512, 2))
            estimates.append((D(real).mean() - D(fake).mean()).item())
    return np.array(estimates)

steps = 150 if FAST else 1000
c = 0.05
G_clip, D_clip = make(0)
w_clip = train_wgan(G_clip, D_clip, optim.RMSprop(G_clip.parameters(), lr=5e-4), optim.RMSprop(D_clip.parameters(), lr=5e-4),
                    gan.LOSSES["wgan"], steps, desc="WGAN, clipping", clip_value=c)

layers = [p.detach().numpy().ravel() for name, p in D_clip.named_parameters() if name.endswith("weight")]
weights = np.concatenate(layers)
near_bound = np.mean(np.abs(weights) > 0.8 * c)          # a uniform spread over [-c, c] would give 20%
last_on_bound = np.mean(np.isclose(np.abs(layers[-1]), c))
plt.figure(figsize=(6, 3))
plt.hist(weights, bins=61, range=(-c * 1.05, c * 1.05))
plt.xlabel("critic weight"); plt.title(f"clipped to ±{c}: {near_bound:.0%} of the weights within 20% of ±c")
plt.show()
print(f"{near_bound:.0%} of all weights beyond 0.8c; {last_on_bound:.0%} of the output layer's exactly on ±c")
assert np.abs(weights).max() <= c + 1e-7
assert near_bound > (0.4 if FAST else 0.6)               # the weights pile up at the clipping bounds ...
assert last_on_bound > 0.6                             # ... most of the output layer exactly on it

# %% [markdown]
# The weights pile up at $\pm c$ (in this run's measurements, about three quarters of them beyond
# $0.8c$ after 1,000 steps, and about four fifths of the output layer exactly on the bound): the critic wants to be steeper than clipping allows, and
# clipping turns it into a function of (nearly) binary weights — a poor use of its capacity. And the
# bound on the weights is not the constraint we wanted (gradient norm 1): we measure the critic's
# gradient norm $\|\nabla_x D(\hat x)\|$ on points $\hat x$ between real and fake samples.

# %%
def gradient_norms(D, G, n=512):
    real, fake = mg.tensor(ring.sample(n)), G(mg.randn(n, 2)).detach()
    eps = mg.rand(n, 1)
    mixed = (eps * real + (1 - eps) * fake).requires_grad_()
    (g,) = mg.grad(D(mixed).sum(), mixed)
    return np.linalg.norm(g.numpy(), axis=1)

norms_clip = gradient_norms(D_clip, G_clip)
print(f"clipped critic: gradient norm median {np.median(norms_clip):.3f}")

# %% [markdown]
# ## 3. The gradient penalty (WGAN-GP)
#
# Gulrajani et al. (2017) replace clipping by a soft constraint: the optimal critic has gradient norm 1
# almost everywhere between the two distributions, so penalise the deviation there,
#
# $$\lambda\, \mathbb{E}_{\hat x}\big[(\|\nabla_{\hat x} D(\hat x)\|_2 - 1)^2\big], \qquad
# \hat x = \epsilon x + (1-\epsilon) G(z),\ \epsilon \sim U[0, 1].$$
#
# The penalty contains a gradient, and training must differentiate it with respect to $D$'s weights —
# a **second derivative** through every layer. `mg.grad(..., create_graph=True)` returns
# $\nabla_{\hat x} D$ as a tensor of the graph, so the penalty can be `backward()`-ed like any loss. Here
# it is by hand, next to minigan's `gan.gradient_penalty` (same random draws, same number):

# %%
def my_gradient_penalty(D, real, fake):
    eps = mg.rand(real.shape[0], 1, dtype=real.dtype)
    mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_()
    (grad,) = mg.grad(D(mixed).sum(), mixed, create_graph=True)    # a gradient that is differentiable again
    norms = (grad ** 2).sum(dim=1).sqrt()
    return ((norms - 1) ** 2).mean()

G, D = make(1)
real, fake = mg.tensor(ring.sample(64)), G(mg.randn(64, 2))
state = mg.get_rng_state()
mine = my_gradient_penalty(D, real, fake)
mg.set_rng_state(state)
theirs = gan.gradient_penalty(D, real, fake)
assert mine.item() == theirs.item()
mine.backward()
first_layer = D.net[1].weight
assert first_layer.grad is not None and np.abs(first_layer.grad.numpy()).sum() > 0
print(f"penalty {mine.item():.4f}; its gradient reached the first layer's weights")

# %% [markdown]
# Is that second derivative right? `mg.gradgradcheck` compares it with central differences in float64,
# here through a tiny convolutional critic (conv → LeakyReLU → linear), as on images:

# %%
tiny = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(2 * 3 * 3, 1)).double()
x = mg.tensor(np.random.default_rng(0).standard_normal((2, 1, 5, 5)), requires_grad=True)
assert mg.gradcheck(lambda t: tiny(t), (x,)) and mg.gradgradcheck(lambda t: tiny(t), (x,))

# %% [markdown]
# **The settings, attributed correctly.** The WGAN-GP paper's Algorithm 1 uses $\lambda = 10$, $n_\text{critic} = 5$
# and Adam with learning rate $10^{-4}$, $\beta_1 = 0$, $\beta_2 = 0.9$. The authors' own script for the 2-D
# toy datasets uses different values: $\lambda = 0.1$ ("smaller lambda seems to help for toy tasks") and
# Adam with $\beta_1 = 0.5$, $\beta_2 = 0.9$. minigan's toy default (`default_config("mlp", "ring",
# loss="wgan-gp")`) follows the toy script, with a larger learning rate ($10^{-3}$, decaying to 0) to fit
# a short run. Below: the toy script's $\lambda = 0.1$ and betas, our learning rate.

# %%
G_gp, D_gp = make(0)
w_gp = train_wgan(G_gp, D_gp, optim.Adam(G_gp.parameters(), lr=1e-3, betas=(0.5, 0.9)),
                  optim.Adam(D_gp.parameters(), lr=1e-3, betas=(0.5, 0.9)), gan.LOSSES["wgan-gp"], steps,
                  desc="WGAN-GP", gp_weight=0.1)
norms_gp = gradient_norms(D_gp, G_gp)

fig, axes = plt.subplots(1, 3, figsize=(15, 3.5))
bins = np.logspace(-3, 1.5, 60)
axes[0].hist(norms_clip, bins=bins, alpha=0.7, label="weight clipping")
axes[0].hist(norms_gp, bins=bins, alpha=0.7, label="gradient penalty, λ = 0.1")
axes[0].set_xscale("log"); axes[0].axvline(1, c="k", ls=":"); axes[0].set_xlabel("‖∇ₓ D(x̂)‖ between real and fake"); axes[0].legend()
smooth = lambda v, k=20: np.convolve(v, np.ones(k) / k, mode="valid")
for ax, w, name in ((axes[1], w_clip, "clipping"), (axes[2], w_gp, "gradient penalty")):
    ax.plot(np.arange(len(smooth(w))) + 10, smooth(w)); ax.set_xlabel("generator step")
    ax.set_title(f"{name}: E[D(x)] − E[D(G(z))]")
plt.show()
print(f"median gradient norm: clipping {np.median(norms_clip):.3f}, penalty {np.median(norms_gp):.3f}")
assert np.median(norms_clip) < 0.2            # clipping: a scale set by c and the widths, far below 1
assert 0.3 < np.median(norms_gp) < 5          # the penalty: of order 1

# %% [markdown]
# Clipping bounds the **weights**, not the gradient: the clipped critic's gradient norm is far below 1,
# a scale set by $c$ and the layer widths, so its estimate of $W$ is scaled down by the same unknown
# factor. The penalty pulls the norms to order 1 — loosely at the toy script's $\lambda = 0.1$ (try
# $\lambda = 10$ below to see them held tighter).
#
# What the estimate of $W$ does, measured (not what one might expect): it does **not** shrink steadily.
# Early on the critic is still learning to separate the two distributions, so its estimate **rises**
# while the critic catches up; only once the critic is good does it track the generator's progress
# and fall. The numbers of this run:

# %%
sw = smooth(w_gp)
start, peak, end = sw[0], sw.max(), sw[-1]
print(f"WGAN-GP estimate of W: start {start:.3f}, peak {peak:.3f} at step {sw.argmax() + 10}, end {end:.3f}")
assert peak > start                    # it rises first
if not FAST:
    assert end < peak                  # and falls once the critic has caught up
metrics = {name: gan.mode_metrics(Gm(mg.randn(2500, 2)).detach().numpy(), ring.centers, ring.std)
           for name, Gm in (("clipping", G_clip), ("penalty", G_gp))}
for name, m in metrics.items():
    print(f"{name:9s}: {m['modes_covered']}/8 modes, {m['high_quality']:.0%} high quality")

# %% [markdown]
# ## 4. Spectral normalisation
#
# A third way (Miyato et al. 2018): divide each layer's weight by its largest singular value $\sigma(W)$,
# estimated by one step of power iteration per forward pass. Each linear map then has Lipschitz
# constant 1, and with 1-Lipschitz activations (LeakyReLU is) so does the whole network — with no
# extra loss term and no second derivative. It is also used with the ordinary cross-entropy loss;
# below we keep the Wasserstein loss and train without clipping or penalty.

# %%
G_sn, D_sn = make(0)
for module in D_sn.modules():
    if isinstance(module, nn.Linear):
        nn.utils.spectral_norm(module)
w_sn = train_wgan(G_sn, D_sn, optim.Adam(G_sn.parameters(), lr=1e-3, betas=(0.5, 0.9)),
                  optim.Adam(D_sn.parameters(), lr=1e-3, betas=(0.5, 0.9)), gan.LOSSES["wgan"], steps // 2,
                  n_critic=1, desc="spectral norm", clip_value=1e9)
sigmas = [np.linalg.svd(m.weight.numpy(), compute_uv=False)[0] for m in D_sn.modules() if isinstance(m, nn.Linear)]
norms_sn = gradient_norms(D_sn, G_sn)
print("largest singular value of each normalised weight:", np.round(sigmas, 3))
print(f"gradient norms: max {norms_sn.max():.3f} (at most 1 for a 1-Lipschitz critic)")
assert np.allclose(sigmas, 1, atol=0.05)
assert norms_sn.max() <= 1.05

# %% [markdown]
# **Try this.**
# 1. Set `gp_weight=10` (Algorithm 1's $\lambda$) on the ring. Better or worse than 0.1?
# 2. Clip at $c = 0.01$ (the paper's value for images) instead of 0.05. What happens to the critic's estimate?
# 3. Why must a WGAN-GP critic not use BatchNorm? (Hint: the penalty is per sample; what does BatchNorm make each output depend on?)
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_gradient_penalty`** (exercise 15) — hint: `mg.grad(critic(x_hat).sum(), x_hat, create_graph=True)`
#   (section 3); without `create_graph` the penalty cannot train the critic.
