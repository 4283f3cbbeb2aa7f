"""Launch every CUDA kernel instance of minigan.cuda once on a small problem and check the result.

The driver for tools/cuda_sanitize.sh (compute-sanitizer memcheck / racecheck / initcheck /
synccheck), also useful alone as a smoke test on a new GPU:

    PYTHONPATH=. python tools/cuda_sanitize_run.py
    PYTHONPATH=. python tools/cuda_sanitize_run.py --fail-fast   # stop at the first wrong result

CuPy's memory pool is switched off, so every array is its own cudaMalloc and memcheck sees an
access one element past an array's end (inside a pool chunk it would go unnoticed). Problems are
small and awkward (odd sizes, edges of every tile, float4 and scalar paths, split-K, 64-bit index
instances). Exit status 0 when every instance was launched and every result matches a float64
NumPy reference; 1 otherwise; 2 when there is no CuPy or no CUDA device (nothing was run).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class FirstFailure(Exception):
    """Raised by check() under --fail-fast."""


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="launch every minigan.cuda kernel instance once and check it")
    parser.add_argument("--fail-fast", action="store_true", help="stop at the first wrong result")
    args = parser.parse_args(argv)
    from minigan.backend import cuda_available

    if not cuda_available():
        print("cuda_sanitize_run.py needs CuPy and a CUDA GPU: none found, nothing was run")
        return 2
    import numpy as np

    import cupy
    from minigan import cuda
    from minigan.cuda import geometry
    from minigan.cuda.kernels_index import MODULE_GROUPS, TILE_CONFIGS
    from minigan.cuda.launch import CupyExecutor, use_executor
    from minigan.cuda.reference import col2im_numpy, gemm_reference, im2col_numpy

    cupy.cuda.set_allocator(None)  # no pool: one allocation per array, exact bounds for memcheck

    class Recorder(CupyExecutor):
        def __init__(self):
            super().__init__()
            self.launched = set()

        def launch(self, name, grid, block, args):
            self.launched.add(name)
            super().launch(name, grid, block, args)

    rng = np.random.default_rng(0)
    failures = []

    def check(what, got, want, rtol):
        got = cupy.asnumpy(got).astype(np.float64)
        err = float(np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-300)) if not np.isnan(got).any() else np.nan
        if not err < rtol:
            failures.append(f"{what}: relative error {err}")
            if args.fail_fast:
                raise FirstFailure(failures[-1])

    recorder = Recorder()
    try:
        with use_executor(recorder):
            for dtype, rtol in ((np.float32, 1e-5), (np.float64, 1e-12)):
                stages = ("naive", "smem", "regtile2d") if dtype == np.float32 else ("naive", "smem")
                for stage in stages:
                    configs = TILE_CONFIGS if stage == "regtile2d" else (None,)
                    for config in configs:
                        for ta in (False, True):
                            for tb in (False, True):
                                # odd sizes: scalar path; multiples of 4: float4 path (regtile2d)
                                for M, N, K in ((37, 19, 21), (132, 68, 40)):
                                    a = rng.standard_normal((K, M) if ta else (M, K)).astype(dtype)
                                    b = rng.standard_normal((N, K) if tb else (K, N)).astype(dtype)
                                    c = cupy.full((M, N), np.nan, dtype)
                                    cuda.sgemm(cupy.array(a), cupy.array(b), ta, tb, c=c, stage=stage, config=config)
                                    check(f"sgemm {stage}[{config}] {dtype.__name__} ta={ta} tb={tb} {M}x{N}x{K}",
                                          c, gemm_reference(a, b, ta, tb), rtol)
            # split-K: a long, thin product, with beta
            a, b, c0 = (rng.standard_normal(s).astype(np.float32) for s in ((9, 3000), (3000, 7), (9, 7)))
            c = cupy.array(c0)
            cuda.sgemm(cupy.array(a), cupy.array(b), alpha=0.5, beta=2.0, c=c)
            check("sgemm split-K", c, gemm_reference(a, b, alpha=0.5, beta=2.0, c=c0), 1e-5)
            # batched matmul with broadcasting
            a, b = rng.standard_normal((2, 1, 7, 5)).astype(np.float32), rng.standard_normal((3, 5, 6)).astype(np.float32)
            check("matmul broadcast", cuda.matmul(cupy.array(a), cupy.array(b)), np.matmul(a.astype(np.float64), b), 1e-5)
            # im2col / col2im, 32- and 64-bit index instances
            index_type = geometry.index_type
            for index in ("int", "long long"):
                geometry.index_type = (lambda total, threads, _i=index: _i)
                try:
                    for dtype, rtol in ((np.float32, 1e-6), (np.float64, 1e-12)):
                        x = rng.standard_normal((2, 3, 9, 7)).astype(dtype)
                        geo = ((3, 2), (2, 1), (1, 2), (2, 1))
                        cols = cuda.im2col(cupy.array(x), *geo)
                        check(f"im2col {dtype.__name__} {index}", cols, im2col_numpy(x.astype(np.float64), *geo), rtol)
                        y = rng.standard_normal(cols.shape).astype(dtype)
                        back = cuda.col2im(cupy.array(y), x.shape, *geo)
                        check(f"col2im {dtype.__name__} {index}", back, col2im_numpy(y.astype(np.float64), x.shape, *geo), rtol)
                finally:
                    geometry.index_type = index_type
    except FirstFailure as first:
        print("FAIL", first, "(--fail-fast: stopped at the first wrong result)")
        return 1
    cupy.cuda.runtime.deviceSynchronize()

    everything = {n for _, names in MODULE_GROUPS.values() for n in names}
    missing = sorted(everything - recorder.launched)
    if missing:
        failures.append(f"instances never launched: {missing}")
    for line in failures:
        print("FAIL", line)
    if failures:
        return 1
    print(f"OK: all kernel instances launched ({len(everything)}), every result matches float64 NumPy")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
