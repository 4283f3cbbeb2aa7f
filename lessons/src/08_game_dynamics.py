# %% [markdown]
# # Lesson 8 — Game dynamics: why GAN training circles
#
# Gradient descent on one loss goes downhill until it stops. A GAN is two players, each descending
# **its own** loss, and the pair of updates is not the gradient of anything: it can rotate. This
# lesson takes the smallest games where that can be seen and computed exactly, and then a real GAN:
#
# 1. the bilinear game $\min_x \max_y\, xy$: the field rotates; **simultaneous** gradient steps spiral
#    out (by an exact factor per step), **alternating** steps (D then G, as `gan.d_step`/`gan.g_step`
#    do) circle for ever;
# 2. the **Dirac-GAN** of Mescheder et al. (2018), a real GAN loss with one parameter per player,
#    built from minigan's own losses: its Jacobian at the equilibrium has purely imaginary eigenvalues,
#    so GAN training does not converge by itself;
# 3. what the remedies do to those trajectories: a **gradient penalty** (R1) makes them spiral in,
#    **TTUR** decides how fast, and **averaging** the iterates finds the centre of a circle that the
#    iterates themselves never reach;
# 4. the same on the ring of lesson 7: with constant learning rates the generator is still on the move
#    after 2,000 steps, and an average of its weights is a better generator than the last one.
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
from minigan.datasets import ToyMixture

def radius(path):
    """Distance of each point of a path (T, 2) from the equilibrium (0, 0)."""
    return np.hypot(path[:, 0], path[:, 1])

# %% [markdown]
# ## 1. The bilinear game
#
# Player $x$ minimises $f(x, y) = xy$, player $y$ maximises it. The only equilibrium is $(0, 0)$: there
# neither player can gain by moving alone. Each player follows its own gradient: $x$ moves along
# $-\partial f/\partial x = -y$, $y$ along $+\partial f/\partial y = x$. The field $(-y, x)$ is a
# **rotation**: in continuous time $\frac{d}{dt}(x^2 + y^2) = 2x(-y) + 2y(x) = 0$, so the players circle
# the equilibrium at a constant distance and never reach it.
#
# With a step size $\eta$, two ways to take the step:
#
# * **simultaneous**: $(x, y) \leftarrow (x - \eta y,\; y + \eta x)$, both from the old point. The matrix
#   $\begin{pmatrix}1 & -\eta\\ \eta & 1\end{pmatrix}$ is $\sqrt{1+\eta^2}$ times a rotation: every step
#   multiplies the distance from the equilibrium by exactly $\sqrt{1 + \eta^2}$;
# * **alternating**: $x \leftarrow x - \eta y$, then $y \leftarrow y + \eta x$ with the **new** $x$ — what a
#   GAN's training loop does (D steps, then G steps against the new D). Its matrix
#   $\begin{pmatrix}1 & -\eta\\ \eta & 1-\eta^2\end{pmatrix}$ has determinant 1, and (multiply it out)
#   it keeps $x^2 - \eta xy + y^2$ exactly constant: the players go round an ellipse for ever.

# %%
eta, steps = 0.1, 300
sim, alt = [np.array([1.0, 0.0])], [np.array([1.0, 0.0])]
for _ in range(steps):
    x, y = sim[-1]
    sim.append(np.array([x - eta * y, y + eta * x]))        # both from the old point
    x, y = alt[-1]
    x = x - eta * y                                        # x first ...
    alt.append(np.array([x, y + eta * x]))                 # ... then y against the new x
sim, alt = np.array(sim), np.array(alt)

u, v = np.meshgrid(np.linspace(-2.5, 2.5, 15), np.linspace(-2.5, 2.5, 15))
fig, axes = plt.subplots(1, 2, figsize=(11, 5))
for ax, path, name in ((axes[0], sim, "simultaneous"), (axes[1], alt, "alternating")):
    ax.quiver(u, v, -v, u, color="0.75")                   # the field (-y, x)
    ax.plot(*path.T, lw=1); ax.plot(*path[0], "ko"); ax.plot(0, 0, "r*", ms=12)
    ax.set_title(f"{name}, η = {eta}: radius {radius(path)[0]:.2f} → {radius(path)[-1]:.2f}")
    ax.set_xlabel("x (minimises xy)"); ax.set_ylabel("y (maximises xy)"); ax.set_aspect("equal")
plt.show()

t = np.arange(steps + 1)
assert np.allclose(radius(sim), (1 + eta ** 2) ** (t / 2), rtol=1e-12)          # exactly sqrt(1 + η²) per step
invariant = alt[:, 0] ** 2 - eta * alt[:, 0] * alt[:, 1] + alt[:, 1] ** 2
assert np.allclose(invariant, invariant[0], rtol=1e-12)                          # conserved exactly
assert radius(alt).max() < 1.06 and radius(alt).min() > 0.95                     # bounded: an ellipse
print(f"after {steps} steps: simultaneous radius {radius(sim)[-1]:.2f} (= 1.01^{steps/2:.0f}), "
      f"alternating radius between {radius(alt).min():.3f} and {radius(alt).max():.3f}")

# %% [markdown]
# Neither update converges. A smaller step slows the simultaneous spiral (the factor
# $\sqrt{1+\eta^2}$ is close to 1) but never reverses it; the alternating ellipse gets rounder but
# stays. Gradient descent converges on a loss because the update is the gradient of one function,
# and the matrix of second derivatives (the Hessian) is symmetric with real eigenvalues. The
# Jacobian of a game's field is not symmetric: here it is $\begin{pmatrix}0 & -1\\ 1 & 0\end{pmatrix}$,
# with eigenvalues $\pm i$ — pure rotation, no pull towards the centre.
#
# ## 2. The Dirac-GAN: a real GAN loss with one parameter per player
#
# Mescheder, Geiger and Nowozin (2018) shrink a GAN to its core. The data is a single point,
# $p_\text{data} = \delta_0$. The generator makes a single point, $p_\theta = \delta_\theta$ (one
# parameter, $\theta$). The discriminator is linear, $D_\psi(x) = \psi x$ (one parameter, $\psi$),
# giving a logit. The equilibrium is $\theta = 0$ (the generator on the data) and $\psi = 0$ (a
# discriminator that cannot tell). We play it with **minigan's own losses** (`gan.d_loss_bce` for $D$,
# `gan.g_loss_minimax` or `gan.g_loss_nonsaturating` for $G$) and gradients from `mg.grad`: this is
# the D step and the G step of lesson 5, on a GAN small enough to draw.

# %%
f64 = mg.float64

def d_grad(theta, psi, r1=0.0):
    """dL_D/dψ at (θ, ψ): D's BCE loss on the real point 0 and the fake point θ, plus the R1 penalty
    r1/2 |∇ₓD(x)|² at the real data (section 3) when r1 > 0."""
    p = mg.tensor([[psi]], dtype=f64, requires_grad=True)
    real = mg.zeros(1, 1, dtype=f64, requires_grad=True)
    D = lambda x: p * x                                    # a linear discriminator: logit ψ·x
    loss = gan.d_loss_bce(D(real), D(mg.tensor([[theta]], dtype=f64)))
    if r1:
        (grad_x,) = mg.grad(D(real).sum(), real, create_graph=True)
        loss = loss + r1 / 2 * (grad_x ** 2).sum()
    (g,) = mg.grad(loss, p)
    return g.item()

def g_grad(theta, psi, g_loss=gan.g_loss_minimax):
    """dL_G/dθ at (θ, ψ): G's loss on D(G) = ψ·θ."""
    t = mg.tensor([[theta]], dtype=f64, requires_grad=True)
    (g,) = mg.grad(g_loss(psi * t), t)
    return g.item()

def play(steps, lr_g=0.1, lr_d=0.1, order="simultaneous", g_loss=gan.g_loss_minimax, r1=0.0, start=(1.0, 0.0)):
    """The path (steps + 1, 2) of (θ, ψ) under gradient steps: both from the same point
    (simultaneous), or D first and G against the new D (alternating, as gan.d_step/g_step)."""
    theta, psi = start
    path = [(theta, psi)]
    for _ in range(steps):
        if order == "simultaneous":
            theta, psi = theta - lr_g * g_grad(theta, psi, g_loss), psi - lr_d * d_grad(theta, psi, r1)
        else:
            psi = psi - lr_d * d_grad(theta, psi, r1)
            theta = theta - lr_g * g_grad(theta, psi, g_loss)
        path.append((theta, psi))
    return np.array(path)

# %% [markdown]
# First the local picture. Near the equilibrium the update directions are linear in $(\theta, \psi)$;
# their Jacobian (by central differences of `g_grad`, `d_grad`) decides everything. With
# $h(t) = -\mathrm{softplus}(-t)$, the minimax game is $\min_\theta \max_\psi h(\psi\theta) + h(0)$ and the
# Jacobian is that of the bilinear game scaled by $h'(0) = 1/2$:

# %%
def jacobian(r1=0.0, g_loss=gan.g_loss_minimax, h=1e-5):
    """d(update direction)/d(θ, ψ) at the equilibrium: the matrix of the linearised dynamics."""
    def field(theta, psi):                                  # gradient descent moves along minus the gradients
        return -np.array([g_grad(theta, psi, g_loss), d_grad(theta, psi, r1)])
    return np.stack([(field(h, 0) - field(-h, 0)) / (2 * h), (field(0, h) - field(0, -h)) / (2 * h)], axis=1)

J = jacobian()
eig = np.linalg.eigvals(J)
print("Jacobian at (0, 0):\n", J.round(6), "\neigenvalues:", eig.round(6))
assert np.allclose(J, [[0, 0.5], [-0.5, 0]], atol=1e-8)
assert np.allclose(eig.real, 0, atol=1e-8) and np.allclose(sorted(eig.imag), [-0.5, 0.5], atol=1e-8)

# %% [markdown]
# Purely imaginary eigenvalues: a rotation with no pull inwards, as in section 1. So the Dirac-GAN
# behaves like the bilinear game: simultaneous steps spiral out, alternating steps circle.

# %%
n = 600 if FAST else 3000
paths = {order: play(n, order=order) for order in ("simultaneous", "alternating")}
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
for order, path in paths.items():
    axes[0].plot(*path.T, lw=0.8, label=order)
    axes[1].plot(radius(path), label=order)
axes[0].plot(0, 0, "r*", ms=12); axes[0].set_xlabel("θ (the generated point)"); axes[0].set_ylabel("ψ (D's slope)")
axes[0].set_aspect("equal"); axes[0].legend(); axes[0].set_title("Dirac-GAN, minimax loss, lr 0.1")
axes[1].set_xlabel("step"); axes[1].set_ylabel("distance from the equilibrium"); axes[1].legend()
plt.show()
r_sim, r_alt = radius(paths["simultaneous"]), radius(paths["alternating"])
print(f"after {n} steps: simultaneous {r_sim[-1]:.2f}, alternating between {r_alt.min():.3f} and {r_alt.max():.3f}")
assert r_sim[-1] > (1.5 if FAST else 3) and np.all(np.diff(r_sim) > 0)    # spirals out, every step
assert 0.97 < r_alt.min() and r_alt.max() < 1.03                          # circles at distance ~1

# %% [markdown]
# **The non-saturating loss** (lesson 4) is not zero-sum: $G$ minimises $\mathrm{softplus}(-\psi\theta)$ instead of
# $-\mathrm{softplus}(\psi\theta)$. Its Jacobian at the equilibrium is the same (the two losses agree to
# first order there), but further out it adds a weak pull inwards: in continuous time the squared
# distance changes at the rate $-2\,\theta\psi\tanh(\psi\theta/2)$, fourth order in the distance. The pull
# never wins outright: simultaneous steps, which push outwards at second order in the step size, stall
# on a circle; alternating steps creep inwards, ever more slowly.

# %%
J_ns = jacobian(g_loss=gan.g_loss_nonsaturating)
assert np.allclose(J_ns, J, atol=1e-8)                                   # the same linearisation
ns = {order: play(n, order=order, g_loss=gan.g_loss_nonsaturating) for order in ("simultaneous", "alternating")}
for order, path in ns.items():
    r = radius(path)
    print(f"non-saturating, {order:12s}: distance {r[n // 2]:.3f} at step {n // 2}, {r[-1]:.3f} at step {n}")
r_sim, r_alt = radius(ns["simultaneous"]), radius(ns["alternating"])
assert r_alt[-1] < 0.5 * r_alt[0] and r_alt[-1] > 0.05                   # creeps in, without arriving
assert r_sim[-1] > 0.3                                                   # simultaneous: stalls far out ...
if not FAST:
    assert abs(r_sim[-1] - r_sim[n // 2]) < 0.05 * r_sim[-1]             # ... on a circle

# %% [markdown]
# ## 3. What the remedies do to the trajectories
#
# ### A gradient penalty (R1)
#
# The trouble is that $D$ has no reason to come back to $\psi = 0$ on its own: at the equilibrium any
# slope is as good as any other. Mescheder et al. penalise the discriminator's gradient **on the real
# data**, $\frac{\gamma}{2}\lVert\nabla_x D(x)\rVert^2$ (their R1; StyleGAN trains with it). For the
# Dirac-GAN $\nabla_x D = \psi$, so the penalty is $\frac{\gamma}{2}\psi^2$: a spring pulling $\psi$ to 0. `d_grad`
# computes it as on images, with `mg.grad(..., create_graph=True)` (lesson 12). The Jacobian gets
# $-\gamma$ on its diagonal, its eigenvalues a negative real part $-\gamma/2$, and the spiral turns inwards
# for both update orders. (WGAN-GP's penalty pulls $|\nabla_x D|$ towards 1 instead, between real and fake
# points: try it below.)

# %%
gamma = 0.3
eig_r1 = np.linalg.eigvals(jacobian(r1=gamma))
print("eigenvalues with R1, γ = 0.3:", eig_r1.round(4))
assert np.allclose(eig_r1.real, -gamma / 2, atol=1e-6)

penalised = {order: play(n, order=order, r1=gamma) for order in ("simultaneous", "alternating")}
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
for order in penalised:
    axes[0].plot(*penalised[order].T, lw=0.8, label=f"{order}, R1 γ = {gamma}")
    axes[1].semilogy(radius(penalised[order]) + 1e-16, label=f"{order}, R1")
    axes[1].semilogy(radius(paths[order]), ls=":", label=f"{order}, no penalty")
axes[0].plot(0, 0, "r*", ms=12); axes[0].set_aspect("equal"); axes[0].legend(); axes[0].set_title("with the R1 penalty")
axes[0].set_xlabel("θ"); axes[0].set_ylabel("ψ"); axes[1].set_xlabel("step"); axes[1].legend(fontsize=8)
plt.show()
for order, path in penalised.items():
    print(f"R1, {order:12s}: distance {radius(path)[100]:.4f} at step 100, {radius(path)[-1]:.1e} at step {n}")
    assert radius(path)[100] < 0.5 and radius(path)[-1] < (1e-3 if FAST else 1e-12)  # spirals in

# %% [markdown]
# ### Two time scales (TTUR)
#
# TTUR (Heusel et al. 2017) gives the two players different learning rates. Without a penalty that
# cannot help: the simultaneous update matrix $\begin{pmatrix}1 & \eta_G/2\\ -\eta_D/2 & 1\end{pmatrix}$
# has $|\lambda|^2 = 1 + \eta_G\eta_D/4 > 1$ for **any** pair of rates. With the penalty the matrix is
# $\begin{pmatrix}1 & \eta_G/2\\ -\eta_D/2 & 1 - \eta_D\gamma\end{pmatrix}$; while its eigenvalues are complex,
# $|\lambda|^2 = \det = 1 - \eta_D(\gamma - \eta_G/4)$. Two lessons in one formula: it converges only if
# $G$ is slow enough ($\eta_G < 4\gamma$), and then the **faster $D$ learns, the faster it converges** —
# the two time scales of TTUR, with $D$ on the fast one. The map of $|\lambda|$ over the two rates:

# %%
def spectral_radius(lr_g, lr_d, gamma):
    M = np.array([[1, lr_g / 2], [-lr_d / 2, 1 - lr_d * gamma]])     # linearised simultaneous step
    return np.abs(np.linalg.eigvals(M)).max()

rates = np.linspace(0.01, 2.0, 100)
rho = np.array([[spectral_radius(g, d, gamma) for g in rates] for d in rates])
plt.figure(figsize=(6, 4.5))
plt.contourf(rates, rates, rho, levels=np.linspace(0.6, 1.4, 17), cmap="RdBu_r", extend="both")
plt.colorbar(label="|λ| per step (< 1: converges)"); plt.contour(rates, rates, rho, levels=[1.0], colors="k")
plt.axvline(4 * gamma, ls=":", c="k"); plt.xlabel("η_G (generator)"); plt.ylabel("η_D (discriminator)")
plt.title(f"Dirac-GAN with R1 γ = {gamma}: converges left of η_G = 4γ"); plt.show()

assert all(spectral_radius(g, d, 0.0) > 1 for g in (0.01, 0.1, 1.0) for d in (0.01, 0.1, 1.0))   # no penalty: never
assert spectral_radius(4 * gamma + 0.05, 0.1, gamma) > 1 > spectral_radius(4 * gamma - 0.05, 0.1, gamma)
assert spectral_radius(0.1, 0.5, gamma) < spectral_radius(0.1, 0.1, gamma) < 1   # a faster D converges faster

ttur = play(300, lr_g=0.1, lr_d=0.5, r1=gamma)
equal = play(300, lr_g=0.1, lr_d=0.1, r1=gamma)
no_penalty = play(300, lr_g=0.1, lr_d=0.5)
print(f"after 300 steps: R1 + TTUR (η_D = 5 η_G) {radius(ttur)[-1]:.1e}, R1 with equal rates {radius(equal)[-1]:.1e}, "
      f"TTUR without R1 {radius(no_penalty)[-1]:.2f}")
assert radius(ttur)[-1] < 0.01 * radius(equal)[-1] and radius(no_penalty)[-1] > 1

# %% [markdown]
# ### Averaging the iterates
#
# The alternating iterates circle the equilibrium — so their **average** sits at its centre. Averaging
# does not change training at all; it changes which parameters we keep. A running mean over all steps
# (Polyak averaging) converges like $1/T$. An exponential moving average (EMA,
# $\bar w \leftarrow \beta \bar w + (1-\beta) w$) of points turning by an angle $\omega$ per step is a circle
# too, smaller by the factor $(1-\beta)/|1 - \beta e^{i\omega}|$: it helps when a turn takes many steps
# compared with the $1/(1-\beta)$ steps the EMA remembers. Yazıcı et al. (2019) showed that both help real GANs; ProGAN, StyleGAN and BigGAN
# all sample from an EMA of the generator's weights.

# %%
path = paths["alternating"]
running_mean = np.cumsum(path, axis=0) / np.arange(1, len(path) + 1)[:, None]
ema = [path[0]]
for p in path[1:]:
    ema.append(0.99 * ema[-1] + 0.01 * p)
ema = np.array(ema)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
axes[0].plot(*path.T, lw=0.5, c="0.6", label="iterates"); axes[0].plot(*ema.T, lw=1, label="EMA, β = 0.99")
axes[0].plot(*running_mean.T, lw=1.5, label="running mean"); axes[0].plot(0, 0, "r*", ms=12)
axes[0].set_aspect("equal"); axes[0].legend(); axes[0].set_title("alternating steps, minimax loss, no penalty")
for p, name in ((path, "iterates"), (ema, "EMA"), (running_mean, "running mean")):
    axes[1].semilogy(radius(p), label=name)
axes[1].set_xlabel("step"); axes[1].set_ylabel("distance from the equilibrium"); axes[1].legend()
plt.show()
omega = np.diff(np.unwrap(np.angle(path[:, 0] + 1j * path[:, 1]))).mean()   # radians per step
shrink = 0.01 / abs(1 - 0.99 * np.exp(1j * omega))
measured = radius(ema)[-n // 2:].mean() / radius(path)[-n // 2:].mean()
print(f"after {n} steps: iterates at distance {radius(path)[-1]:.3f}, EMA {radius(ema)[-1]:.3f}, running mean {radius(running_mean)[-1]:.4f}")
print(f"turn per step {omega:.4f} rad: EMA circle predicted {shrink:.3f} of the iterates', measured {measured:.3f}")
assert radius(path)[-1] > 0.95                                 # the iterates still circle ...
assert abs(measured - shrink) < 0.1 * shrink                   # ... their EMA on a circle ~5x smaller ...
assert radius(running_mean)[-1] < (0.1 if FAST else 0.01)      # ... and their mean converges to the centre
assert radius(running_mean)[n // 2] > radius(running_mean)[-1]

# %% [markdown]
# Other remedies aim at the rotation itself: **extragradient** and **optimistic** updates (Daskalakis
# et al. 2018) step with a gradient extrapolated half a step ahead, which turns the rotation inwards;
# **decaying learning rates** shrink the circles with the steps (minigan's ring recipe decays them
# linearly to 0). Try them below.
#
# ## 4. A real GAN does not settle either
#
# The ring of lesson 7, trained with constant learning rates (no decay). We record how far the
# generator's weights move every 100 steps, and keep an EMA of them (β = 0.99) beside the
# generator. If training converged, the moves would shrink to 0. At the end both generators are
# scored with lesson 7's metric.

# %%
from tqdm.auto import trange
ring = ToyMixture("ring")

def train_ring(seed, steps, decay=0.99):
    mg.manual_seed(seed)
    G = gan.MLPGenerator(2, (2,), hidden=(128, 128)); D = gan.MLPDiscriminator((2,), hidden=(128, 128))
    G_ema = gan.MLPGenerator(2, (2,), hidden=(128, 128))
    G_ema.load_state_dict({k: v.detach().numpy().copy() for k, v in G.state_dict().items()})
    opt_g = optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    moves, snapshots, last = [], [], np.concatenate([p.detach().numpy().ravel() for p in G.parameters()])
    for step in trange(steps, desc=f"ring, seed {seed}"):
        gan.d_step(G, D, opt_d, mg.tensor(ring.sample(128)), mg.randn(128, 2), gan.LOSSES["bce"])
        gan.g_step(G, D, opt_g, mg.randn(128, 2), gan.LOSSES["bce"])
        with mg.no_grad():
            for p_ema, p in zip(G_ema.parameters(), G.parameters()):
                p_ema.copy_(decay * p_ema + (1 - decay) * p)     # the EMA of the weights
        if (step + 1) % 100 == 0:
            now = np.concatenate([p.detach().numpy().ravel() for p in G.parameters()])
            moves.append(np.linalg.norm(now - last)); last = now
    score = lambda M: gan.mode_metrics(gan.sample(M, 2500, seed=1), ring.centers, ring.std)
    return np.array(moves), score(G), score(G_ema), G, G_ema

ring_steps, seeds = (600, 1) if FAST else (2000, 3)
runs = [train_ring(seed, ring_steps) for seed in range(seeds)]
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for seed, (moves, *_ ) in enumerate(runs):
    axes[0].plot(np.arange(1, len(moves) + 1) * 100, moves, label=f"seed {seed}")
axes[0].set_xlabel("step"); axes[0].set_ylabel("|Δ weights of G| per 100 steps"); axes[0].set_ylim(0); axes[0].legend()
_, _, _, G, G_ema = runs[0]
for ax, M, name in ((axes[1], G, "G (last iterate)"), (axes[2], G_ema, "EMA of G's weights")):
    s = gan.sample(M, 2000, seed=1)
    ax.scatter(*ring.sample(2000).T, s=2, c="0.7"); ax.scatter(*s.T, s=2, c="C3")
    ax.set_aspect("equal"); ax.set_xlim(-3, 3); ax.set_ylim(-3, 3); ax.set_title(f"seed 0: {name}")
plt.show()
for seed, (moves, last_g, avg_g, *_ ) in enumerate(runs):
    print(f"seed {seed}: last 100-step move {moves[-1]:.2f} (first {moves[0]:.2f}); "
          f"G: {last_g['modes_covered']}/8 modes, {last_g['high_quality']:.0%} high quality; "
          f"EMA: {avg_g['modes_covered']}/8, {avg_g['high_quality']:.0%}")
assert all(moves[-1] > 0.25 * moves.max() for moves, *_ in runs)           # G keeps moving: no convergence
if not FAST:
    hq_last = [r[1]["high_quality"] for r in runs]; hq_ema = [r[2]["high_quality"] for r in runs]
    assert all(e > l for e, l in zip(hq_ema, hq_last))                       # the average is the better generator
    assert all(r[2]["modes_covered"] >= r[1]["modes_covered"] for r in runs)

# %% [markdown]
# The generator is still moving at the end — each 100 steps move its weights about half as far as the
# first 100 did — because the game has no force that stops it: what it chases (D's favourite region)
# moves as it does, and Adam's steps keep their size. The average of its weights generates better on
# every seed: the samples of one step are a snapshot of a circling generator, the average is nearer
# the middle of the circle.
#
# **What to take to real GANs.** Simultaneous gradient play on a zero-sum game spirals out; alternating
# play (what `gan.d_step` then `gan.g_step` does) circles; neither converges by itself. The remedies
# act on exactly that: a penalty on $D$'s gradient at the data (R1, or WGAN-GP's between real and
# fake) adds the missing pull towards the equilibrium; TTUR sets the two speeds so that the pull wins;
# averaging the generator's weights (or decaying the learning rates) reads off the centre of the
# circles that remain. Lesson 9 meets the same dynamics as mode collapse, lesson 12 the penalties.
#
# **Try this.**
# 1. Replace the R1 penalty by WGAN-GP's $(|\nabla_x D(\hat x)| - 1)^2$ at points $\hat x$ between 0 and $\theta$
#    in `d_grad`. Does the Dirac-GAN still converge to $(0, 0)$? (Mescheder et al., section 3.)
# 2. **Extragradient**: in `play`, compute both gradients, take a half step, compute the gradients
#    again *there*, and step from the original point with them. Simultaneous, no penalty: does it spiral in?
# 3. Train the ring with the learning rates decaying linearly to 0 (`lr · (1 − step/steps)`). Do the
#    weight moves shrink? Is the last iterate as good as the EMA now?
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_game_step`** (exercise 21): one step of gradient play on any two-player game, simultaneous or
#   alternating — hint: in the alternating step the second player's gradient is taken at the point the
#   first player has just moved to (section 1).
