# %% [markdown]
# # Lesson 6 — Optimisers: momentum, Adam, and the settings GANs train with
#
# Lesson 5 ended every step with `opt.step()`, and every GAN from lesson 7 on trains with
# `optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))`. This lesson opens that call:
#
# 1. plain gradient descent on a long, narrow valley: the learning-rate limit and the zig-zag;
# 2. **momentum** (Polyak's heavy ball), derived, written by hand, and checked bit for bit against
#    `optim.SGD(momentum=...)`;
# 3. **Adam** (Kingma and Ba 2015): per-weight step sizes, the bias correction derived, checked
#    against `optim.Adam`;
# 4. why GANs use **β₁ = 0.5** rather than Adam's default 0.9: momentum in a game;
# 5. **TTUR**: one learning rate per network.
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
from minigan import nn, optim, gan
REPO = Path(mg.__file__).resolve().parents[1]

# %% [markdown]
# ## 1. Gradient descent in a valley
#
# Take the simplest loss with two very different curvatures, $f(w) = \tfrac12(\lambda_1 w_1^2 + \lambda_2 w_2^2)$
# with $\lambda_1 = 1$ and $\lambda_2 = 50$: a valley 50 times steeper across than along. Its gradient
# is $(\lambda_1 w_1, \lambda_2 w_2)$, so a gradient step $w \leftarrow w - \eta\nabla f$ multiplies each
# coordinate by $(1 - \eta\lambda_i)$. Two consequences, both exact:
#
# * the step must satisfy $|1 - \eta\lambda_2| < 1$, i.e. $\eta < 2/\lambda_2 = 0.04$, or $w_2$ blows up;
# * at the best rate, $\eta = 2/(\lambda_1 + \lambda_2)$, both coordinates shrink by
#   $(\kappa-1)/(\kappa+1) = 49/51$ per step ($\kappa = \lambda_2/\lambda_1$, the condition number):
#   about 345 steps to gain a factor $10^6$. The steep direction dictates the step, the flat one the time.

# %%
lam = np.array([1.0, 50.0])
start = np.array([1.0, 0.04])
loss = lambda w: 0.5 * (lam * w * w).sum()
grad = lambda w: lam * w

def descend(lr, steps, momentum=0.0):
    """Gradient descent with heavy-ball momentum (PyTorch's form): b <- momentum * b + g; w <- w - lr * b."""
    w, b, path = start.copy(), np.zeros(2), [start.copy()]
    for _ in range(steps):
        b = momentum * b + grad(w)
        w = w - lr * b
        path.append(w)
    return np.array(path)

def steps_to(path, tol=1e-6):
    """The first step at which the distance from the minimum is below tol times the start's."""
    dist = np.linalg.norm(path, axis=1) / np.linalg.norm(start)
    return int(np.argmax(dist < tol)) if (dist < tol).any() else None

best_lr = 2 / lam.sum()
gd = descend(best_lr, 600)
unstable = descend(0.041, 100)
print(f"best fixed rate {best_lr:.4f}: {steps_to(gd)} steps to 1e-6; rate 0.041 > 2/50: |w| = {np.linalg.norm(unstable[-1]):.1e} after 100 steps")
assert steps_to(gd) == int(np.ceil(np.log(1e-6) / np.log(49 / 51)))     # 345: the predicted rate, exactly
assert np.linalg.norm(unstable[-1]) > 1                                 # above 2/λ₂ the steep coordinate diverges

# %% [markdown]
# ## 2. Momentum
#
# Look at what the steps do: across the valley the gradient flips sign every step (the zig-zag),
# along it the gradient points the same way every step but is small. **Momentum** keeps a running
# sum of gradients, $b_t = \mu b_{t-1} + g_t$, and steps along it, $w_{t+1} = w_t - \eta b_t$. Unrolled,
#
# $$b_t = g_t + \mu g_{t-1} + \mu^2 g_{t-2} + \dots,$$
#
# so gradients that keep their sign add up (along the valley the effective rate grows to
# $\eta/(1-\mu)$), while gradients that flip sign cancel (across it). The same update written with
# positions is $w_{t+1} = w_t - \eta g_t + \mu(w_t - w_{t-1})$: a heavy ball that keeps part of its last
# move (Polyak 1964). On a quadratic the best pair is known: $\mu = \big(\frac{\sqrt\kappa-1}{\sqrt\kappa+1}\big)^2$,
# $\eta = \frac{4}{(\sqrt{\lambda_1}+\sqrt{\lambda_2})^2}$, shrinking the distance by $\frac{\sqrt\kappa-1}{\sqrt\kappa+1}$
# per step — the square root of the condition number instead of the condition number.

# %%
kappa = lam[1] / lam[0]
mu_best = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
lr_best = 4 / (np.sqrt(lam[0]) + np.sqrt(lam[1])) ** 2
heavy = descend(lr_best, 600, momentum=mu_best)
too_much = descend(best_lr, 600, momentum=0.9)

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
ww1, ww2 = np.meshgrid(np.linspace(-1.1, 1.1, 200), np.linspace(-0.12, 0.12, 200))
axes[0].contour(ww1, ww2, 0.5 * (lam[0] * ww1 ** 2 + lam[1] * ww2 ** 2), levels=12, colors="0.8")
for path, name in ((gd, "gradient descent"), (heavy, f"momentum μ = {mu_best:.2f}"), (too_much, "momentum μ = 0.9")):
    axes[0].plot(*path[:40].T, ".-", lw=0.8, ms=3, label=name)
    axes[1].semilogy(np.linalg.norm(path, axis=1), label=name)
axes[0].set_title("the first 40 steps"); axes[0].legend(fontsize=8)
axes[1].set_xlabel("step"); axes[1].set_ylabel("|w|"); axes[1].legend(); axes[1].set_ylim(1e-12, 2)
plt.show()
print(f"steps to 1e-6: gradient descent {steps_to(gd)}, best momentum {steps_to(heavy)} (μ = {mu_best:.3f}, η = {lr_best:.4f}), "
      f"μ = 0.9 {steps_to(too_much)}")
assert steps_to(heavy) < steps_to(gd) / 5                      # sqrt(κ) instead of κ: 6 times fewer steps here
predicted = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
rate = (np.linalg.norm(heavy[80]) / np.linalg.norm(heavy[40])) ** (1 / 40)
assert abs(rate - predicted) < 0.02                           # the predicted contraction per step
assert steps_to(too_much) > steps_to(heavy)                   # too much momentum rings around the minimum

# %% [markdown]
# Momentum that is too large (μ = 0.9 here) overshoots and rings: the ball keeps too much of its speed.
#
# `optim.SGD(params, lr, momentum)` is this update. PyTorch's convention, which minigan follows, has
# three details worth knowing: the buffer starts as the first gradient itself (not $\mu \cdot 0 + g$
# with dampening); `dampening` $\tau$ scales later gradients, $b \leftarrow \mu b + (1-\tau) g$; `nesterov=True`
# steps along $g + \mu b$ instead of $b$ (a look ahead). Our hand-written loop against `optim.SGD`, on a
# minigan tensor with the loss backpropagated: the same numbers, bit for bit.

# %%
w = mg.tensor(start.copy(), requires_grad=True)
opt = optim.SGD([w], lr=lr_best, momentum=mu_best)
for _ in range(50):
    opt.zero_grad()
    (0.5 * (mg.tensor(lam) * w * w).sum()).backward()
    opt.step()
assert np.array_equal(w.detach().numpy(), heavy[50])
print("optim.SGD(momentum) after 50 steps:", w.detach().numpy(), "== the hand-written loop")

# %% [markdown]
# ## 3. Adam
#
# One learning rate for every weight is a poor fit for a network: the gradients of different layers
# differ by orders of magnitude, and the rate that is safe for the largest is slow for the rest.
# RMSprop divides each weight's gradient by a running root-mean-square of its own past gradients; Adam
# does that and adds momentum. With $g_t$ the gradient at step $t$:
#
# $$m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \qquad m_0 = v_0 = 0,$$
# $$w_t = w_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}, \qquad \hat m_t = \frac{m_t}{1-\beta_1^t}, \quad \hat v_t = \frac{v_t}{1-\beta_2^t}.$$
#
# **The bias correction, derived.** Unroll $m_t = (1-\beta_1)\sum_{k=1}^{t} \beta_1^{t-k} g_k$. If the
# gradients have a steady mean $\bar g$, the weights $(1-\beta_1)\beta_1^{t-k}$ sum to $1 - \beta_1^t$, so
# $\mathbb E[m_t] = (1-\beta_1^t)\,\bar g$: an average that starts at 0 is too small early on, by exactly
# that factor; dividing it out gives an unbiased average. The same holds for $v_t$ with $\beta_2$. Without
# the correction the first step would be $\eta\,(1-\beta_1)/\sqrt{1-\beta_2}$ instead of $\eta$ — for
# $\beta = (0.5, 0.999)$ about **16 times** too large, at the moment the weights are most fragile.
#
# Here is Adam written from the formulas (minigan's `optim.Adam` adds `eps` after dividing the
# square root by its correction, as PyTorch does; we write it the same way):

# %%
def adam(grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, corrected=True):
    """Run Adam on a sequence of gradients (a list of arrays); returns the steps taken (T, ...)."""
    b1, b2 = betas
    m = v = 0.0
    steps = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        if corrected:
            steps.append(-lr / (1 - b1 ** t) * m / (np.sqrt(v) / np.sqrt(1 - b2 ** t) + eps))
        else:
            steps.append(-lr * m / (np.sqrt(v) + eps))
    return np.array(steps)

# A constant gradient: every corrected step is exactly -lr, from the first on.
constant = [np.array([3.0])] * 60
fig, ax = plt.subplots(figsize=(7, 3.5))
for b1 in (0.5, 0.9):
    for corrected in (True, False):
        s = -adam(constant, lr=1.0, betas=(b1, 0.999), corrected=corrected)[:, 0]
        ax.plot(np.arange(1, 61), s, ls="-" if corrected else "--", label=f"β₁ = {b1}, {'corrected' if corrected else 'no correction'}")
        if corrected:
            assert np.allclose(s, 1.0, rtol=1e-6)
        else:
            assert np.isclose(s[0], (1 - b1) / np.sqrt(1 - 0.999), rtol=1e-6)    # 15.8 for β₁ = 0.5
ax.set_xlabel("step"); ax.set_ylabel("step size / lr"); ax.set_yscale("log"); ax.legend(fontsize=8)
ax.set_title("a constant gradient: the steps Adam takes"); plt.show()

# %% [markdown]
# The same steps from `optim.Adam` on a minigan tensor, with GAN betas and gradients of random size:

# %%
rng = np.random.default_rng(0)
grads = [rng.standard_normal(4) * 10.0 ** rng.integers(-3, 3, 4) for _ in range(20)]
w = mg.tensor(np.zeros(4), requires_grad=True)
opt = optim.Adam([w], lr=2e-4, betas=(0.5, 0.999))
for g in grads:
    w.grad = mg.tensor(g)
    opt.step()
ours = adam(grads, lr=2e-4, betas=(0.5, 0.999)).sum(axis=0)
np.testing.assert_allclose(w.detach().numpy(), ours, rtol=1e-12, atol=1e-18)
print("optim.Adam after 20 steps:", w.detach().numpy())
print("by hand:                  ", ours)

# %% [markdown]
# Two properties that make Adam the default for GANs, checked:
#
# * **no weight moves by much more than η per step**, whatever the size of its gradient — above, the
#   gradients spanned seven orders of magnitude and no step was larger than twice η;
# * scaling the loss by a constant changes nothing (up to $\epsilon$): a loss that is 1000 times larger
#   gives the same trajectory. (SGD's steps would be 1000 times larger.)

# %%
steps = adam(grads, lr=2e-4, betas=(0.5, 0.999))
sizes = np.abs(steps)
scaled = adam([1000 * g for g in grads], lr=2e-4, betas=(0.5, 0.999))
g_sizes = np.abs(np.array(grads))
print(f"gradient sizes from {g_sizes.min():.1e} to {g_sizes.max():.1e}; step sizes from {sizes.min():.1e} to {sizes.max():.1e}")
assert g_sizes.max() / g_sizes.min() > 1e6                   # gradients of wildly different sizes ...
assert sizes.max() < 2 * 2e-4                                # ... and no step above twice the learning rate
np.testing.assert_allclose(scaled, steps, rtol=1e-4)         # invariant to the loss's scale

# %% [markdown]
# (A weight whose gradient changes sign often gets steps well below η: $\hat m$ averages the signs away
# while $\hat v$ does not. That is momentum's averaging again, per weight.)
#
# ## 4. Why GANs use β₁ = 0.5
#
# Radford et al. (2016, the DCGAN paper) report that with Adam's default $\beta_1 = 0.9$ training
# oscillated and was unstable, and that $\beta_1 = 0.5$ helped; pytorch/examples and minigan's recipes
# keep it. WGAN-GP and SAGAN go further, to $\beta_1 = 0$ (SAGAN: $\beta = (0, 0.9)$). Why would *less*
# momentum help, when section 2 showed momentum speeding descent up?
#
# Because a GAN is not a descent. Each player follows its own gradient, and the pair of gradients
# **rotates** (lesson 8 shows why, on games small enough to solve). Momentum adds past gradients to the
# present one. On a loss the past gradients point roughly the same way; on a rotating field they point
# where the field pointed a moment ago — off to the side — and adding them pushes the players outwards,
# away from the equilibrium they circle. The smallest rotating game is $\min_x \max_y\, xy$, with
# alternating steps (one player, then the other, as `gan.d_step` then `gan.g_step`). First plain
# momentum, then Adam with three values of $\beta_1$:

# %%
def play_bilinear(update, steps):
    """Alternating play on min_x max_y xy from (1, 1): x descends on xy, then y descends on -xy."""
    x, y = 1.0, 1.0
    state_x, state_y, dist = {}, {}, []
    for t in range(1, steps + 1):
        x = x + update(y, state_x, t)             # d(xy)/dx = y
        y = y + update(-x, state_y, t)            # d(-xy)/dy = -x, at the new x
        dist.append(np.hypot(x, y))
    return np.array(dist)

def heavy_ball(mu, lr=0.1):
    def update(g, state, t):
        state["b"] = mu * state.get("b", 0.0) + g
        return -lr * state["b"]
    return update

def adam_update(beta1, lr=0.01, beta2=0.999, eps=1e-8):
    def update(g, state, t):
        state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
        state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
        return -lr / (1 - beta1 ** t) * state["m"] / (np.sqrt(state["v"]) / np.sqrt(1 - beta2 ** t) + eps)
    return update

n = 2000
hb = {mu: play_bilinear(heavy_ball(mu), 300) for mu in (-0.5, 0.0, 0.5)}
ad = {b1: play_bilinear(adam_update(b1), n) for b1 in (0.0, 0.5, 0.9)}
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for mu, d in hb.items():
    axes[0].semilogy(d, label=f"momentum μ = {mu}")
axes[0].set_title("heavy ball, lr 0.1"); axes[0].set_xlabel("step"); axes[0].set_ylabel("distance from (0, 0)"); axes[0].legend()
for b1, d in ad.items():
    axes[1].plot(d, label=f"Adam β₁ = {b1}")
axes[1].axhline(np.sqrt(2), c="k", ls=":", lw=0.8)
axes[1].set_title("Adam, lr 0.01, β₂ = 0.999"); axes[1].set_xlabel("step"); axes[1].legend()
plt.show()
for b1, d in ad.items():
    print(f"Adam β₁ = {b1}: distance {d[0]:.2f} at step 1, {d[-1]:.2f} at step {n}")
print("heavy ball after 300 steps:", {mu: f"{d[-1]:.3g}" for mu, d in hb.items()})
assert hb[0.5][-1] > 1e3                                               # positive momentum explodes,
assert abs(hb[0.0][-1] / np.sqrt(2) - 1) < 0.1                         # none circles,
assert hb[-0.5][-1] < 0.7 * np.sqrt(2)                                 # negative converges
assert ad[0.9][-1] > 1.5 * np.sqrt(2)                                  # β₁ = 0.9 spirals away
assert ad[0.5][-1] < 0.8 * ad[0.9][-1] and ad[0.0][-1] < ad[0.5][-1]  # less momentum, less drift

# %% [markdown]
# Plain momentum turns the circling of alternating steps into an explosion for any positive $\mu$, and
# into convergence for a *negative* one (Gidel et al. 2019 propose exactly that for GANs). Adam's
# normalisation tames the explosion into a drift, but the order is the same: $\beta_1 = 0.9$ drifts
# away, $0.5$ holds roughly its distance, $0$ creeps inwards. That is the DCGAN recipe's choice,
# seen on the smallest game.
#
# On a real GAN: the ring of lesson 7 (8 Gaussians; the MLP GAN, Adam with learning rate $10^{-3}$ for
# both networks, batch 128, 2,000 steps), six seeds with each $\beta_1$, scored by the modes the final
# generator covers (lesson 7's metric). One run is not a result (lesson 7): we look at all six.

# %%
from tqdm.auto import trange
from minigan.datasets import ToyMixture
ring = ToyMixture("ring")

def train_ring(beta1, seed, steps):
    """Modes covered and high-quality share of the ring GAN trained with Adam(betas=(beta1, 0.999))."""
    mg.manual_seed(seed)
    G, D = gan.MLPGenerator(2, (2,), hidden=(128, 128)), gan.MLPDiscriminator((2,), hidden=(128, 128))
    opt_g = optim.Adam(G.parameters(), lr=1e-3, betas=(beta1, 0.999))
    opt_d = optim.Adam(D.parameters(), lr=1e-3, betas=(beta1, 0.999))
    for _ in trange(steps, desc=f"β₁ = {beta1}, seed {seed}"):
        gan.d_step(G, D, opt_d, mg.tensor(ring.sample(128)), mg.randn(128, 2), gan.LOSSES["bce"])
        gan.g_step(G, D, opt_g, mg.randn(128, 2), gan.LOSSES["bce"])
    m = gan.mode_metrics(gan.sample(G, 2500, seed=1), ring.centers, ring.std)
    return m["modes_covered"], m["high_quality"]

ring_steps, seeds = (300, 1) if FAST else (2000, 6)
ring_runs = {beta1: [train_ring(beta1, seed, ring_steps) for seed in range(seeds)] for beta1 in (0.5, 0.9)}
for beta1, runs in ring_runs.items():
    modes = [m for m, _ in runs]
    print(f"β₁ = {beta1}: modes per seed {modes} (mean {np.mean(modes):.1f}); "
          f"high-quality share per seed {[f'{q:.0%}' for _, q in runs]}")
if not FAST:
    modes_05, modes_09 = ([m for m, _ in ring_runs[b]] for b in (0.5, 0.9))
    assert min(modes_05) >= 4 and min(modes_09) == 0        # β₁ = 0.9 loses every mode on some seeds; 0.5 never
    assert np.mean(modes_05) > np.mean(modes_09) + 2

# %% [markdown]
# With $\beta_1 = 0.5$ every seed covers at least half the modes and most cover all eight; with $0.9$ the
# runs scatter, and some end with the generator covering none (all its samples between modes). The
# high-quality shares vary a lot from seed to seed for both: the dynamics of section 4 (and lesson 8)
# are never fully tamed, only made less violent.
#
# ## 5. Two time scales: one learning rate per network
#
# $G$ and $D$ have separate optimizers, so nothing forces them to share a learning rate. Heusel et al.
# (2017) proved that training with a **two time-scale update rule** (TTUR) — $D$ updated on a faster time
# scale than $G$ — converges to a local equilibrium under assumptions where a single rate has no such
# guarantee: a fast $D$ stays close to the best response to the current $G$, so $G$ follows a gradient
# that means something. In code it is nothing more than two learning rates (SAGAN: $4\cdot10^{-4}$ for $D$,
# $10^{-4}$ for $G$):

# %%
G, D = gan.MLPGenerator(2, (2,), hidden=(16, 16)), gan.MLPDiscriminator((2,), hidden=(16, 16))
opt_g = optim.Adam(G.parameters(), lr=1e-4, betas=(0.0, 0.9))
opt_d = optim.Adam(D.parameters(), lr=4e-4, betas=(0.0, 0.9))
print(opt_d)
assert opt_d.param_groups[0]["lr"] == 4 * opt_g.param_groups[0]["lr"]

# %% [markdown]
# Lesson 8 shows on a game small enough to solve why $D$ should be the fast one (and that the rates
# alone cannot make a game converge without something pulling $D$ back, such as a gradient penalty).
# Lesson 9 measures it on a real failure: a generator four times *faster* than its discriminator
# collapses onto a few modes of the ring, and TTUR — $D$ four times faster instead — cures it. The
# committed results of that experiment (5 seeds each):

# %%
summaries = json.loads((REPO / "benchmarks" / "results" / "mode_collapse.json").read_text())["summaries"]
by = {(s["remedy"], s["dataset"]): s for s in summaries}
plain, ttur = by[("plain", "ring")], by[("TTUR", "ring")]
for name, s in (("G 4x faster than D (plain)", plain), ("TTUR: D 4x faster than G", ttur)):
    print(f"{name:28s} modes per seed {s['modes']}, mean high-quality share {s['mean_high_quality']:.0%}")
assert min(ttur["modes"]) == 8 and max(plain["modes"]) < 8

# %% [markdown]
# **Try this.**
# 1. In section 2, set μ = 0.99. How many steps now, and what does the path look like?
# 2. Run the bilinear game with SGD and **negative** momentum μ = −0.5 for 2,000 steps, and with
#    Nesterov momentum (`g + μb`). Which converge?
# 3. Adam with `amsgrad=True` keeps the largest $v$ seen so far. What does it do to the first steps in
#    section 3's constant-gradient picture, and to the bilinear game?
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_sgd_momentum`** (exercise 17): one step of SGD with momentum, dampening and Nesterov, as
#   `optim.SGD` takes it — hint: on the first step the buffer is the gradient itself, undampened (section 2).
# - **`ex_adam`** (exercise 12): one Adam step with bias correction — hint: at step 1 the bias-corrected
#   averages are $g$ and $g^2$, so every weight moves by about the learning rate (section 3).
