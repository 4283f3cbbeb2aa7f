# %% [markdown]
# # Lesson 3 — Layers from scratch
#
# A GAN's two networks are stacks of a few kinds of layer. This lesson opens each one:
#
# 1. **Linear**: $y = xW^\top + b$;
# 2. **conv2d** as **im2col** plus one matrix product, checked against a plain loop and `F.conv2d`;
# 3. **ConvTranspose2d**, the generator's upsampler: its output-size rule and its checkerboards;
# 4. **BatchNorm** in train and in eval mode, with its running statistics;
# 5. **LeakyReLU** and **Dropout**.
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

from minigan import nn, functional as F
from minigan.ops.conv import im2col
from minigan.conv_geometry import conv_output_size, conv_transpose_output_size

# %% [markdown]
# ## 1. Linear
#
# `nn.Linear(in_features, out_features)` holds $W$ of shape `(out, in)` and $b$ of shape `(out,)` —
# PyTorch's layout — and computes $y = xW^\top + b$ for a batch $x$ of shape `(N, in)`. Lesson 1 derived
# its backward. Nothing more to it:

# %%
layer = nn.Linear(4, 3)
xb = mg.randn(5, 4)
by_hand = xb.detach().numpy() @ layer.weight.detach().numpy().T + layer.bias.detach().numpy()
assert layer.weight.shape == (3, 4) and layer(xb).shape == (5, 3)
assert np.allclose(layer(xb).detach().numpy(), by_hand, atol=1e-6)

# %% [markdown]
# ## 2. Convolution = im2col + one matrix product
#
# A convolution slides a $k\times k$ filter over the image and takes a dot product at each position.
# Written as loops that is slow in Python. The trick every library uses: copy each **receptive field**
# (the $C\cdot k\cdot k$ input values one output pixel sees) into one **column** of a matrix — *im2col* —
# and then all output pixels of all filters come out of **one** matrix product,
#
# $$\underbrace{Y}_{C_\text{out} \times (N\cdot OH\cdot OW)} = \underbrace{W}_{C_\text{out}\times (C k k)}\;
#   \underbrace{\text{cols}(X)}_{(C k k)\times (N\cdot OH\cdot OW)}.$$
#
# Here is the column matrix of a tiny 4×4 image with a 2×2 kernel (stride 1, no padding): 9 output
# positions, so 9 columns of 4 values each. Every pixel of the image appears once per window it
# falls in — the central ones four times.

# %%
image = np.arange(1, 17, dtype=np.float32).reshape(1, 1, 4, 4)
cols = im2col(image, (2, 2), (1, 1), (0, 0), (1, 1))
print(cols.astype(int))
assert cols.shape == (1 * 2 * 2, 1 * 3 * 3)
assert list(cols[:, 0]) == [1, 2, 5, 6]             # the first window: the top-left 2x2 block
assert (cols == 6).sum() == 4                        # an interior pixel is in four windows

fig, axes = plt.subplots(1, 2, figsize=(9, 3), gridspec_kw={"width_ratios": [1, 2.2]})
axes[0].imshow(image[0, 0], cmap="viridis"); axes[0].set_title("the image (4×4)")
for (i, j), value in np.ndenumerate(image[0, 0]):
    axes[0].text(j, i, int(value), ha="center", va="center", color="w")
axes[1].imshow(cols, cmap="viridis"); axes[1].set_title("im2col: one column per 2×2 window")
for (i, j), value in np.ndenumerate(cols):
    axes[1].text(j, i, int(value), ha="center", va="center", color="w")
axes[1].set_xlabel("output position"); axes[1].set_ylabel("position in the window")
for ax in axes: ax.set_xticks([]); ax.set_yticks([])
plt.show()

# %% [markdown]
# Now a real convolution three ways — a loop over every output pixel, im2col + matmul, and minigan's
# `F.conv2d` — with padding, stride 2 and two input channels. The output size per dimension is
# $OH = \lfloor (H + 2p - k)/s \rfloor + 1$.

# %%
rng = np.random.default_rng(0)
X = rng.standard_normal((2, 2, 7, 7)).astype(np.float32)        # N, C, H, W
Wt = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)        # C_out, C, k, k
k, s, p = 3, 2, 1
OH = conv_output_size(7, k, s, p, 1)
assert OH == (7 + 2 * p - k) // s + 1 == 4

padded = np.pad(X, ((0, 0), (0, 0), (p, p), (p, p)))
loop = np.zeros((2, 3, OH, OH), np.float32)
for n in range(2):
    for o in range(3):
        for i in range(OH):
            for j in range(OH):
                loop[n, o, i, j] = (padded[n, :, i * s:i * s + k, j * s:j * s + k] * Wt[o]).sum()

cols = im2col(X, (k, k), (s, s), (p, p), (1, 1))                  # (C*k*k, N*OH*OW)
product = Wt.reshape(3, -1) @ cols                                # ONE matrix product: (3, N*OH*OW)
as_matmul = product.reshape(3, 2, OH, OH).transpose(1, 0, 2, 3)   # back to (N, C_out, OH, OW)
library = F.conv2d(mg.tensor(X), mg.tensor(Wt), stride=s, padding=p).numpy()
assert cols.shape == (2 * 3 * 3, 2 * OH * OH)
assert np.allclose(loop, as_matmul, atol=1e-5) and np.allclose(loop, library, atol=1e-5)
print("loop, im2col+matmul and F.conv2d agree; output shape", library.shape)

# %% [markdown]
# ## 3. ConvTranspose2d: upsampling, its size rule, and checkerboards
#
# The generator has to go from a small code to a big image. A **transposed convolution** does the
# reverse of a convolution's bookkeeping: each *input* pixel stamps a scaled copy of the $k\times k$
# filter into the output, the stamps $s$ pixels apart, overlapping where $k > s$. Its output size is
#
# $$H_\text{out} = (H - 1)\,s - 2p + k \quad(+\ \text{output\_padding}),$$
#
# so DCGAN's $k=4, s=2, p=1$ exactly doubles: $7\to14\to28$.

# %%
for (h, kk, ss, pp) in [(7, 4, 2, 1), (14, 4, 2, 1), (1, 7, 1, 0), (5, 3, 2, 1)]:
    up = nn.ConvTranspose2d(1, 1, kk, stride=ss, padding=pp)
    out = up(mg.randn(1, 1, h, h)).shape[-1]
    assert out == (h - 1) * ss - 2 * pp + kk == conv_transpose_output_size(h, kk, ss, pp, 1)
    print(f"H={h:2d} k={kk} s={ss} p={pp}  ->  {out}")

# %% [markdown]
# When $k$ is not a multiple of $s$, the stamps overlap **unevenly**: some output pixels receive two
# stamps, some one, some four. Feed a constant image through a transposed convolution whose filter is
# all ones and the overlap count becomes visible — a **checkerboard**. Generators can learn to hide it,
# but it often shows in early samples (Odena et al. 2016, "Deconvolution and checkerboard artifacts").
# With $k = 4, s = 2$ (DCGAN's choice) every interior pixel gets exactly two stamps per direction.

# %%
def stamp_counts(kk, ss):
    up = nn.ConvTranspose2d(1, 1, kk, stride=ss, padding=0, bias=False)
    up.weight.array[...] = 1.0
    with mg.no_grad():
        return up(mg.ones(1, 1, 6, 6)).numpy()[0, 0]

uneven, even = stamp_counts(3, 2), stamp_counts(4, 2)
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, counts, title in zip(axes, (uneven, even), ("k=3, s=2: checkerboard", "k=4, s=2: even interior")):
    ax.imshow(counts, cmap="magma", vmin=0, vmax=4); ax.set_title(title); ax.axis("off")
plt.show()
assert set(np.unique(uneven[2:-2, 2:-2])) == {1.0, 2.0, 4.0}
assert set(np.unique(even[2:-2, 2:-2])) == {4.0}

# %% [markdown]
# ## 4. BatchNorm: train mode and eval mode
#
# BatchNorm normalises each feature over the batch, $\hat x = (x - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}$,
# then scales and shifts ($\gamma\hat x + \beta$, learned). In **train** mode $\mu_B, \sigma^2_B$ are the
# current batch's statistics, and the layer also updates **running** estimates,
# $\text{running} \leftarrow (1-m)\,\text{running} + m\cdot\text{batch}$ with momentum $m = 0.1$ (the
# running variance uses the unbiased batch variance). In **eval** mode it uses the running estimates
# instead, so a sample no longer depends on the others in its batch. That is why DCGAN samples are
# drawn with `G.eval()` (lesson 10).

# %%
bn = nn.BatchNorm1d(3)
data = lambda n: mg.tensor((rng.standard_normal((n, 3)) * [1.0, 2.0, 0.5] + [3.0, -1.0, 0.0]).astype(np.float32))
batch = data(64)
out = bn(batch).detach().numpy()
assert np.allclose(out.mean(0), 0, atol=1e-5) and np.allclose(out.var(0), 1, atol=1e-3)
expected_mean = 0.1 * batch.numpy().mean(0)
expected_var = 0.9 * 1 + 0.1 * batch.numpy().var(0, ddof=1)
assert np.allclose(bn.running_mean.numpy(), expected_mean, atol=1e-6)
assert np.allclose(bn.running_var.numpy(), expected_var, atol=1e-5)

history = [bn.running_mean.numpy().copy()]
for _ in range(49):
    bn(data(64)); history.append(bn.running_mean.numpy().copy())
bn.eval()
single = bn(data(1)).detach().numpy()                       # one sample: fine in eval mode
assert single.shape == (1, 3)
assert np.allclose(bn.running_mean.numpy(), [3.0, -1.0, 0.0], atol=0.3)   # the true means

true_means = [3.0, -1.0, 0.0]
fig, ax = plt.subplots(figsize=(7.5, 3))
for j, true in enumerate(true_means):
    ax.plot(np.array(history)[:, j], c=f"C{j}", label=f"feature {j}: running_mean")
    ax.axhline(true, ls=":", c=f"C{j}", label=f"feature {j}: true mean {true:g}")
ax.set_xlabel("training batches seen"); ax.set_ylabel("running_mean"); ax.set_title("running statistics converge (momentum 0.1)")
ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
labels = [t.get_text() for t in ax.get_legend().get_texts()]
plt.show()
assert len(labels) == 2 * len(true_means)                      # every curve and every target named
assert np.allclose(np.array(history)[-1], true_means, atol=0.3)  # each running mean ends near its true mean

# %% [markdown]
# ## 5. LeakyReLU and Dropout
#
# **LeakyReLU** (slope 0.2 for negative inputs in DCGAN's discriminator) keeps a gradient flowing where
# ReLU would give none — the discriminator's gradient is the generator's only learning signal.
# **Dropout** zeroes each unit with probability $p$ in train mode and scales the survivors by
# $1/(1-p)$ so that the expected value is unchanged; in eval mode it does nothing.

# %%
a = mg.tensor(np.linspace(-3, 3, 7).astype(np.float32), requires_grad=True)
leaky = nn.LeakyReLU(0.2)(a)
leaky.sum().backward()
assert np.allclose(a.grad.detach().numpy(), np.where(a.detach().numpy() > 0, 1.0, 0.2))
fig, ax = plt.subplots(figsize=(4, 3))
t = np.linspace(-3, 3, 100)
ax.plot(t, np.maximum(t, 0), label="ReLU"); ax.plot(t, np.where(t > 0, t, 0.2 * t), label="LeakyReLU(0.2)")
ax.legend(); ax.set_title("negative inputs keep slope 0.2"); plt.show()

drop = nn.Dropout(0.5)
ones = mg.ones(100_000)
dropped = drop(ones).numpy()
assert set(np.unique(dropped)) == {0.0, 2.0}                 # zeroed, or scaled by 1/(1-p)
assert abs((dropped == 0).mean() - 0.5) < 0.01 and abs(dropped.mean() - 1.0) < 0.02
drop.eval()
assert np.array_equal(drop(ones).numpy(), ones.numpy())      # eval mode: the identity

# %% [markdown]
# **Try this.**
# 1. Compute the column matrix of a 2-channel image: how are the channels' windows stacked?
# 2. Make `stamp_counts(5, 2)` and `stamp_counts(2, 2)`: which kernel sizes avoid the checkerboard?
# 3. Put the BatchNorm back in train mode and pass one sample. What does it output, and why?
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_leaky_relu`** (exercise 5) — hint: keep the mask as an attribute (`ctx.mask = a > 0`, lesson 2's save
#   rule) and use `mg.where` with it in backward; a gradient computed from raw arrays fails `gradgradcheck` (lesson 2).
# - **`ex_im2col`** (exercise 6) — hint: loop over the $k\times k$ kernel offsets only; each offset is one
#   strided slice of the padded image.
# - **`ex_col2im`** (exercise 7), conv2d's input gradient — hint: the same slices as im2col, but added onto
#   the image (`+=`), because windows overlap.
# - **`ex_batchnorm`** (exercise 8), the training-mode backward — hint: $\mu_B$ and $\sigma_B$ depend on
#   every sample, so $\partial L/\partial x$ has three terms.
