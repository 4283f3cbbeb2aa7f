"""Each SGEMM stage of minigan.cuda against cuBLAS (cupy.matmul), pure FP32 (CUPY_TF32=0).

    PYTHONPATH=. python benchmarks/cuda_sgemm.py            # everything (a few minutes on an H100)
    PYTHONPATH=. python benchmarks/cuda_sgemm.py --quick    # 1024 and 4096, the DCGAN shapes, regtile2d only

Shapes: squares 256 ... 4096, and the GEMMs of the DCGAN layers (benchmarks/dcgan_shapes.py):
forward (weight @ columns) and both backward products (dA = dC @ B^T, dB = A^T @ dC, with the
transpose flags the backward passes use). Two timings per method:
  call    the whole Python call (argument checks, allocation-free: the output is preallocated),
          what minigan's autograd sees; small shapes are launch-bound here (see enqueue_ms);
  kernel  the recorded kernel launches (and cuBLAS) replayed from a CUDA graph: the GPU time of the
          kernels themselves, the number the targets are about (>= 75% of cuBLAS at 4096^3 on an
          H100, >= 60% at the DCGAN shapes).
Inputs are fresh standard-normal draws, rotated among several copies when they fit in L2; every
result is checked against cuBLAS (max relative error, in the table). Writes
benchmarks/results/cuda_sgemm_<gpu>.json and .md after every shape, so a run cut short keeps what
it measured.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ["CUPY_TF32"] = "0"  # before CuPy is imported: cuBLAS in full FP32, like our kernels

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from dcgan_shapes import BATCH, CONV_LAYERS_64, GEMM_SHAPES_28  # noqa: E402
from gpu_timing import gpu_info, gpu_missing, machine_lines, slug, time_gpu, write_results  # noqa: E402


def conv_gemm_shapes(layers, batch=BATCH) -> list:
    """(name, M, N, K) of the forward GEMM of each conv layer, in the im2col layout."""
    shapes = []
    for name, kind, cin, cout, k, s, p, hw in layers:
        if kind == "conv2d":
            out = (hw + 2 * p - k) // s + 1
            shapes.append((f"{name} fwd", cout, batch * out * out, cin * k * k))
        else:  # conv_transpose2d: weight^T (cout*k*k, cin) @ x (cin, batch*hw*hw), then col2im
            shapes.append((f"{name} fwd", cout * k * k, batch * hw * hw, cin))
    return shapes


def problems(quick: bool, squares=None) -> list:
    """(group, name, M, N, K, trans_a, trans_b)."""
    out = []
    for n in squares or ((1024, 4096) if quick else (256, 512, 1024, 2048, 4096)):
        out.append(("square", f"{n}^3", n, n, n, False, False))
    forward = [(f"28: {name}", M, N, K) for name, M, N, K in GEMM_SHAPES_28]
    forward += [(f"64: {name}", M, N, K) for name, M, N, K in conv_gemm_shapes(CONV_LAYERS_64)]
    if quick:
        forward = forward[:len(GEMM_SHAPES_28)]
    for name, M, N, K in forward:
        out.append(("dcgan", name, M, N, K, False, False))
        # backward of C = A @ B: dA = dC @ B^T -> (M, K) from (M, N) x (K, N)^T; dB = A^T @ dC -> (K, N)
        out.append(("dcgan", name.replace(" fwd", "") + " dA", M, K, N, False, True))
        out.append(("dcgan", name.replace(" fwd", "") + " dB", K, N, M, True, False))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="minigan SGEMM stages vs cuBLAS")
    parser.add_argument("--quick", action="store_true", help="fewer shapes, regtile2d only")
    parser.add_argument("--stages", default=None, help="comma list of naive,smem,regtile2d")
    parser.add_argument("--out", default=str(HERE / "results"), help="results folder")
    parser.add_argument("--square", default=None, help="comma list of square sizes (default 256..4096)")
    parser.add_argument("--max-flop", type=float, default=float("inf"), help="skip larger problems")
    parser.add_argument("--samples", type=int, default=7, help="timed samples per measurement (median)")
    parser.add_argument("--max-naive-flop", type=float, default=2 * 2048**3,
                        help="skip the naive stage above this many flops (it is slow)")
    args = parser.parse_args(argv)

    missing = gpu_missing("cuda_sgemm.py")
    if missing:
        print(missing)
        return 2
    import cupy
    import numpy as np

    from minigan import cuda
    from minigan.cuda.launch import CupyExecutor, use_executor

    class Recorder(CupyExecutor):
        """Runs every launch and keeps (kernel, grid, block, args) for replaying without Python checks."""

        def __init__(self):
            super().__init__()
            self.records, self.names = [], []

        def launch(self, name, grid, block, args):
            self.records.append((self.function(name), grid, block, args))
            self.names.append((name, tuple(grid), tuple(block)))
            super().launch(name, grid, block, args)

    stages = (args.stages.split(",") if args.stages else (["regtile2d"] if args.quick else list(cuda.STAGES)))
    methods = [(s, None) for s in stages]
    if "regtile2d" in stages:  # also each tile shape forced, to see whether the size rule picks well
        methods += [("regtile2d", "large"), ("regtile2d", "small")]
    meta = gpu_info()
    meta["CUPY_TF32"] = os.environ["CUPY_TF32"]
    stem = Path(args.out) / f"cuda_sgemm_{slug(meta['gpu'])}"
    rng = np.random.default_rng(0)
    rows = []
    recorder = Recorder()  # one executor for the whole run: each kernel is compiled once
    print(f"{meta['gpu']}  ({meta['multiprocessors']} SMs), CuPy {meta['cupy']}, CUPY_TF32=0")

    squares = [int(v) for v in args.square.split(",")] if args.square else None
    for group, name, M, N, K, ta, tb in problems(args.quick, squares):
        flop = 2.0 * M * N * K
        if flop > args.max_flop:
            continue
        a_shape, b_shape = ((K, M) if ta else (M, K)), ((N, K) if tb else (K, N))
        bytes_per_set = 4 * (M * K + K * N)
        copies = int(min(8, max(1, (2 * (meta["l2_bytes"] or 0)) // max(bytes_per_set, 1))))
        a_sets = [cupy.asarray(rng.standard_normal(a_shape, dtype=np.float32)) for _ in range(copies)]
        b_sets = [cupy.asarray(rng.standard_normal(b_shape, dtype=np.float32)) for _ in range(copies)]
        out = cupy.empty((M, N), np.float32)
        turn = [0]

        def operands():
            turn[0] = (turn[0] + 1) % copies
            return a_sets[turn[0]], b_sets[turn[0]]

        def blas():
            a, b = operands()
            cupy.matmul(a.T if ta else a, b.T if tb else b, out=out)

        reference = cupy.matmul(a_sets[0].T if ta else a_sets[0], b_sets[0].T if tb else b_sets[0])
        ref_norm = float(cupy.linalg.norm(reference))
        base = {"group": group, "shape": name, "M": M, "N": N, "K": K, "trans_a": ta, "trans_b": tb}
        try:
            blas_call = time_gpu(blas, samples=args.samples)
            blas_kernel = time_gpu(blas, graph=True, samples=args.samples)
        except Exception as err:  # noqa: BLE001
            print(f"{name}: cuBLAS failed: {err}")
            continue
        rows.append({**base, "method": "cublas", "call": blas_call, "kernel": blas_kernel, "rel_err": 0.0})
        print(f"{name:28s} {M:6d} {N:6d} {K:6d}  cublas        call {blas_call['ms']:.4f} ms  "
              f"kernel {blas_kernel['ms']:.4f} ms  {flop / blas_kernel['ms'] / 1e9:8.0f} GFLOP/s")

        for stage, config in methods:
            label = stage if config is None else f"{stage}[{config}]"
            if stage == "naive" and flop > args.max_naive_flop:
                continue
            recorder.records.clear()
            recorder.names.clear()
            try:
                with use_executor(recorder):  # one recorded call: checked, and its launches kept
                    out.fill(np.nan)  # poisoned: an unwritten element shows as a NaN error
                    cuda.sgemm(a_sets[0], b_sets[0], ta, tb, c=out, stage=stage, config=config)
                err = float(cupy.linalg.norm(out - reference)) / ref_norm
                launches = list(recorder.records)

                def ours():
                    a, b = operands()
                    cuda.sgemm(a, b, ta, tb, c=out, stage=stage, config=config)

                def replay():
                    for f, g, b, a in launches:
                        f(g, b, a)

                call = time_gpu(ours, samples=args.samples)
                kernel = time_gpu(replay, graph=True, samples=args.samples)
            except Exception as error:  # noqa: BLE001
                print(f"{name}: {label} failed: {error}")
                rows.append({**base, "method": label, "error": str(error)})
                continue
            row = {**base, "method": label, "call": call, "kernel": kernel, "rel_err": err,
                   "kernels": [n for n, *_ in recorder.names],
                   "pct_cublas_kernel": 100 * blas_kernel["ms"] / kernel["ms"],
                   "pct_cublas_call": 100 * blas_call["ms"] / call["ms"]}
            rows.append(row)
            print(f"{'':28s} {'':20s}  {label:18s} call {call['ms']:.4f} ms  kernel {kernel['ms']:.4f} ms  "
                  f"{flop / kernel['ms'] / 1e9:8.0f} GFLOP/s  {row['pct_cublas_kernel']:5.1f}% of cuBLAS  "
                  f"err {err:.1e}")
        write_results(stem, meta, rows, markdown(meta, rows))
    print(f"\nwrote {stem}.json and {stem}.md")
    return 0


def markdown(meta, rows) -> str:
    lines = [f"# minigan SGEMM stages vs cuBLAS on {meta['gpu']}", "", *machine_lines(meta), "",
             "FP32 everywhere (CUPY_TF32=0). `kernel`: kernels replayed from a CUDA graph; `call`: the "
             "whole Python call. % = cuBLAS time / our time (kernel timings). GFLOP/s from kernel time.",
             "", "| shape | M | N | K | tA | tB | method | kernel ms | GFLOP/s | % cuBLAS | call ms | % cuBLAS (call) | rel err |",
             "| --- | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['shape']} | {r['M']} | {r['N']} | {r['K']} | {r['trans_a']:d} | {r['trans_b']:d} | "
                         f"{r['method']} | failed: {r['error'][:80]} | | | | | |")
            continue
        flop = 2.0 * r["M"] * r["N"] * r["K"]
        pk = r.get("pct_cublas_kernel")
        pc = r.get("pct_cublas_call")
        lines.append(
            f"| {r['shape']} | {r['M']} | {r['N']} | {r['K']} | {r['trans_a']:d} | {r['trans_b']:d} | {r['method']} | "
            f"{r['kernel']['ms']:.4f} | {flop / r['kernel']['ms'] / 1e9:.0f} | {'' if pk is None else f'{pk:.0f}%'} | "
            f"{r['call']['ms']:.4f}{' (launch-bound)' if r['call']['launch_bound'] else ''} | "
            f"{'' if pc is None else f'{pc:.0f}%'} | {r['rel_err']:.1e} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
