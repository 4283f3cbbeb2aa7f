# %% [markdown]
# # Lesson 4 — The minimax game in one dimension
#
# A generator $G$ turns noise $z$ into samples; a discriminator $D$ outputs the probability that its
# input is real. Goodfellow et al. (2014) set them a game:
#
# $$\min_G \max_D \; V(D, G) = \mathbb{E}_{x \sim p_\text{data}}[\log D(x)] + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))].$$
#
# In one dimension every part of it can be drawn and computed exactly. This lesson
#
# 1. redraws Figure 1 of the paper: $p_\text{data}$, $p_g$, a trained $D$ and the optimal $D^*$;
# 2. derives $D^*$, and checks numerically that $V(D^*, G) = -\log 4 + 2\,\mathrm{JSD}(p_\text{data}\,\|\,p_g)$;
# 3. compares the **saturating** and **non-saturating** generator losses, and shows a run where
#    saturation really stalls the generator;
# 4. shows what the non-saturating loss minimises instead of the JSD.
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

def gauss(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))

# %% [markdown]
# ## 1. The optimal discriminator, derived
#
# Write $V$ as one integral over $x$, using $p_g$ for the distribution of $G(z)$:
#
# $$V(D, G) = \int \big[\, p_\text{data}(x) \log D(x) + p_g(x) \log(1 - D(x)) \,\big]\, dx.$$
#
# $D$ may choose its value at each $x$ separately, so maximise the integrand pointwise. For
# $a, b > 0$ the function $y \mapsto a\log y + b\log(1-y)$ on $(0, 1)$ has derivative
# $a/y - b/(1-y)$, zero at $y = a/(a+b)$, and is concave, so that is its maximum:
#
# $$D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)}.$$
#
# Put it back into $V$ and add and subtract $\log 4$, with the mixture $m = (p_\text{data} + p_g)/2$:
#
# $$V(D^*, G) = \int p_\text{data} \log\frac{p_\text{data}}{2m} + p_g \log\frac{p_g}{2m}
#  = -\log 4 + \mathrm{KL}(p_\text{data}\,\|\,m) + \mathrm{KL}(p_g\,\|\,m) = -\log 4 + 2\,\mathrm{JSD}(p_\text{data}\,\|\,p_g).$$
#
# So against the best discriminator, the generator minimises the Jensen–Shannon divergence, and the
# game's value is $-\log 4$ exactly when $p_g = p_\text{data}$, where $D^* = 1/2$ everywhere.
# Check it on a grid, with two Gaussians:

# %%
xs = np.linspace(-8, 8, 40001)
p_data, p_g = gauss(xs, 1.0, 0.5), gauss(xs, -0.5, 0.8)
d_star = p_data / (p_data + p_g)
integrate = lambda f: np.trapezoid(f, xs)
tiny = 1e-300                                            # log(0) guard far in the tails

def value(d, pd, pg):
    return integrate(pd * np.log(d + tiny) + pg * np.log(1 - d + tiny))

m = (p_data + p_g) / 2
jsd = 0.5 * integrate(p_data * np.log((p_data + tiny) / m)) + 0.5 * integrate(p_g * np.log((p_g + tiny) / m))
v_star = value(d_star, p_data, p_g)
print(f"V(D*, G) = {v_star:.8f}   -log 4 + 2 JSD = {-np.log(4) + 2 * jsd:.8f}   (JSD = {jsd:.4f}, at most log 2 = {np.log(2):.4f})")
assert abs(v_star - (-np.log(4) + 2 * jsd)) < 1e-8
assert 0 < jsd < np.log(2)
assert abs(value(np.full_like(xs, 0.5), p_data, p_data) + np.log(4)) < 1e-8   # p_g = p_data: V = -log 4

# %% [markdown]
# ## 2. Figure 1, redrawn
#
# Now a real discriminator — a small MLP trained with minigan on samples of the two distributions,
# with $G$ held fixed — next to the $D^*$ just derived. The lines under the plot are the generator's
# mapping $x = G(z)$, drawn as in the paper: the noise is uniform, $z \sim U(0, 1)$, the $z$ are evenly
# spaced (so every line carries the same probability), and $G$ is the nonlinear map that turns uniform
# noise into $p_g = \mathcal N(-0.5, 0.8^2)$ — the normal quantile function, $G(z) = -0.5 + 0.8\,\Phi^{-1}(z)$.
# Where the lines bunch up, $p_g$ is high. (The device needs a nonlinear $G$: a linear map sends evenly
# spaced $z$ to evenly spaced $x$, and the picture would show no density at all.) In the second panel
# the generator has matched the data, and the best discriminator can only say $1/2$.

# %%
def train_discriminator(sample_real, sample_fake, steps):
    D = gan.MLPDiscriminator(in_shape=(1,), hidden=(32, 32))
    opt = optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    for _ in range(steps):
        opt.zero_grad()
        loss = gan.d_loss_bce(D(mg.tensor(sample_real(256))), D(mg.tensor(sample_fake(256))))
        loss.backward()
        opt.step()
    return D

from scipy.special import ndtri                         # the normal quantile function, Φ⁻¹

rng = np.random.default_rng(0)
real = lambda n: (1.0 + 0.5 * rng.standard_normal((n, 1))).astype(np.float32)
G = lambda z: -0.5 + 0.8 * ndtri(z)                     # a fixed generator of uniform noise: p_g = N(-0.5, 0.8^2)
G_matched = lambda z: 1.0 + 0.5 * ndtri(z)              # one that matches the data
fake = lambda n: G(rng.uniform(size=(n, 1))).astype(np.float32)
steps = 400 if FAST else 1500
D_trained = train_discriminator(real, fake, steps)
D_matched = train_discriminator(real, real, steps)      # a generator that already matches the data

with mg.no_grad():
    d_of = lambda D: mg.sigmoid(D(mg.tensor(xs[:, None].astype(np.float32)))).numpy().ravel()
    d_trained, d_matched = d_of(D_trained), d_of(D_matched)

fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for ax, pg, dt, ds, title in ((axes[0], p_g, d_trained, d_star, "(a) p_g ≠ p_data"),
                              (axes[1], p_data, d_matched, np.full_like(xs, 0.5), "(b) p_g = p_data")):
    ax.plot(xs, p_data, "k.", ms=1, label="p_data")
    ax.plot(xs, pg, "g-", label="p_g")
    ax.plot(xs, dt, "b--", label="trained D")
    ax.plot(xs, ds, "r:", lw=2, label="D* = p_data / (p_data + p_g)")
    ax.set_xlim(-3.5, 3.5); ax.set_ylim(-0.45, 1.05); ax.set_title(title)
    zs = (np.arange(15) + 0.5) / 15                      # evenly spaced in (0, 1): equal probability each
    mapped = G(zs) if pg is p_g else G_matched(zs)
    for z, x in zip(zs, mapped):
        ax.plot([-3 + 6 * z, x], [-0.4, -0.1], c="0.6", lw=0.8)  # z drawn on [-3, 3], x where G puts it
    ax.text(-3.4, -0.38, "z"); ax.text(-3.4, -0.12, "x")
axes[0].legend(loc="upper left", fontsize=8)
plt.show()

region = (p_data + p_g) > 0.1                           # where there are samples to learn from
error = np.abs(d_trained - d_star)[region].max()
print(f"largest |D - D*| where the densities are not tiny: {error:.3f}")
assert error < (0.2 if FAST else 0.1)
assert value(d_trained, p_data, p_g) <= v_star          # D* is the pointwise maximiser: no D does better
assert np.abs(d_matched - 0.5)[p_data > 0.1].max() < 0.2

# The device: equal-probability lines, so (gap between neighbouring lines) × p_g there = 1/15, near enough.
zs = (np.arange(15) + 0.5) / 15
x_lines = G(zs)
gaps, middles = np.diff(x_lines), (x_lines[1:] + x_lines[:-1]) / 2
mass = gaps * gauss(middles, -0.5, 0.8)
print(f"gap × p_g between neighbouring lines: {mass.min():.4f} … {mass.max():.4f} (1/15 = {1 / 15:.4f}); "
      f"gaps {gaps.min():.2f} … {gaps.max():.2f}")
assert np.allclose(mass, 1 / 15, rtol=0.25)             # each gap holds about the same probability ...
assert gaps.max() > 2.5 * gaps.min()                    # ... so the gaps are narrow where p_g is high

# %% [markdown]
# ## 3. Saturating and non-saturating generator losses
#
# $D$ outputs a logit $a$, with $D = \sigma(a)$. The generator of the minimax game minimises
# $\log(1 - D(G(z)))$, whose derivative with respect to the logit is $-\sigma(a) = -D(G(z))$. Early in
# training, $D$ rejects the fakes easily, $D(G(z)) \approx 0$, and the gradient **vanishes**: the loss
# *saturates*. Goodfellow et al. proposed instead to minimise $-\log D(G(z))$, with the same fixed
# point but derivative $\sigma(a) - 1 \approx -1$ exactly where the generator is bad. (minigan computes
# both from the logit, as $-\mathrm{softplus}(a)$ and $\mathrm{softplus}(-a)$, which never overflow.)
#
# **The names.** minigan (like PyTorch's DCGAN example) calls the pair "D's cross-entropy loss + the
# non-saturating G loss" **`bce`**, for *binary cross-entropy*: $D$'s loss is the binary cross-entropy of its
# outputs with labels 1 (real) and 0 (fake), and the non-saturating $-\log D(G(z))$ is the *same*
# cross-entropy on the fakes with the label flipped to 1 ("tell D these are real"). **`minimax`** pairs the
# same D loss with the saturating G loss of the original game. `gan.LOSSES[name]` holds each pair:

# %%
logits = mg.tensor(np.linspace(-9, 5, 300), dtype=mg.float64, requires_grad=True)
n = logits.shape[0]
(g_sat,) = mg.grad(gan.g_loss_minimax(logits) * n, logits)       # the losses are means: undo the 1/n
(g_ns,) = mg.grad(gan.g_loss_nonsaturating(logits) * n, logits)
d = mg.sigmoid(logits).detach().numpy()
assert np.allclose(g_sat.numpy(), -d) and np.allclose(g_ns.numpy(), d - 1)

plt.figure(figsize=(6, 3.5))
plt.semilogx(d, np.abs(g_sat.numpy()), label="saturating  log(1 − D(G(z)))")
plt.semilogx(d, np.abs(g_ns.numpy()), label="non-saturating  −log D(G(z))")
plt.xlabel("D(G(z))"); plt.ylabel("|∂ loss / ∂ logit|"); plt.legend(); plt.title("the learning signal G receives")
plt.show()
at = np.argmin(np.abs(d - 0.01))
assert abs(g_sat.numpy()[at]) < 0.011 and abs(g_ns.numpy()[at]) > 0.98

from minigan import functional as F
ones = mg.ones(*logits.shape, dtype=mg.float64)
for name in ("bce", "minimax"):
    print(f"LOSSES[{name!r}]: D loss {gan.LOSSES[name].d_loss.__name__}, G loss {gan.LOSSES[name].g_loss.__name__}")
assert gan.LOSSES["bce"].g_loss is gan.g_loss_nonsaturating and gan.LOSSES["minimax"].g_loss is gan.g_loss_minimax
assert gan.LOSSES["bce"].d_loss is gan.LOSSES["minimax"].d_loss is gan.d_loss_bce
assert np.isclose(gan.g_loss_nonsaturating(logits).item(),                # G's loss = BCE with label 1 on fakes
                  F.binary_cross_entropy_with_logits(logits, ones).item())

# %% [markdown]
# ## 4. Saturation, for real
#
# A generator $G(z) = wz + b$ starts far from the data ($b = -3$; data $\mathcal N(2, 0.5^2)$). We train
# $D$ **ahead** for 300 steps, so that it confidently rejects the fakes, then alternate D and G steps.
# $G$ uses plain SGD — Adam divides each step by the gradient's recent size, which would partly hide a
# vanishing gradient (try it below). With the saturating loss the generator barely moves; with the
# non-saturating loss it reaches the data within a few dozen steps.

# %%
from tqdm.auto import tqdm

def run(g_loss, seed, ahead=300, steps=200 if FAST else 400):
    mg.manual_seed(seed)
    G = nn.Linear(1, 1); G.weight.array[...] = 0.5; G.bias.array[...] = -3.0
    D = gan.MLPDiscriminator(in_shape=(1,), hidden=(32, 32))
    opt_d = optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_g = optim.SGD(G.parameters(), lr=0.1)
    real = lambda: mg.randn(128, 1) * 0.5 + 2.0
    for _ in range(ahead):                                  # D trained ahead
        gan.d_step(G, D, opt_d, real(), mg.randn(128, 1), gan.LOSSES["bce"])
    means, grads = [], []
    for _ in range(steps):
        gan.d_step(G, D, opt_d, real(), mg.randn(128, 1), gan.LOSSES["bce"])
        stats = gan.g_step(G, D, opt_g, mg.randn(128, 1), gan.LOSSES[g_loss])
        means.append(G.bias.item()); grads.append(stats["g_grad_norm"])
    return np.array(means), np.array(grads)

seeds = [0] if FAST else [0, 1, 2]
results = {loss: [run(loss, s) for s in tqdm(seeds, desc=loss)] for loss in ("minimax", "bce")}
fig, axes = plt.subplots(1, 2, figsize=(12, 3.5))
for loss, color, label in (("minimax", "C3", "saturating"), ("bce", "C0", "non-saturating")):
    for i, (means, grads) in enumerate(results[loss]):
        axes[0].plot(means, c=color, label=label if i == 0 else None)
        axes[1].semilogy(grads, c=color, label=label if i == 0 else None)
axes[0].axhline(2, ls=":", c="k"); axes[0].set_ylabel("mean of G(z)"); axes[0].set_xlabel("G step"); axes[0].legend()
axes[1].set_ylabel("‖∇ G's parameters‖"); axes[1].set_xlabel("G step"); axes[1].legend()
plt.show()

for loss in ("minimax", "bce"):
    print(f"{loss:8s}: mean of G(z) after {len(results[loss][0][0])} G steps, per seed:",
          [round(float(means[-1]), 2) for means, _ in results[loss]])
for means, grads in results["minimax"]:
    assert abs(means[-1] - (-3.0)) < 0.2 and grads[:50].max() < 0.05    # stalled near where it started
for means, grads in results["bce"]:
    assert abs(means[-1] - 2.0) < 0.6                                     # reached the data

# %% [markdown]
# ## 5. What the non-saturating loss minimises
#
# The fix has a price: the non-saturating loss is **not** a JSD minimiser. Against the optimal $D^*$
# (held fixed while $G$ takes its step, as in training), $-\log D^*(x) = \log\frac{p_\text{data}(x) + p_g(x)}{p_\text{data}(x)}$,
# and differentiating $\mathbb{E}_{x\sim p_g}[-\log D^*(x)]$ with respect to $G$'s parameters gives the
# gradient of
#
# $$\mathrm{KL}(p_g \,\|\, p_\text{data}) - 2\,\mathrm{JSD}(p_\text{data} \,\|\, p_g)$$
#
# (Arjovsky & Bottou, 2017), not of $2\,\mathrm{JSD}$ as the minimax loss does. Both are zero when $p_g = p_\text{data}$,
# so the fixed point is the same; the road there is not. The reverse KL term punishes $p_g$ for putting
# mass where there is no data far more than for missing data — a push towards a narrower $p_g$. Check it on the
# grid of section 1, with $p_g = \mathcal N(\mu, \sigma^2)$ at $\mu = -0.5, \sigma = 0.8$: the gradients with
# respect to $(\mu, \sigma)$, by central differences, with $D^*$ frozen at the current $p_g$.

# %%
def kl(p, q):
    return integrate(p * np.log((p + tiny) / (q + tiny)))

def jsd_of(pg):
    m = (p_data + pg) / 2
    return 0.5 * kl(p_data, m) + 0.5 * kl(pg, m)

theta0, h = np.array([-0.5, 0.8]), 1e-5
d_frozen = p_data / (p_data + gauss(xs, *theta0))           # D* of the current generator, then held fixed

def gradient(f):
    """Central differences of f(mu, sigma) at theta0."""
    return np.array([(f(*(theta0 + h * e)) - f(*(theta0 - h * e))) / (2 * h) for e in np.eye(2)])

grad_ns = gradient(lambda mu, s: integrate(gauss(xs, mu, s) * -np.log(d_frozen + tiny)))
grad_mm = gradient(lambda mu, s: integrate(gauss(xs, mu, s) * np.log(1 - d_frozen + tiny)))
grad_jsd = gradient(lambda mu, s: jsd_of(gauss(xs, mu, s)))
grad_kl_jsd = gradient(lambda mu, s: kl(gauss(xs, mu, s), p_data) - 2 * jsd_of(gauss(xs, mu, s)))
angle = np.degrees(np.arccos(grad_ns @ grad_jsd / np.linalg.norm(grad_ns) / np.linalg.norm(grad_jsd)))
print(f"gradient w.r.t. (mu, sigma): minimax loss {np.round(grad_mm, 3)} = 2 JSD's {np.round(2 * grad_jsd, 3)}")
print(f"                             non-saturating {np.round(grad_ns, 3)} = (KL - 2 JSD)'s {np.round(grad_kl_jsd, 3)}")
print(f"angle between the non-saturating loss's gradient and the JSD's: {angle:.0f} degrees")
assert np.allclose(grad_mm, 2 * grad_jsd, atol=1e-6)        # the minimax loss descends the JSD ...
assert np.allclose(grad_ns, grad_kl_jsd, atol=1e-6)         # ... the non-saturating loss descends KL - 2 JSD
assert 70 < angle < 78                                      # a different direction (about 74°), not a rescaled one
assert grad_jsd[1] < 0 < grad_ns[1]                         # JSD says widen p_g (sigma up), NS says narrow it

# %% [markdown]
# Here the two disagree on the width: descending the JSD would *widen* $p_g$ (more overlap with the data
# it is off-centre from), descending the non-saturating loss *narrows* it, and the two directions are
# about 74° apart. In practice the non-saturating loss is still the one to use — it gives a gradient
# when $D$ wins, and the minimax loss does not — but "GANs minimise the JSD" is true only of the loss
# almost nobody trains with. Lesson 11 places every GAN loss among the divergences.
#
# **Try this.**
# 1. Give G Adam instead of SGD (`optim.Adam(G.parameters(), lr=0.01)`). Does the saturating loss still stall? Why not (completely)?
# 2. Skip training D ahead (`ahead=0`). Is saturation still a problem?
# 3. Move the generator of section 2 from `-0.5 + 0.8 Φ⁻¹(z)` to `1.0 + 0.5 Φ⁻¹(z)` step by step and watch JSD fall to 0.
# 4. Repeat section 5 at $\mu = 1$ (the right centre), $\sigma = 1.5$: do the two losses still disagree?
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_bce_logits`** (exercise 9): binary cross-entropy from logits — hint: write it as
#   $\max(a, 0) - a y + \log(1 + e^{-|a|})$; never compute $\log(1 - \sigma(a))$.
