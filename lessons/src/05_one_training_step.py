# %% [markdown]
# # Lesson 5 — One training step, slowly
#
# Lesson 4 used `gan.d_step` and `gan.g_step`. Here we open them: each is five lines, and each line
# matters. We write both steps inline on a small 2-D problem (the ring of 8 Gaussians of lesson 7),
#
# 1. the **D step**: `zero_grad` → loss → `backward` → `step`, with the fakes cut off from $G$'s graph,
#    and `detach()` and `no_grad()` side by side;
# 2. the **G step**, with $D$ frozen: the gradient flows *through* $D$ to $G$ but leaves $D$ alone;
# 3. proof that the inline steps give exactly — bit for bit — what `gan.d_step`/`gan.g_step` give;
# 4. the classic ordering bug: stepping $D$ between $G$'s forward and backward, and the error minigan
#    raises for it.
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

from minigan import optim, gan
from minigan.datasets import ToyMixture

ring = ToyMixture("ring")

def make_models(seed=0):
    mg.manual_seed(seed)
    G = gan.MLPGenerator(latent_dim=2, out_shape=(2,), hidden=(64, 64))
    D = gan.MLPDiscriminator(in_shape=(2,), hidden=(64, 64))
    return G, D

def copy_of(model, make):
    twin = make()
    twin.load_state_dict({k: v.numpy().copy() for k, v in model.state_dict().items()})
    return twin

def params(model):
    return [p.detach().numpy().copy() for p in model.parameters()]

def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))

G, D = make_models()
opt_g = optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
opt_d = optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
real = mg.tensor(ring.sample(256))
z = mg.randn(256, 2)

# %% [markdown]
# ## 1. The discriminator step
#
# $D$ learns to output "real" (label 1) on data and "fake" (label 0) on $G(z)$. Its loss is the binary
# cross-entropy from logits, $\mathrm{softplus}(-D(x)) + \mathrm{softplus}(D(G(z)))$, averaged. The fakes
# must be **constants** for this step: we are not training $G$ now, so no gradient should reach it and
# no graph through $G$ should be kept. Two ways to get that:
#
# * `with mg.no_grad(): fake = G(z)` — nothing is recorded at all (cheapest);
# * `fake = G(z).detach()` — the graph through $G$ is built, then cut: the result is a new leaf.
#
# Both give the same numbers and leave $G$'s gradients empty. Forgetting both is a real bug: $D$'s loss
# would send gradients into $G$'s parameters (with the wrong sign for $G$).

# %%
with mg.no_grad():
    fake_a = G(z)
fake_b = G(z).detach()
fake_c = G(z)                                               # the bug: still attached to G
assert np.array_equal(fake_a.numpy(), fake_b.numpy())
assert not fake_a.requires_grad and not fake_b.requires_grad and fake_c.requires_grad
assert fake_a.grad_fn is None and fake_b.grad_fn is None and fake_c.grad_fn is not None

for fake, name in ((fake_b, "detach()"), (fake_c, "neither")):
    G.zero_grad(); D.zero_grad()
    gan.d_loss_bce(D(real), D(fake)).backward()
    reached = any(p.grad is not None and np.abs(p.grad.numpy()).sum() > 0 for p in G.parameters())
    print(f"{name:9s}: D's loss sent gradients into G: {reached}")
    assert reached == (name == "neither")
G.zero_grad(); D.zero_grad()

# %% [markdown]
# Now the step itself, written out, next to `gan.d_step` run on an identical copy of the models with
# identical optimizers and inputs. They must agree **exactly** — not approximately: the same
# operations in the same order give the same bits.

# %%
G2, D2 = copy_of(G, lambda: make_models()[0]), copy_of(D, lambda: make_models()[1])
opt_g2 = optim.Adam(G2.parameters(), lr=1e-3, betas=(0.5, 0.999))
opt_d2 = optim.Adam(D2.parameters(), lr=1e-3, betas=(0.5, 0.999))
g_before = params(G)

# the D step, inline
with mg.no_grad():
    fake = G(z)                                   # constants for this step
opt_d.zero_grad()                                 # 1. forget the last step's gradients
loss_d = gan.d_loss_bce(D(real), D(fake))         # 2. the loss (a graph through D only)
loss_d.backward()                                 # 3. gradients of D's parameters
opt_d.step()                                      # 4. update D

stats = gan.d_step(G2, D2, opt_d2, real, z, gan.LOSSES["bce"])
print(f"inline d_loss {loss_d.item():.6f}   gan.d_step d_loss {stats['d_loss']:.6f}")
assert loss_d.item() == stats["d_loss"]
assert same(params(D), params(D2))                # bit for bit
assert same(params(G), g_before)                  # G untouched by a D step

# %% [markdown]
# ## 2. The generator step, with D frozen
#
# $G$ wants $D$ to say "real" on its samples: with the non-saturating loss of lesson 4 it minimises
# $\mathrm{softplus}(-D(G(z)))$. The gradient must flow **through** $D$ — $\partial D/\partial x$ is the
# only thing telling $G$ which way to move — but $D$'s own parameters must not change, and there is no
# point computing their gradients. So we **freeze** $D$ for the step (`requires_grad_(False)` on its
# parameters: "D on G"), and unfreeze it afterwards. Only `opt_g` steps, and it holds only $G$'s
# parameters.

# %%
d_before = params(D)
d_grads_before = [p.grad.numpy().copy() for p in D.parameters()]   # left over from the D step
for p in D.parameters():
    p.requires_grad_(False)                       # freeze D
opt_g.zero_grad()
loss_g = gan.g_loss_nonsaturating(D(G(z)))        # the graph runs through D into G
loss_g.backward()
opt_g.step()
for p in D.parameters():
    p.requires_grad_(True)                        # unfreeze D

stats = gan.g_step(G2, D2, opt_g2, z, gan.LOSSES["bce"])
assert loss_g.item() == stats["g_loss"]
assert same(params(G), params(G2))                # bit for bit the same as gan.g_step
assert same(params(D), d_before)                  # D unchanged by the G step ...
assert same([p.grad.numpy() for p in D.parameters()], d_grads_before)   # ... and no gradient added to it
assert all(p.requires_grad for p in D.parameters())
print("G step: inline == gan.g_step, D bit-for-bit unchanged")

# %% [markdown]
# The two steps side by side, with the shapes of one batch. A training run is just these two,
# alternated (the Trainer adds bookkeeping: history, samples, checkpoints).
#
# | | D step | G step |
# |---|---|---|
# | inputs | real $x$ (256, 2), fakes $G(z)$ as constants | noise $z$ (256, 2) |
# | graph | through $D$ only | through $G$ **and** frozen $D$ |
# | loss | $\mathrm{softplus}(-D(x)) + \mathrm{softplus}(D(G(z)))$ | $\mathrm{softplus}(-D(G(z)))$ |
# | gradients land in | $D$'s parameters | $G$'s parameters |
# | optimizer | `opt_d` | `opt_g` |

# %%
from tqdm.auto import trange

steps = 300 if FAST else 1500
d_losses, g_losses = [], []
for step in trange(steps, desc="inline training"):
    zb, xb = mg.randn(256, 2), mg.tensor(ring.sample(256))
    with mg.no_grad():
        fake = G(zb)
    opt_d.zero_grad(); loss_d = gan.d_loss_bce(D(xb), D(fake)); loss_d.backward(); opt_d.step()
    for p in D.parameters(): p.requires_grad_(False)
    opt_g.zero_grad(); loss_g = gan.g_loss_nonsaturating(D(G(zb))); loss_g.backward(); opt_g.step()
    for p in D.parameters(): p.requires_grad_(True)
    d_losses.append(loss_d.item()); g_losses.append(loss_g.item())

with mg.no_grad():
    samples = G(mg.randn(2000, 2)).numpy()
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
axes[0].plot(d_losses, label="D loss"); axes[0].plot(g_losses, label="G loss")
axes[0].axhline(2 * np.log(2), ls=":", c="C0"); axes[0].axhline(np.log(2), ls=":", c="C1")
axes[0].set_xlabel("step"); axes[0].legend(); axes[0].set_title("losses (dotted: the values at D = 1/2)")
axes[1].scatter(*ring.sample(2000).T, s=2, c="0.7", label="data")
axes[1].scatter(*samples.T, s=2, c="C3", label="G(z)"); axes[1].set_aspect("equal"); axes[1].legend()
axes[1].set_title(f"after {steps} inline steps")
plt.show()
metrics = gan.mode_metrics(samples, ring.centers, ring.std)
print(metrics)
assert metrics["modes_covered"] >= (2 if FAST else 4)

# %% [markdown]
# At $D = 1/2$ everywhere the D loss is $2\log 2 \approx 1.39$ and the G loss $\log 2 \approx 0.69$: the
# dotted lines. A healthy run hovers around them rather than driving either loss to 0.
#
# ## 3. The classic ordering bug
#
# A tempting shortcut: compute $G$'s loss, step $D$ (it is "D's turn"), *then* call `backward()` for
# $G$. But $G$'s graph runs through $D$, and its backward needs $D$'s weights **as they were in the
# forward pass**; `opt_d.step()` has overwritten them in place. The gradient $G$ receives would mix
# two different discriminators — silently wrong. minigan (like PyTorch) keeps a version counter on
# every tensor and refuses to backward through a tensor that was modified after it was saved:

# %%
caught = None
opt_g.zero_grad(); opt_d.zero_grad()
loss_g = gan.g_loss_nonsaturating(D(G(z)))        # G's forward, through D
gan.d_loss_bce(D(real), D(G(z).detach())).backward()
opt_d.step()                                      # D's weights change in place ...
try:
    loss_g.backward()                             # ... before G's backward: refused
except RuntimeError as e:
    caught = str(e)
    print(e)
assert caught is not None and "modified" in caught

# %% [markdown]
# The fix is the order of section 2: finish the G step (`backward` and `opt_g.step()`) before $D$
# changes, or recompute $G$'s loss after $D$'s step.
#
# **Try this.**
# 1. Remove the freezing lines from the inline G step. Does the run change? (It should not — why? What
#    does freezing save, then?)
# 2. Replace `with mg.no_grad(): fake = G(zb)` by `fake = G(zb)` in the training loop and add
#    `opt_g.zero_grad()` nowhere. What happens to $G$ — and does anything change if `opt_g.zero_grad()`
#    stays where it is?
# 3. Train $D$ twice per $G$ step (`n_critic = 2`). Better or worse on the ring?
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_d_step`** (exercise 10) — hint: make the fakes under `mg.no_grad()` (or detach them): $G$ must get
#   no gradient from $D$'s loss (section 1).
# - **`ex_g_step`** (exercise 11) — hint: freeze $D$ with `requires_grad_(False)` and restore it in a
#   `finally` block; the fakes must keep their graph (section 2).
