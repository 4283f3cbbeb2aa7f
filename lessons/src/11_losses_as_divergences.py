# %% [markdown]
# # Lesson 11 — The GAN losses as divergences
#
# Lesson 4 showed that against its best discriminator the original GAN minimises the Jensen–Shannon
# divergence. minigan ships five loss pairs (`gan.LOSSES`: bce, minimax, lsgan, hinge, wgan), and each
# answers the same question — how far is the generator's distribution $Q$ from the data's $P$? — with a
# different measure of distance. This lesson puts them on one map:
#
# 1. **f-divergences** $D_f(P\,\|\,Q) = \int q\, f(p/q)$, computed on a grid;
# 2. the **variational bound** that turns any f-divergence into a GAN (the **f-GAN** of Nowozin et al.
#    2016): a discriminator estimates the divergence from samples alone;
# 3. where each of minigan's losses sits: the optimal discriminator's loss *is* a divergence —
#    Jensen–Shannon (bce), triangular discrimination (lsgan), total variation (hinge) — checked numerically;
#    Wasserstein is not an f-divergence at all;
# 4. the **gradient each loss gives** as a function of D's output, through minigan's own functions;
# 5. the choice matters: fitting one Gaussian to two modes, KL covers both and reverse KL picks one —
#    exactly, and with an f-GAN trained from samples.
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

from minigan import gan, optim
from minigan import functional as F

xs = np.linspace(-12, 12, 48001)                      # the grid every integral below is taken on
def gauss(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))
def integral(values):
    return np.trapezoid(values, xs)

# %% [markdown]
# ## 1. f-divergences
#
# For a convex function $f$ with $f(1) = 0$, the **f-divergence** of $P$ from $Q$ weighs the density
# ratio $u = p(x)/q(x)$ at every point:
#
# $$D_f(P\,\|\,Q) = \int q(x)\, f\!\left(\frac{p(x)}{q(x)}\right) dx \;\ge\; f(1) = 0,$$
#
# with equality when $P = Q$ (Jensen's inequality). Different $f$, different divergences:
#
# | divergence | $f(u)$ | $D_f$ |
# |---|---|---|
# | Kullback–Leibler | $u \log u$ | $\int p \log(p/q)$ |
# | reverse KL | $-\log u$ | $\int q \log(q/p)$ |
# | Pearson $\chi^2$ | $(u-1)^2$ | $\int (p-q)^2/q$ |
# | squared Hellinger | $(\sqrt u - 1)^2$ | $\int (\sqrt p - \sqrt q)^2$ |
# | total variation | $\tfrac12\lvert u-1\rvert$ | $\tfrac12\int \lvert p-q\rvert$ |
# | triangular discrimination | $(u-1)^2/(u+1)$ | $\int (p-q)^2/(p+q)$ |
# | "GAN" | $u\log u - (u+1)\log(u+1)$ | $2\,\mathrm{JSD}(P\,\|\,Q) - \log 4$ |
#
# The last one is the divergence of lesson 4 (its $f(1) = -\log 4$, hence the shift). We compute each
# on a grid and check two against their closed forms for Gaussians.

# %%
DIVERGENCES = {   # name: f(u)
    "KL": lambda u: u * np.log(u),
    "reverse KL": lambda u: -np.log(u),
    "Pearson χ²": lambda u: (u - 1) ** 2,
    "squared Hellinger": lambda u: (np.sqrt(u) - 1) ** 2,
    "total variation": lambda u: 0.5 * np.abs(u - 1),
    "triangular": lambda u: (u - 1) ** 2 / (u + 1),
    "GAN": lambda u: u * np.log(u) - (u + 1) * np.log(u + 1),
}

def f_divergence(f, p, q):
    return integral(q * f(p / q))

p, q = gauss(xs, 0.0, 1.0), gauss(xs, 1.0, 1.5)
values = {name: f_divergence(f, p, q) for name, f in DIVERGENCES.items()}
for name, value in values.items():
    print(f"{name:18s} D_f(P || Q) = {value:.5f}")

kl_closed = np.log(1.5 / 1.0) + (1.0 ** 2 + (0.0 - 1.0) ** 2) / (2 * 1.5 ** 2) - 0.5           # KL of two Gaussians
bc = np.sqrt(2 * 1.0 * 1.5 / (1.0 ** 2 + 1.5 ** 2)) * np.exp(-(0.0 - 1.0) ** 2 / (4 * (1.0 ** 2 + 1.5 ** 2)))
m = (p + q) / 2
jsd = 0.5 * integral(p * np.log(p / m)) + 0.5 * integral(q * np.log(q / m))
assert abs(values["KL"] - kl_closed) < 1e-9
assert abs(values["squared Hellinger"] - (2 - 2 * bc)) < 1e-9                   # via the Bhattacharyya coefficient
assert abs(values["GAN"] - (2 * jsd - np.log(4))) < 1e-9
assert all(abs(f_divergence(f, p, p) - f(1.0)) < 1e-12 for f in DIVERGENCES.values())     # D_f(P || P) = f(1)

# %% [markdown]
# ## 2. The variational bound: a discriminator that estimates a divergence
#
# The formula needs $p/q$, which a GAN never has: it has samples. The way round is convex duality.
# Every convex $f$ is the upper envelope of its tangents, $f(u) = \sup_t\, [\,t u - f^*(t)\,]$, where
# $f^*(t) = \sup_u [\,t u - f(u)\,]$ is its **convex conjugate**. Put that inside the integral and pull
# the supremum out, choosing one $t = T(x)$ per point:
#
# $$D_f(P\,\|\,Q) = \int q \sup_t \Big[t\,\frac{p}{q} - f^*(t)\Big] \;\ge\; \sup_T\; \mathbb E_{x\sim P}[T(x)] - \mathbb E_{x\sim Q}[f^*(T(x))].$$
#
# The right-hand side needs only **samples** of $P$ and $Q$ — expectations — and a function $T$: a
# discriminator. Maximising it over $T$ estimates the divergence; equality holds at
# $T^*(x) = f'\big(p(x)/q(x)\big)$, the tangent's slope at the true ratio. The **f-GAN** (Nowozin et al.
# 2016) trains $T$ to maximise the bound and $G$ to minimise it. $T$ must lie in the domain of $f^*$,
# so the network's raw output $v$ goes through an output activation $T = g_f(v)$ that maps the real line
# there. The conjugates (each from $f^*(t) = t u_t - f(u_t)$ with $f'(u_t) = t$):
#
# | divergence | $f^*(t)$ | domain of $t$ | $g_f(v)$ | $T^* = f'(p/q)$ |
# |---|---|---|---|---|
# | KL | $e^{t-1}$ | all $t$ | $v$ | $1 + \log(p/q)$ |
# | reverse KL | $-1 - \log(-t)$ | $t < 0$ | $-e^{-v}$ | $-q/p$ |
# | Pearson $\chi^2$ | $t^2/4 + t$ | all $t$ | $v$ | $2(p/q - 1)$ |
# | squared Hellinger | $t/(1-t)$ | $t < 1$ | $1 - e^{-v}$ | $1 - \sqrt{q/p}$ |
# | GAN | $-\log(1 - e^t)$ | $t < 0$ | $-\mathrm{softplus}(-v) = \log\sigma(v)$ | $\log\frac{p}{p+q}$ |
#
# Check on the grid: at $T^*$ the bound equals the divergence; any other $T$ gives less.

# %%
CONJUGATES = {   # name: (f*(t), T*(p, q) = f'(p/q))
    "KL": (lambda t: np.exp(t - 1), lambda p, q: 1 + np.log(p / q)),
    "reverse KL": (lambda t: -1 - np.log(-t), lambda p, q: -q / p),
    "Pearson χ²": (lambda t: t ** 2 / 4 + t, lambda p, q: 2 * (p / q - 1)),
    "squared Hellinger": (lambda t: t / (1 - t), lambda p, q: 1 - np.sqrt(q / p)),
    "GAN": (lambda t: -np.log(1 - np.exp(t)), lambda p, q: np.log(p / (p + q))),
}

def bound(conjugate, T, p, q):
    """E_P[T] - E_Q[f*(T)] on the grid."""
    return integral(p * T) - integral(q * conjugate(T))

for name, (conjugate, best) in CONJUGATES.items():
    T = best(p, q)
    exact, at_best = values[name], bound(conjugate, T, p, q)
    worse = bound(conjugate, T - 0.1 * np.sign(T - T.mean()) * np.minimum(np.abs(T), 0.5), p, q)   # a nudged T
    print(f"{name:18s} divergence {exact:.6f}   bound at T* {at_best:.6f}   bound at a nudged T {worse:.6f}")
    assert abs(at_best - exact) < 1e-8 and worse < at_best

# %% [markdown]
# For the GAN row the bound is $\mathbb E_P[\log\sigma(v)] + \mathbb E_Q[\log(1 - \sigma(v))]$ with
# $D = \sigma(v)$: lesson 4's $V(D, G)$, term for term. The original GAN **is** the f-GAN of this $f$, and
# minigan's `gan.d_loss_bce` is minus its bound: `softplus(-v)` $= -g_f(v)$ and `softplus(v)` $= f^*(g_f(v))$.

# %%
v_real, v_fake = mg.tensor(np.linspace(-3, 3, 7)), mg.tensor(np.linspace(2, -4, 7))
act = lambda v: -F.softplus(-v)                        # g_f for the GAN row
conj = lambda t: -(1 - t.exp()).log()                  # its f*
f_gan = -(act(v_real).mean() - conj(act(v_fake)).mean())
assert abs(f_gan.item() - gan.d_loss_bce(v_real, v_fake).item()) < 1e-6

# %% [markdown]
# ## 3. Where minigan's losses sit
#
# Each discriminator loss, minimised over all functions $D$ (pointwise, as in lesson 4), leaves a number
# that depends only on $P$ and $Q$: the divergence that the loss makes $G$ fight. With $D$ free at every
# $x$, minimise the integrand $p\,\ell_\text{real}(D) + q\,\ell_\text{fake}(D)$ point by point:
#
# * **bce** (and minimax): $D^* = \sigma^{-1}\big(p/(p+q)\big)$; the minimum is $\log 4 - 2\,\mathrm{JSD}$.
# * **lsgan** (minigan's `d_loss_least_squares`, targets 1 for real and 0 for fake):
#   $\min_D \tfrac12 p (D-1)^2 + \tfrac12 q D^2$ is at $D^* = p/(p+q)$ and leaves $\tfrac12\,pq/(p+q)$; since
#   $(p-q)^2 = (p+q)^2 - 4pq$, the minimum is $\tfrac14 - \tfrac18\Delta(P, Q)$ with the **triangular
#   discrimination** $\Delta = \int (p-q)^2/(p+q)$ — an f-divergence. (Mao et al. 2017 use targets
#   $-1, 1, 0$ and show that $G$'s loss is then the Pearson $\chi^2$ of $P+Q$ from $2Q$: $\int (2q - (p+q))^2/(p+q)$,
#   which is the same $\Delta$.)
# * **hinge**: $\min_D p\,\mathrm{relu}(1-D) + q\,\mathrm{relu}(1+D)$ is at $D^* = \mathrm{sign}(p - q)$ and leaves
#   $2\min(p, q)$; the minimum is $2 - 2\,\mathrm{TV}(P, Q)$: the hinge discriminator measures **total variation**.
# * **wgan**: $\mathbb E_Q[D] - \mathbb E_P[D]$ has no minimum over all $D$ (scale $D$ up); over 1-Lipschitz $D$ it
#   is $-W_1(P, Q)$, an *integral probability metric*, not an f-divergence. In one dimension
#   $W_1 = \int |F_P - F_Q|$ (the cumulative distributions), reached by the critic with slope
#   $\mathrm{sign}(F_Q - F_P)$.
#
# Each claim, checked with minigan's loss functions evaluated on the grid (the expectations become
# integrals by weighting each grid point with $p\,dx$ or $q\,dx$):

# %%
dx = xs[1] - xs[0]
def weighted(loss_terms, D_values):
    real_term, fake_term = loss_terms(mg.tensor(D_values))
    return integral(p * real_term.detach().numpy()) + integral(q * fake_term.detach().numpy())

# each loss as per-point terms (real side, fake side), computed with minigan's own losses on one point at a time
bce_terms = lambda d: (F.softplus(-d), F.softplus(d))
ls_terms = lambda d: (0.5 * (d - 1) ** 2, 0.5 * d ** 2)
hinge_terms = lambda d: (mg.relu(1 - d), mg.relu(1 + d))

D_bce = np.log(p / q)                          # the logit of p / (p + q)
D_ls = p / (p + q)
D_hinge = np.sign(p - q)
tv = 0.5 * integral(np.abs(p - q))
delta = integral((p - q) ** 2 / (p + q))
checks = {
    "bce":   (weighted(bce_terms, D_bce), np.log(4) - 2 * jsd),
    "lsgan": (weighted(ls_terms, D_ls), 0.25 - delta / 8),
    "hinge": (weighted(hinge_terms, D_hinge), 2 - 2 * tv),
}
# the terms are those of the library's losses: a batch of one point gives the same number
for d in (-1.3, 0.2, 2.5):
    one = mg.tensor([d])
    assert np.isclose(gan.d_loss_bce(one, one).item(), sum(t.item() for t in bce_terms(one)))
    assert np.isclose(gan.d_loss_least_squares(one, one).item(), sum(t.item() for t in ls_terms(one)))
    assert np.isclose(gan.d_loss_hinge(one, one).item(), sum(t.item() for t in hinge_terms(one)))
for name, (got, expected) in checks.items():
    print(f"{name:6s} optimal D's loss {got:.6f}  =  {expected:.6f}")
    assert abs(got - expected) < 1e-8
# nudging D* only raises each loss: it is the minimum
for terms, best in ((bce_terms, D_bce), (ls_terms, D_ls), (hinge_terms, D_hinge)):
    assert weighted(terms, best + 0.05) > weighted(terms, best) and weighted(terms, best - 0.05) > weighted(terms, best)

cdf_p, cdf_q = np.cumsum(p) * dx, np.cumsum(q) * dx
critic = np.cumsum(np.sign(cdf_q - cdf_p)) * dx            # slope sign(F_Q - F_P): 1-Lipschitz
w1_critic = integral(p * critic) - integral(q * critic)      # E_P[D] - E_Q[D]
w1_cdf = integral(np.abs(cdf_p - cdf_q))
print(f"wgan   the best 1-Lipschitz critic: E_P[D] - E_Q[D] = {w1_critic:.4f} = ∫|F_P - F_Q| = {w1_cdf:.4f}")
assert abs(w1_critic - w1_cdf) < 1e-3
assert np.abs(np.diff(critic) / dx).max() <= 1 + 1e-9

# %% [markdown]
# The same five measures as the two distributions are pulled apart — $P = \mathcal N(0, 0.1^2)$ against
# $Q = \mathcal N(\theta, 0.1^2)$ — show what each gives a generator that starts far from the data.
# The f-divergences depend on the density ratio alone: once the two barely overlap, JSD, TV and $\Delta$
# stop changing (flat: no gradient for $G$), while KL grows like $\theta^2$ and $W_1 = |\theta|$ grows linearly
# (lesson 12's reason for the Wasserstein loss).

# %%
thetas = np.linspace(0, 1.5, 31)
curves = {name: [] for name in ("JSD", "TV", "triangular Δ", "KL", "W₁")}
for t in thetas:
    a, b = gauss(xs, 0, 0.1), gauss(xs, t, 0.1) + 1e-300
    mid = (a + b) / 2
    curves["JSD"].append(0.5 * integral(a * np.log((a + 1e-300) / mid)) + 0.5 * integral(b * np.log(b / mid)))
    curves["TV"].append(0.5 * integral(np.abs(a - b)))
    curves["triangular Δ"].append(integral((a - b) ** 2 / (a + b)))
    curves["KL"].append(t ** 2 / (2 * 0.1 ** 2))                     # closed form for equal widths
    curves["W₁"].append(integral(np.abs(np.cumsum(a) - np.cumsum(b)) * dx))
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
for name in ("JSD", "TV", "triangular Δ", "W₁"):
    axes[0].plot(thetas, curves[name], label=name)
axes[1].semilogy(thetas[1:], curves["KL"][1:], label="KL", c="C4")
axes[0].set_xlabel("θ (distance between P and Q)"); axes[0].legend(); axes[0].set_title("saturating f-divergences vs W₁")
axes[1].set_xlabel("θ"); axes[1].legend(); axes[1].set_title("KL keeps growing (like θ²)")
plt.show()
far = thetas >= 1.0                                        # 10 standard deviations apart and more
assert np.allclose(np.array(curves["JSD"])[far], np.log(2), atol=1e-5)       # flat at log 2,
assert np.allclose(np.array(curves["TV"])[far], 1, atol=1e-5)                # at 1,
assert np.allclose(np.array(curves["triangular Δ"])[far], 2, atol=1e-5)      # at 2
assert np.allclose(np.array(curves["W₁"]), thetas, atol=1e-9)                # W₁ = θ all the way

# %% [markdown]
# ## 4. The gradient each loss gives
#
# What moves $G$ is not the loss but its gradient, and by the chain rule
# $\partial L_G/\partial\theta = \partial L_G/\partial D \cdot \partial D/\partial\theta$: the first factor — how hard the
# loss pushes, as a function of what $D$ currently says about a fake — is the whole difference between
# the losses. We take it with `mg.grad` through minigan's loss functions, on a batch of fakes with scores
# from $-6$ (confidently rejected) to $4$ ($D$ fooled). For the BCE losses the score is $D$'s logit; for lsgan
# the least-squares output; for hinge and wgan the critic value.

# %%
scores = np.linspace(-6, 4, 201)
def push(g_loss):
    """dL_G / dD(G(z)) for each score, through the library's loss (times the batch size: .mean())."""
    d = mg.tensor(scores, dtype=mg.float64, requires_grad=True)
    (g,) = mg.grad(g_loss(d), d)
    return g.detach().numpy() * len(scores)

pushes = {
    "minimax (saturating)": push(gan.g_loss_minimax),
    "non-saturating (bce)": push(gan.g_loss_nonsaturating),
    "lsgan": push(gan.g_loss_least_squares),
    "hinge / wgan": push(gan.g_loss_wasserstein),
}
def d_push(d_loss):
    d = mg.tensor(scores, dtype=mg.float64, requires_grad=True)
    (g,) = mg.grad(d_loss(d, mg.zeros(1, dtype=mg.float64)), d)     # the real side of D's loss
    return g.detach().numpy() * len(scores)
d_pushes = {"bce": d_push(gan.d_loss_bce), "lsgan": d_push(gan.d_loss_least_squares),
            "hinge": d_push(gan.d_loss_hinge), "wgan": d_push(gan.d_loss_wasserstein)}

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for name, g in pushes.items():
    axes[0].plot(scores, -g, label=name)
axes[0].set_xlabel("D's output on a fake sample (← rejected · fooled →)"); axes[0].set_ylabel("−∂L_G/∂D: how hard G is pushed")
axes[0].set_ylim(-1.5, 7); axes[0].legend(); axes[0].set_title("the generator's losses")
for name, g in d_pushes.items():
    axes[1].plot(scores, -g, label=name)
axes[1].set_xlabel("D's output on a real sample"); axes[1].set_ylabel("−∂L_D/∂D(x): push to score it higher")
axes[1].set_ylim(-5, 7); axes[1].legend(); axes[1].set_title("the discriminator's losses, real side")
plt.show()

at = lambda value: int(np.argmin(np.abs(scores - value)))
assert np.allclose(pushes["minimax (saturating)"], -1 / (1 + np.exp(-scores)))        # -σ(a)
assert np.allclose(pushes["non-saturating (bce)"], -1 / (1 + np.exp(scores)))         # -σ(-a)
assert abs(pushes["minimax (saturating)"][at(-6)]) < 0.003 < 0.997 < abs(pushes["non-saturating (bce)"][at(-6)])
assert np.allclose(pushes["lsgan"], scores - 1) and np.allclose(pushes["hinge / wgan"], -1)
assert np.all(d_pushes["hinge"][scores > 1] == 0) and np.all(d_pushes["hinge"][scores < 1] == -1)
assert np.allclose(d_pushes["wgan"], -1) and np.allclose(d_pushes["lsgan"], scores - 1)

# %% [markdown]
# Reading the left panel, where it matters — a fake that $D$ rejects (score far below 0, early in training):
#
# * **minimax** gives almost nothing ($\sigma(-6) = 0.0025$): lesson 4's saturation;
# * **non-saturating** gives a push of 1, the same loss's optimum with the gradient turned round;
# * **lsgan** pushes *harder the more wrong* the fake is ($1 - a$), and stops at $D = 1$, so fakes that already
#   fool $D$ are pulled back to the decision boundary instead of further;
# * **hinge** and **wgan** push with a constant 1: the size of the step comes from $D$'s slope in $x$ alone,
#   which is why those need $D$ kept Lipschitz (lesson 12).
#
# The right panel is $D$'s side: the hinge stops pushing a real sample once its score passes 1 (a margin,
# as in a support vector machine), so $D$ spends no effort on real samples it already scores above the margin; wgan pushes for ever
# (hence clipping or a penalty); lsgan pulls scores back towards the target from both sides.
#
# ## 5. The choice matters: covering modes or choosing one
#
# Fit a single Gaussian $Q = \mathcal N(\mu, \sigma^2)$ to a data distribution with two modes. KL$(P\|Q)$
# charges $\int p \log(p/q)$, enormous wherever the data has mass and $Q$ has none: it **covers** both
# modes, with a wide $Q$ between them. Reverse KL charges $\int q\log(q/p)$, enormous wherever $Q$ puts mass
# the data lacks: it **seeks** one mode and fits it tightly (the data is symmetric, so either mode
# will do: $\pm\mu$ fit equally well). First the exact minimisers, on a grid of $(\mu, \sigma)$:

# %%
data_pdf = 0.5 * gauss(xs, -2, 0.5) + 0.5 * gauss(xs, 2, 0.5)
mus, sigmas = np.linspace(-3, 3, 121), np.linspace(0.3, 3, 55)
def best_fit(f):
    """The (μ, σ) of the grid that minimises D_f(data || N(μ, σ²))."""
    with np.errstate(over="ignore", invalid="ignore"):      # ratios of 1e200 where a narrow Q has no mass
        table = np.array([[f_divergence(f, data_pdf, gauss(xs, mu_, s) + 1e-300) for s in sigmas] for mu_ in mus])
    i, j = np.unravel_index(np.nanargmin(table), table.shape)
    return mus[i], sigmas[j]

exact = {name: best_fit(DIVERGENCES[name]) for name in ("KL", "reverse KL", "Pearson χ²")}
for name, (mu_, s) in exact.items():
    print(f"{name:11s} best single Gaussian: μ = {mu_:+.2f}, σ = {s:.2f}")
assert abs(exact["KL"][0]) < 0.05 and exact["KL"][1] > 1.9                      # covers both modes
assert abs(abs(exact["reverse KL"][0]) - 2) < 0.05 and exact["reverse KL"][1] < 0.6   # picks one
assert abs(exact["Pearson χ²"][0]) < 0.05 and exact["Pearson χ²"][1] > 1.9         # covers, as KL

# %% [markdown]
# Now the same from **samples only**, with an f-GAN: $T$ a small MLP with the activation of the table,
# $G(z) = \mu + \sigma z$ with two parameters, alternating Adam steps (lesson 6), started at $\mu = 0.5$,
# $\sigma = 1$. $T$ maximises the bound. $G$ could minimise the bound's own generator term,
# $-\mathbb E_Q[f^*(g_f(v))]$ (exercise 18 computes it); like the minimax loss of lesson 4 that term can
# stall — for reverse KL it leaves $G$ between the modes, where $T$ cannot follow $\log(p/q)$ down to
# $-\infty$ (try it below). We use Nowozin et al.'s practical alternative, the non-saturating idea of
# lesson 4 in f-GAN form: $G$ maximises $\mathbb E_Q[g_f(v)]$.

# %%
from tqdm.auto import trange
F_GAN = {   # name: (g_f, f*) as minigan Tensor functions
    "KL": (lambda v: v, lambda t: (t - 1).exp()),
    "reverse KL": (lambda v: -(-v).exp(), lambda t: -1 - (-t).log()),
}
def data_batch(rng, n):
    return (np.where(rng.random((n, 1)) < 0.5, -2.0, 2.0) + 0.5 * rng.standard_normal((n, 1))).astype(np.float32)

def train_f_gan(name, steps, seed=0):
    activation, conjugate = F_GAN[name]
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    T = gan.MLPDiscriminator((1,), hidden=(64, 64))
    mu_, log_sigma = mg.tensor([0.5], requires_grad=True), mg.tensor([0.0], requires_grad=True)
    opt_t = optim.Adam(T.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_g = optim.Adam([mu_, log_sigma], lr=3e-3, betas=(0.5, 0.999))
    path = []
    for _ in trange(steps, desc=f"f-GAN, {name}"):
        fake = (mu_ + log_sigma.exp() * mg.randn(256, 1)).detach()
        bound_value = activation(T(mg.tensor(data_batch(rng, 256)))).mean() - conjugate(activation(T(fake))).mean()
        opt_t.zero_grad(); (-bound_value).backward(); opt_t.step()            # T maximises the bound
        T.requires_grad_(False)
        fake = mu_ + log_sigma.exp() * mg.randn(256, 1)
        g_loss = -activation(T(fake)).mean()                                  # G: maximise E_Q[g_f(v)]
        opt_g.zero_grad(); g_loss.backward(); opt_g.step()
        T.requires_grad_(True)
        path.append((mu_.item(), np.exp(log_sigma.item())))
    return np.array(path)

f_steps = 600 if FAST else 3000
trained = {name: train_f_gan(name, f_steps) for name in F_GAN}
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
mirror = lambda name, mu_: np.sign(mu_) * abs(exact[name][0])   # the data is symmetric: ±μ fit equally well
for ax, (name, path) in zip(axes, trained.items()):
    mu_, s = path[-1]
    ax.fill_between(xs, data_pdf, color="0.85", label="data P")
    ax.plot(xs, gauss(xs, mirror(name, mu_), exact[name][1]), "k--", lw=1, label=f"exact best Q ({name})")
    ax.plot(xs, gauss(xs, mu_, s), "C3", label=f"f-GAN's Q after {f_steps} steps")
    ax.set_xlim(-5, 5); ax.legend(fontsize=8); ax.set_title(f"{name}: μ = {mu_:+.2f}, σ = {s:.2f}")
plt.show()
for name, path in trained.items():
    print(f"{name:11s} f-GAN: μ = {path[-1][0]:+.2f}, σ = {path[-1][1]:.2f}   "
          f"(exact: μ = {mirror(name, path[-1][0]):+.2f}, σ = {exact[name][1]:.2f})")
kl_path, rkl_path = trained["KL"], trained["reverse KL"]
assert kl_path[-1][1] > 1.5 * rkl_path[-1][1]                        # KL's Q is wider than reverse KL's
if not FAST:
    assert abs(kl_path[-1][0]) < 0.5 and kl_path[-1][1] > 1.5                # covers both modes
    assert abs(abs(rkl_path[-1][0]) - 2) < 0.3 and rkl_path[-1][1] < 0.8     # sits on one

# %% [markdown]
# One more position on the map. The **non-saturating** generator loss $-\mathbb E_Q[\log D]$ is not the minimax
# game's, so which divergence does it follow? Arjovsky and Bottou (2017): against the optimal $D^*$ of the
# current $Q$, its gradient is the gradient of $\mathrm{KL}(Q\,\|\,P) - 2\,\mathrm{JSD}(P\,\|\,Q)$ — a reverse
# KL, the mode-seeking direction. Checked by central differences, with $Q_\theta = \mathcal N(\theta, 1.5^2)$
# and $P = \mathcal N(0, 1)$ of section 1, at $\theta = 1$:

# %%
def shifted(theta):
    return gauss(xs, theta, 1.5)
d_star = p / (p + shifted(1.0))                                   # D* of the current Q, held fixed
ns_loss = lambda theta: integral(shifted(theta) * -np.log(d_star))
def kl_minus_2jsd(theta):
    qq = shifted(theta); mid = (p + qq) / 2
    return integral(qq * np.log(qq / p)) - (integral(p * np.log(p / mid)) + integral(qq * np.log(qq / mid)))
h = 1e-4
slope_ns = (ns_loss(1 + h) - ns_loss(1 - h)) / (2 * h)
slope_div = (kl_minus_2jsd(1 + h) - kl_minus_2jsd(1 - h)) / (2 * h)
print(f"d/dθ of the non-saturating loss: {slope_ns:.6f};  d/dθ [KL(Q||P) - 2 JSD]: {slope_div:.6f}")
assert abs(slope_ns - slope_div) < 1e-6

# %% [markdown]
# That is the map. The original GAN sits on Jensen–Shannon, and its non-saturating variant follows
# reverse KL minus JSD (mode-seeking — one reason GANs drop modes rather than blur);
# LSGAN on the triangular discrimination; the hinge loss on total variation; and WGAN off the map of
# f-divergences, on a distance that sees how far apart the distributions are, not only whether they
# overlap. None of them is "the right one": lesson 9's table and `benchmarks/results/ring_losses.md`
# measure what each does in practice.
#
# **Try this.**
# 1. Train the f-GAN of section 5 with the Pearson χ² row ($g_f(v) = v$, $f^*(t) = t^2/4 + t$). Cover or seek?
# 2. Start the reverse-KL f-GAN at $\mu = -0.5$. Which mode does it find? And at $\mu = 0$?
#    Then give $G$ the bound's own term, `g_loss = -conjugate(activation(T(fake))).mean()`: where does it stop?
# 3. Derive $f^*$ for total variation, $f(u) = \tfrac12|u - 1|$. (Its domain is bounded: what output activation does $T$ need?)
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_f_gan`** (exercise 18): the f-GAN's discriminator and generator losses for KL, reverse KL,
#   Pearson χ² and the GAN divergence — hint: derive $f^*$ from $f^*(t) = t u - f(u)$ at the $u$ where
#   $f'(u) = t$, and keep every operation a Tensor operation so the losses can be trained (section 2).
