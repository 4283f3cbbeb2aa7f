"""Lesson 6: the GPU hot path — matrix multiply and im2col as hand-written CUDA kernels."""

CELLS = [
    ("md", r"""
# Lesson 6 — A matrix multiply, three ways, on the GPU

Almost all of a GAN's arithmetic is matrix products: `Linear` layers directly, convolutions through
**im2col** (lesson 4). On a CUDA GPU minigan runs them on its own kernels, in `minigan/cuda/kernels/`,
written in stages that each fix one bottleneck of the one before:

| stage | idea | why it is faster |
| --- | --- | --- |
| `naive` | one thread per element of C | — (every thread reads 2K values from global memory) |
| `smem` | 32x32 tiles of A and B staged in shared memory | each value is read from global memory once per block, not once per thread |
| `regtile2d` | each thread computes an 8x8 block of C in registers, float4 loads, double buffering | more arithmetic per value loaded: 16 shared loads feed 64 multiply-adds |

This notebook runs anywhere: without a GPU it reads the kernels and compiles them with NVRTC (the
compiler CuPy uses) to see their register use; with a GPU it also runs and times them.
"""),
    ("code", r"""
import re
import time
from pathlib import Path

import numpy as np
import minigan as mg
from minigan import cuda
from minigan.cuda import geometry

source = (Path(cuda.__file__).parent / "kernels" / "gemm.cu").read_text()
print("GPU available:", mg.cuda_available())
"""),
    ("md", r"""
## 1. The naive kernel

Thread `(x, y)` of block `(bx, by)` owns element `C[m][n]` with `m = by*16 + y`, `n = bx*16 + x`.
Neighbouring threads of a warp differ in `x`, so they read neighbouring elements of a row of B and
write neighbouring elements of C: the accesses are **coalesced** into few memory transactions.
"""),
    ("code", r"""
start = source.index("template <typename T, bool TRANS_A, bool TRANS_B>\n__global__ void gemm_naive")
print(source[start:source.index("}\n", start) + 2])
"""),
    ("md", r"""
How many blocks? One 16x16 block per 16x16 tile of C, rounded up — the edge blocks have threads
that fall outside C and return at once (the `if (m >= M || n >= N) return;`). The launch geometry is
plain Python, unit-tested without a GPU:
"""),
    ("code", r"""
M, N = 1000, 33
grid = (geometry.ceil_div(N, 16), geometry.ceil_div(M, 16), 1)
print("grid:", grid, "=", grid[0] * grid[1], "blocks of 256 threads for", M * N, "elements of C")
"""),
    ("md", r"""
## 2. What the compiler makes of each stage

NVRTC compiles CUDA C++ at run time. Compiling for a real architecture (`-arch=sm_90`, the H100)
runs the assembler, which reports each kernel's **registers** per thread, **shared memory** per
block, and **spills** (registers that did not fit and went to slow local memory — we want 0).
"""),
    ("code", r"""
from minigan.cuda import compile_check

if compile_check.nvrtc_available():
    for stage in ("naive", "smem", "regtile2d"):
        for r in compile_check.compile_group(stage, "sm_90"):
            if r.name.startswith(("gemm_naive<float, false, false>", "gemm_smem<float, false, false>",
                                  "sgemm_regtile2d<128, 128, 8, 8, 8, false, false, true>")):
                print(f"{r.name:58s} {r.registers:4d} registers  {r.shared_bytes:6d} B shared  "
                      f"{r.spill_stores + r.spill_loads} B spilled")
else:
    print("NVRTC is not installed here: pip install -e '.[cuda-check]' to compile the kernels")
"""),
    ("md", r"""
The register-tiled kernel uses about 128 registers per thread — four times the naive one — to hold
its 8x8 block of C and the slices of A and B it multiplies. That is the trade: registers are the
fastest memory there is.

## 3. Running them (GPU only)

Each stage against NumPy in float64 (relative error below 1e-5), then timed against cuBLAS
(`cupy.matmul`) at 1024³. `benchmarks/cuda_sgemm.py` does this properly, over many sizes.
"""),
    ("code", r"""
if mg.cuda_available():
    import cupy

    rng = np.random.default_rng(0)
    a = rng.standard_normal((1024, 1024)).astype(np.float32)
    b = rng.standard_normal((1024, 1024)).astype(np.float32)
    want = a.astype(np.float64) @ b.astype(np.float64)
    da, db = cupy.asarray(a), cupy.asarray(b)
    for stage in ("naive", "smem", "regtile2d", "cublas"):
        run = (lambda: cupy.matmul(da, db)) if stage == "cublas" else (lambda: cuda.sgemm(da, db, stage=stage))
        out = run(); cupy.cuda.Device().synchronize()
        start = time.perf_counter()
        for _ in range(10):
            run()
        cupy.cuda.Device().synchronize()
        seconds = (time.perf_counter() - start) / 10
        error = np.abs(cupy.asnumpy(out) - want).max() / np.abs(want).max()
        print(f"{stage:10s} {2 * 1024**3 / seconds / 1e9:8.0f} GFLOP/s   max relative error {error:.1e}")
else:
    print("No CUDA GPU here: the kernels were compiled above but cannot run.")
"""),
    ("md", r"""
## 4. Using them

Nothing to change in your code: on the CuPy backend, `x @ w`, `F.linear` and every convolution run
on these kernels. `minigan.cuda.use_cublas(True)` (or `MINIGAN_USE_CUBLAS=1`) sends them to cuBLAS
instead, to compare.

```python
mg.set_backend("cupy")
G = gan.DCGANGenerator28().to("cupy")
```

## Exercises

1. In `gemm_smem`, the shared tiles are declared 33 wide, not 32. Read the comment above the kernel:
   what goes wrong with 32?
2. `geometry.choose_split_k` splits the K loop of long thin products over several blocks. Which
   products of a DCGAN step are long and thin? (Hint: the weight gradient of a convolution.)
3. Compile for `sm_80` instead of `sm_90` in section 2: does the register count change?
"""),
]
