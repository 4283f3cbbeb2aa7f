# %% [markdown]
# # Lesson 23 — Under the hood on a GPU
#
# Every lesson so far ran on NumPy. minigan has a second backend, **CuPy**, which puts the same
# tensors on an NVIDIA GPU. Almost all of a GAN's arithmetic is matrix products — `Linear` layers
# directly, convolutions through **im2col** (lesson 3) — and on the GPU minigan runs them on CUDA
# kernels of its own, in `minigan/cuda/kernels/`. This lesson opens them up:
#
# 1. the CuPy backend: what changes when a tensor lives on the GPU (very little);
# 2. counting: the arithmetic intensity of a matrix product and the **roofline** that bounds its speed;
# 3. the three SGEMM stages (`naive`, `smem`, `regtile2d`) and what each one buys;
# 4. what the compiler makes of them: registers and shared memory, from NVRTC, **without a GPU**;
# 5. im2col and col2im as kernels (col2im without atomics);
# 6. running and timing them — only when a GPU is present;
# 7. measured GPU numbers: only those committed to the repository, clearly labelled.
#
# **Setup.** Everything but section 6 runs on any machine. Section 4 needs NVRTC, the compiler CuPy
# uses: `pip install -e ".[cuda-check]"` (CuPy + the NVRTC wheel; no GPU needed). Section 6 needs a
# CUDA GPU and `pip install -e ".[cuda13]"`. Cells that need what is missing say so and skip.

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

from pathlib import Path
from minigan import cuda
from minigan.cuda import compile_check, geometry, kernels_index
from minigan.cuda.reference import col2im_numpy, im2col_loop, im2col_numpy

HAS_GPU = mg.cuda_available()
HAS_NVRTC = compile_check.nvrtc_available()
KERNELS = Path(cuda.__file__).parent / "kernels"
print(f"fast mode: {FAST}; CUDA GPU: {HAS_GPU}; NVRTC (compiles without a GPU): {HAS_NVRTC}")

# %% [markdown]
# ## 1. The CuPy backend
#
# A minigan `Tensor` holds a raw array in `t.array`: a `numpy.ndarray` on the NumPy backend, a
# `cupy.ndarray` on the CuPy one. CuPy copies NumPy's API, so nearly every op is written once against
# "the array module" of its inputs. Two things are different on the GPU:
#
# - `mg.set_backend("cupy")` (or `.to("cupy")` on a tensor or a module) moves data to the device;
#   `.numpy()` brings it back;
# - matrix products and convolutions go to `minigan.cuda` — our kernels by default, cuBLAS after
#   `minigan.cuda.use_cublas(True)` (or `MINIGAN_USE_CUBLAS=1`), so the two can be compared.
#
# Importing minigan never imports CuPy; the names below work on any machine.

# %%
import subprocess
import sys

fresh = subprocess.run([sys.executable, "-c", "import sys, minigan; print('cupy' in sys.modules)"],
                       capture_output=True, text=True, check=True)
assert fresh.stdout.strip() == "False"  # importing minigan did not import CuPy
assert mg.backend.normalize_backend("cuda") == "cupy" and mg.backend.normalize_backend("cpu") == "numpy"
assert cuda.cublas_enabled() is False  # our kernels are the default
if HAS_GPU:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 33, 17)).astype(np.float32), rng.standard_normal((17, 9)).astype(np.float32)
    on_gpu = mg.matmul(mg.tensor(a).to("cupy"), mg.tensor(b).to("cupy"))
    print("array type on the GPU:", type(on_gpu.array))
    np.testing.assert_allclose(on_gpu.numpy(), a @ b, rtol=1e-5, atol=1e-5)
else:
    print("No CUDA GPU here: skipping the CuPy round trip (the rest of the lesson runs without one).")

# %% [markdown]
# ## 2. Counting: arithmetic intensity and the roofline
#
# A product C = A·B with A of shape (M, K) and B of shape (K, N) does **2·M·N·K** floating-point
# operations (a multiply and an add per term). At the very least it must read A and B and write C:
# **4·(M·K + K·N + M·N)** bytes in float32. Their ratio is the **arithmetic intensity** (FLOP per byte).
#
# A GPU can do at most P FLOP/s and move at most B bytes/s from its memory, so a kernel of intensity
# I runs at most at **min(P, B·I)**: the *roofline*. Below the *ridge point* P/B a kernel waits for
# memory; above it, for arithmetic. For the H200 the vendor's datasheet gives P ≈ 67 TFLOP/s
# (FP32, no tensor cores) and B ≈ 4.8 TB/s — datasheet figures, not measurements.

# %%
PEAK_FP32 = 67e12  # FLOP/s, H200 datasheet (FP32)
BANDWIDTH = 4.8e12  # bytes/s, H200 datasheet (HBM3e)
RIDGE = PEAK_FP32 / BANDWIDTH


def intensity(M, N, K, bytes_per=4):
    return 2 * M * N * K / (bytes_per * (M * K + K * N + M * N))


def conv_gemm(batch, cin, cout, k, stride, pad, hw):
    """(M, N, K) of conv2d as W (Cout, Cin*k*k) @ im2col(x) (Cin*k*k, N*OH*OW)."""
    out = (hw + 2 * pad - k) // stride + 1
    return cout, batch * out * out, cin * k * k


# The course's DCGAN (lesson 10), as `python -m minigan train` builds it: its layers give the shapes.
from minigan import nn
from minigan.gan.recipes import build_models, default_config

config = default_config("dcgan", "sample")
G_course, D_course, _ = build_models(config, (1, 28, 28))
batch = config.batch_size
shapes = {f"{n}³": (n, n, n) for n in (256, 1024, 4096)}
size = 28
for i, conv in enumerate((m for m in D_course.modules() if isinstance(m, nn.Conv2d)), start=1):
    k, s, p = conv.kernel_size[0], conv.stride[0], conv.padding[0]
    shapes[f"D.conv{i} ({conv.in_channels}->{conv.out_channels}, {size}x{size})"] = conv_gemm(
        batch, conv.in_channels, conv.out_channels, k, s, p, size)
    size = (size + 2 * p - k) // s + 1
first_linear = next(m for m in G_course.modules() if isinstance(m, nn.Linear))
shapes[f"G.linear ({first_linear.in_features} -> {first_linear.out_features})"] = (
    batch, first_linear.out_features, first_linear.in_features)
for name, (M, N, K) in shapes.items():
    print(f"{name:26s} M={M:6d} N={N:6d} K={K:5d}  intensity {intensity(M, N, K):7.1f} FLOP/byte")
print(f"ridge point of the H200 (datasheet): {RIDGE:.1f} FLOP/byte")

conv1, conv2 = (shapes[k] for k in shapes if k.startswith("D.conv"))
assert conv1 == (32, batch * 14 * 14, 1 * 4 * 4)  # 32 filters of 1x4x4 over the 14x14 positions of each image
assert abs(RIDGE - 14.0) < 0.1
assert intensity(1024, 1024, 1024) > 10 * RIDGE
assert round(intensity(*conv1)) == 5
assert intensity(4096, 4096, 4096) == 4096 / 6  # 2n³ / (12 n²): grows with n
assert intensity(*conv1) < RIDGE < intensity(*conv2)

# %% [markdown]
# Big square products are far above the ridge: they can be compute-bound. But the first layer of the
# course's DCGAN discriminator (one input channel, so K = 1·4·4 = 16) has an intensity of about 5: however
# good the kernel, that product is limited by memory. The picture:

# %%
I = np.logspace(-1, 3.5, 200)
fig, ax = plt.subplots(figsize=(7, 4))
ax.loglog(I, np.minimum(PEAK_FP32, BANDWIDTH * I) / 1e12, "k-", label="roofline (H200 datasheet, FP32)")
for name, (M, N, K) in shapes.items():
    x = intensity(M, N, K)
    ax.plot([x], [min(PEAK_FP32, BANDWIDTH * x) / 1e12], "o", label=name)
ax.axvline(RIDGE, color="grey", ls=":", lw=1)
ax.set_xlabel("arithmetic intensity (FLOP / byte of DRAM traffic, the minimum)")
ax.set_ylabel("attainable TFLOP/s")
ax.set_title("The roofline: the best a matrix product of each shape can do")
ax.legend(fontsize=7, loc="lower right")
plt.show()

# %% [markdown]
# The roofline assumes each value crosses the memory bus **once**. A kernel that reads A and B
# many times has a lower *effective* intensity than the shape allows — and that is exactly what the
# three SGEMM stages fix, one step at a time.
#
# ## 3. Three SGEMM stages
#
# | stage | one block computes | global loads per FMA | the idea |
# | --- | --- | --- | --- |
# | `naive` | 16×16 elements of C, one per thread | 2 | the index arithmetic, coalescing |
# | `smem` | a 32×32 tile, A and B staged through shared memory | 2/32 | each value read once per block |
# | `regtile2d` | 128×128 (or 64×64), each thread 8×8 (8×4) results in registers | 2/128 | reuse in registers, float4 loads, double buffering, split-K |
#
# **naive.** Thread (x, y) of block (bx, by) owns C[m][n], m = by·16 + y, n = bx·16 + x, and reads a
# row of A and a column of B — 2K values — from global memory. Neighbouring threads differ in x, so
# a warp reads neighbouring elements of B and writes neighbouring elements of C: the accesses are
# *coalesced*. Here is the kernel:

# %%
gemm_source = (KERNELS / "gemm.cu").read_text()
start = gemm_source.index("__global__ void gemm_naive")
start = gemm_source.rindex("template", 0, start)
naive_source = gemm_source[start:gemm_source.index("\n}\n", start) + 3]
print(naive_source)
assert "const int n = blockIdx.x * blockDim.x + threadIdx.x;" in naive_source  # x runs along a row of C
assert "for (int k = 0; k < K; ++k)" in naive_source  # 2K loads from global memory per thread

# %% [markdown]
# **smem.** A block of T×T threads loads a T×T tile of A and of B into shared memory (on-chip,
# about as fast as registers), synchronises, and every thread reads its 2·T values from there. Each
# value fetched from global memory now serves T threads: global traffic falls by a factor T.
# (The tiles are declared T+1 wide: with T = 32 a column of the tile would sit in one shared-memory
# bank, and the 32 threads reading it would queue one after another.)
#
# **regtile2d.** A block computes BM×BN of C; each thread keeps TM×TN results in registers. Per step
# of the K loop a thread reads TM values of A and TN of B from shared memory and does TM·TN
# multiply-adds with them. Let us count, from the tile shapes the code actually uses:

# %%
def global_bytes_per_flop(stage, config=None):
    """Global-memory bytes read per FLOP by one block (float32), from its tile of C."""
    if stage == "naive":
        return 2 * 4 / 2  # each thread: 2 loads (a, b) per multiply-add (2 FLOP)
    if stage == "smem":
        t = kernels_index.SMEM_TILE
        return (2 * t * 4) / (2 * t * t)  # per k: a t-column of A and a t-row of B feed t*t FMAs
    c = kernels_index.TILE_CONFIGS[config]
    return ((c.BM + c.BN) * 4) / (2 * c.BM * c.BN)


rows = [("naive", None), ("smem", None), ("regtile2d", "small"), ("regtile2d", "large")]
for stage, config in rows:
    bpf = global_bytes_per_flop(stage, config)
    print(f"{stage + (f'[{config}]' if config else ''):20s} {1 / bpf:6.2f} FLOP per byte read from DRAM/L2 "
          f"({'below' if 1 / bpf < RIDGE else 'above'} the H200 ridge of {RIDGE:.0f})")
for name, c in kernels_index.TILE_CONFIGS.items():
    threads = (c.BM // c.TM) * (c.BN // c.TN)
    print(f"regtile2d[{name}]: {threads} threads, {c.TM * c.TN} results each; per k-step "
          f"{c.TM + c.TN} shared loads feed {c.TM * c.TN} FMAs")

assert "[SMEM_TILE][SMEM_TILE + 1]" in gemm_source  # the padded shared tiles
assert global_bytes_per_flop("naive") == 4.0  # 0.25 FLOP/byte: hopelessly memory-bound
assert 1 / global_bytes_per_flop("smem") < RIDGE < 1 / global_bytes_per_flop("regtile2d", "small")
assert 1 / global_bytes_per_flop("smem") == kernels_index.SMEM_TILE / 4 == 8.0
assert 1 / global_bytes_per_flop("regtile2d", "large") == 32.0 > RIDGE
large = kernels_index.TILE_CONFIGS["large"]
assert (large.TM + large.TN, large.TM * large.TN) == (16, 64)

# %% [markdown]
# Only the register-tiled stage can, in principle, outrun the memory bus on this GPU: the naive
# kernel asks for 4 bytes per FLOP, the shared-memory one 1/8. (Caches blur these numbers in
# practice — the naive kernel's neighbours share reads through L1/L2 — which is why the benchmarks
# measure instead of trusting them.)
#
# `regtile2d` also picks its tile by size: 128×128 tiles only when there are enough of them to
# fill the GPU's multiprocessors, else 64×64 — plain Python, checked without a GPU:

# %%
SMS = 132  # an H200's multiprocessors
for M, N in ((4096, 4096), conv1[:2], conv2[:2], (64, 64)):   # square, the course DCGAN's two convolutions, tiny
    print(f"M={M:5d} N={N:5d}: {geometry.choose_tile_config(M, N, 1, SMS)} tiles")
assert geometry.choose_tile_config(4096, 4096, 1, SMS) == "large"  # 1024 tiles of 128x128: plenty
assert geometry.choose_tile_config(64, 64, 1, SMS) == "small"

# %% [markdown]
# ## 4. What the compiler makes of each stage (no GPU needed)
#
# NVRTC compiles CUDA C++ at run time — it is what CuPy calls when a kernel is first launched. Asked
# for a real architecture (`-arch=sm_90`: Hopper, the H100 and H200), it also runs the assembler,
# which reports each kernel's **registers** per thread, **shared memory** per block and **spills**
# (values that did not fit in registers and went to slow local memory; we want none).

# %%
WANTED = {"gemm_naive<float, false, false>", "gemm_smem<float, false, false>",
          "sgemm_regtile2d<64, 64, 8, 8, 4, false, false, true>",
          "sgemm_regtile2d<128, 128, 8, 8, 8, false, false, true>"}
resources = {}
if HAS_NVRTC:
    for group in ("naive", "smem", "regtile2d"):
        for r in compile_check.compile_group(group, "sm_90"):
            if r.name in WANTED:
                resources[r.name] = r
    for name in sorted(resources, key=lambda n: resources[n].registers):
        r = resources[name]
        print(f"{name:56s} {r.registers:4d} registers  {r.shared_bytes:6d} B shared  "
              f"{r.spill_stores + r.spill_loads} B spilled")
    assert set(resources) == WANTED
    assert all(r.spill_stores == r.spill_loads == r.stack_bytes == 0 for r in resources.values())
    big = resources["sgemm_regtile2d<128, 128, 8, 8, 8, false, false, true>"]
    assert big.registers >= 64 + 16  # 64 accumulators + the 8+8 values they multiply, at least
    assert 3 <= big.registers / resources["gemm_naive<float, false, false>"].registers <= 5  # "about four times"
else:
    print("NVRTC is not installed here: pip install -e '.[cuda-check]' to compile the kernels.")

# %% [markdown]
# The large register tile uses about four times the naive kernel's registers — its 64 accumulators
# and the 16 values they multiply — and that is the trade: registers are the fastest memory there is.
# The price is **occupancy**: a multiprocessor of a Hopper GPU has 65 536 32-bit registers, so fewer
# threads fit at once. (On a GPU the next cell reads that number from the device.)

# %%
REGISTERS_PER_SM = 65536
if HAS_GPU:
    import cupy

    assert cupy.cuda.Device(0).attributes["MaxRegistersPerMultiprocessor"] == REGISTERS_PER_SM
if resources:
    for name in sorted(resources, key=lambda n: resources[n].registers):
        r = resources[name]
        threads = 256 if "128, 128" in name else 128 if "64, 64" in name else (
            kernels_index.SMEM_TILE ** 2 if "smem" in name else kernels_index.NAIVE_BLOCK ** 2)
        blocks = REGISTERS_PER_SM // (r.registers * threads)
        print(f"{name:56s} {threads:5d} threads/block -> at most {blocks} blocks "
              f"({blocks * threads} threads) per SM by registers")
    assert REGISTERS_PER_SM // (big.registers * 256) == 2  # 127-ish registers x 256 threads: two blocks
else:
    print("Skipped: needs the NVRTC numbers of the cell above.")

# %% [markdown]
# ## 5. im2col and col2im as kernels
#
# A convolution is one matrix product once the input is unrolled: im2col writes, for every output
# position, the patch of input under the kernel as a column. minigan's layout is
#
# `cols[(c·kh + i)·kw + j, (n·OH + oh)·OW + ow] = x[n, c, oh·sh − ph + i·dh, ow·sw − pw + j·dw]`
#
# (0 in the padding). Its adjoint, col2im, adds columns back into an image; it is the backward pass
# of im2col. The obvious kernel — one thread per column entry, `atomicAdd` into the image — is
# non-deterministic (float additions in a random order) and contended. minigan's col2im **gathers**
# instead: each thread owns one input pixel and, for each kernel tap, solves for the one output
# position (if any) that read it. At most kh·kw terms, no atomics, the same result every run.
#
# The kernels' index arithmetic has NumPy twins in `minigan/cuda/reference.py`, checked here on a
# small awkward case (stride 2 × 1, padding, dilation):

# %%
rng = np.random.default_rng(1)
x = rng.standard_normal((2, 3, 9, 7))
geo = ((3, 2), (2, 1), (1, 2), (2, 1))  # kernel, stride, padding, dilation as (h, w) pairs
cols = im2col_numpy(x, *geo)
print("x", x.shape, "-> cols", cols.shape)
assert np.array_equal(cols, im2col_loop(x, *geo))  # vectorised == a literal loop over the formula
y = rng.standard_normal(cols.shape)
back = col2im_numpy(y, x.shape, *geo)
# the adjoint identity <im2col(x), y> = <x, col2im(y)>: col2im is exactly im2col's transpose
assert np.isclose(np.sum(cols * y), np.sum(x * back))
im2col_source = (KERNELS / "im2col.cu").read_text()
assert "atomicAdd" not in im2col_source
start = im2col_source.index("__global__ void col2im_kernel")
print(im2col_source[start:start + 900], "...")

# %% [markdown]
# ## 6. Running and timing them (GPU only)
#
# With a GPU, each stage is checked against a float64 NumPy product and timed against cuBLAS
# (`cupy.matmul`, TF32 off) with CUDA events. The numbers printed here are measured **now, on this
# machine**; `benchmarks/cuda_sgemm.py` does this properly over many shapes, and
# `bash tools/gpu_check.sh` runs every GPU check and benchmark in one go.

# %%
if HAS_GPU:
    import cupy

    n = 512 if FAST else 2048
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    want = a.astype(np.float64) @ b.astype(np.float64)
    da, db = cupy.asarray(a), cupy.asarray(b)
    timings = {}
    for stage in ("naive", "smem", "regtile2d", "cublas"):
        def run(stage=stage):
            return cupy.matmul(da, db) if stage == "cublas" else cuda.sgemm(da, db, stage=stage)
        out = run()
        error = np.abs(cupy.asnumpy(out) - want).max() / np.abs(want).max()
        assert error < 1e-5, (stage, error)
        start, end = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        for _ in range(10):
            run()
        end.record()
        end.synchronize()
        timings[stage] = cupy.cuda.get_elapsed_time(start, end) / 10
        print(f"{stage:10s} {2 * n**3 / timings[stage] / 1e9:8.2f} TFLOP/s   max relative error {error:.1e}")
    assert timings["regtile2d"] < timings["naive"]
else:
    print("No CUDA GPU here: the kernels were compiled above but cannot run. Skipped.")

# %% [markdown]
# ## 7. Measured GPU numbers (committed results only)
#
# Numbers from a real GPU belong in `benchmarks/results/`, with the machine named, written by
# `tools/gpu_check.sh` (`gpu_check_<gpu>.json` and `.md`). This cell reads them from the repository
# if this checkout has them. **At the time of writing none exist: minigan's kernels have not yet run
# on a GPU**, so this lesson quotes no measured GPU speed — only the datasheet roofline above.

# %%
results = Path(mg.__file__).resolve().parent.parent / "benchmarks" / "results"
found = sorted(results.glob("gpu_check_*.json")) if results.is_dir() else []
for path in found:
    import json

    summary = json.loads(path.read_text())
    print(f"MEASURED on {summary['machine'].get('gpu')} ({summary['started_utc']}): {summary['verdict']}")
    for row in summary.get("cuda_sgemm", {}).get("rows", []):
        if row.get("group") == "square" and "pct_cublas_kernel" in row:
            tflops = 2 * row["M"] * row["N"] * row["K"] / row["kernel"]["ms"] / 1e9
            print(f"  {row['shape']:8s} {row['method']:18s} {tflops:6.1f} TFLOP/s, "
                  f"{row['pct_cublas_kernel']:.0f}% of cuBLAS")
if not found:
    print("No GPU results are committed yet (benchmarks/results/gpu_check_*.json): nothing measured to show.")

# %% [markdown]
# ## Try this
#
# - Add the other DCGAN layers to `shapes` in section 2 (`conv_gemm` takes batch, channels in/out,
#   kernel, stride, padding and size). Which are memory-bound on an H200? Which would be on a GPU
#   with half the bandwidth?
# - In section 3, what intensity would a 256×128 tile reach? What would it cost in registers per thread
#   with TM = TN = 16?
# - Compile for `sm_80` instead of `sm_90` in section 4: does the register count change?
#
# ## Exercises
#
# 1. In `gemm_smem` the shared tiles are declared 33 wide, not 32. Read the comment above the kernel
#    in `gemm.cu`: what goes wrong with 32? *Hint: 32 banks of 4 bytes; where does column c of row r
#    land?*
# 2. `geometry.choose_split_k` splits the K loop of long, thin products over several blocks. Which
#    products of a DCGAN step are long and thin? *Hint: the weight gradient of a convolution,
#    dW = dY · colsᵀ, sums over every output position of the batch.*
# 3. Write col2im with `np.add.at` (the scatter form) and check it against `col2im_numpy` on the
#    case of section 5. *Hint: `np.add.at(padded, (n, c, rows, cols), values)`, then crop the padding.*
