"""DCGAN convolutions, forward and forward+backward: minigan on CuPy against cuDNN (PyTorch).

    PYTHONPATH=. python benchmarks/cuda_conv.py
    PYTHONPATH=. python benchmarks/cuda_conv.py --layers 28     # only the 28x28 models' layers

Every layer of CONV_LAYERS_28 and CONV_LAYERS_64 (benchmarks/dcgan_shapes.py), batch 64, FP32:
  kernels   minigan.cuda's im2col / sgemm / col2im composed the way minigan's conv ops compute a
            convolution (conv2d: W @ im2col(x); backward dW = dY @ cols^T, dX = col2im(W^T @ dY);
            conv_transpose2d: col2im(W^T @ x); backward dX = W @ im2col(dY), dW = x @ im2col(dY)^T)
  ops       minigan.functional.conv2d / conv_transpose2d on CuPy tensors with autograd, when those
            ops exist (they arrive with the conv helper's branch)
  cudnn     torch.nn.functional on CUDA with TF32 off and cudnn.benchmark on, when PyTorch with CUDA
            is installed
Target: minigan within 2x of cuDNN. Each result is checked against a float64 NumPy computation.
Writes benchmarks/results/cuda_conv_<gpu>.json and .md after every layer.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ["CUPY_TF32"] = "0"

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from dcgan_shapes import BATCH, CONV_LAYERS_28, CONV_LAYERS_64  # noqa: E402
from gpu_timing import gpu_info, gpu_missing, machine_lines, slug, time_gpu, write_results  # noqa: E402


# ----------------------------------------------------------------------------- the convolutions on minigan.cuda


def conv2d_forward(cuda, xp, x, w, stride, padding):
    """y = W (O, C*k*k) @ im2col(x) (C*k*k, N*OH*OW), as (N, O, OH, OW). Returns (y, cols)."""
    n, _, h, _ = x.shape
    o, _, k, _ = w.shape
    out = (h + 2 * padding - k) // stride + 1
    cols = cuda.im2col(x, k, stride, padding, 1)
    y = cuda.sgemm(w.reshape(o, -1), cols)
    return xp.ascontiguousarray(y.reshape(o, n, out, out).transpose(1, 0, 2, 3)), cols


def conv2d_backward(cuda, xp, gy, x_shape, w, cols, stride, padding):
    """(dx, dw) from gy (N, O, OH, OW)."""
    o, _, k, _ = w.shape
    g = xp.ascontiguousarray(gy.transpose(1, 0, 2, 3)).reshape(o, -1)
    dw = cuda.sgemm(g, cols, trans_b=True).reshape(w.shape)
    dx = cuda.col2im(cuda.sgemm(w.reshape(o, -1), g, trans_a=True), x_shape, k, stride, padding, 1)
    return dx, dw


def conv_transpose2d_forward(cuda, xp, x, w, stride, padding):
    """y = col2im(W^T (Cout*k*k, Cin) @ x (Cin, N*H*W)), W: (Cin, Cout, k, k). Returns (y, x_mat)."""
    n, cin, h, _ = x.shape
    _, cout, k, _ = w.shape
    out = (h - 1) * stride - 2 * padding + k
    x_mat = xp.ascontiguousarray(x.transpose(1, 0, 2, 3)).reshape(cin, -1)
    cols = cuda.sgemm(w.reshape(cin, -1), x_mat, trans_a=True)
    return cuda.col2im(cols, (n, cout, out, out), k, stride, padding, 1), x_mat


def conv_transpose2d_backward(cuda, xp, gy, x_shape, w, x_mat, stride, padding):
    n, cin, h, wd = x_shape
    k = w.shape[2]
    gcols = cuda.im2col(gy, k, stride, padding, 1)  # (Cout*k*k, N*H*W)
    dx = xp.ascontiguousarray(cuda.sgemm(w.reshape(cin, -1), gcols).reshape(cin, n, h, wd).transpose(1, 0, 2, 3))
    dw = cuda.sgemm(x_mat, gcols, trans_b=True).reshape(w.shape)
    return dx, dw


def reference(kind, x, w, gy, stride, padding):
    """(y, dx, dw) in float64 NumPy with the reference im2col / col2im."""
    import numpy as np

    from minigan.cuda.reference import col2im_numpy, im2col_numpy

    x, w, gy = (np.asarray(a, np.float64) for a in (x, w, gy))
    k = w.shape[2]
    geo = ((k, k), (stride, stride), (padding, padding), (1, 1))
    if kind == "conv2d":
        o = w.shape[0]
        cols = im2col_numpy(x, *geo)
        y = (w.reshape(o, -1) @ cols).reshape(o, x.shape[0], *gy.shape[2:]).transpose(1, 0, 2, 3)
        g = gy.transpose(1, 0, 2, 3).reshape(o, -1)
        return y, col2im_numpy(w.reshape(o, -1).T @ g, x.shape, *geo), (g @ cols.T).reshape(w.shape)
    cin = w.shape[0]
    x_mat = x.transpose(1, 0, 2, 3).reshape(cin, -1)
    y = col2im_numpy(w.reshape(cin, -1).T @ x_mat, gy.shape, *geo)
    gcols = im2col_numpy(gy, *geo)
    dx = (w.reshape(cin, -1) @ gcols).reshape(cin, x.shape[0], *x.shape[2:]).transpose(1, 0, 2, 3)
    return y, dx, (x_mat @ gcols.T).reshape(w.shape)


def rel_err(got, want) -> float:
    import numpy as np

    got = np.asarray(got, np.float64)
    return float("nan") if np.isnan(got).any() else float(np.linalg.norm(got - want) / np.linalg.norm(want))


# ----------------------------------------------------------------------------- main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="minigan conv vs cuDNN")
    parser.add_argument("--layers", choices=("28", "64", "all"), default="all")
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--samples", type=int, default=7)
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    missing = gpu_missing("cuda_conv.py")
    if missing:
        print(missing)
        return 2
    import cupy
    import numpy as np

    import minigan as mg
    from minigan import cuda

    try:
        import torch
        has_torch = torch.cuda.is_available()
    except ImportError:
        has_torch = False
    if has_torch:
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.benchmark = True
    has_ops = all(hasattr(mg.functional, f) for f in ("conv2d", "conv_transpose2d"))

    layers = ([("28", *layer) for layer in CONV_LAYERS_28] if args.layers in ("28", "all") else [])
    layers += ([("64", *layer) for layer in CONV_LAYERS_64] if args.layers in ("64", "all") else [])
    meta = gpu_info()
    meta.update(CUPY_TF32="0", torch_cuda=has_torch, minigan_conv_ops=has_ops, batch=args.batch)
    stem = Path(args.out) / f"cuda_conv_{slug(meta['gpu'])}"
    rng = np.random.default_rng(0)
    rows = []
    print(f"{meta['gpu']}: cuDNN {'yes' if has_torch else 'no (PyTorch with CUDA not installed)'}, "
          f"minigan conv ops {'yes' if has_ops else 'not merged yet'}")

    for model, name, kind, cin, cout, k, s, p, hw in layers:
        n = args.batch
        out = (hw + 2 * p - k) // s + 1 if kind == "conv2d" else (hw - 1) * s - 2 * p + k
        x_np = rng.standard_normal((n, cin, hw, hw)).astype(np.float32)
        w_np = (0.02 * rng.standard_normal((cout, cin, k, k) if kind == "conv2d" else (cin, cout, k, k))).astype(np.float32)
        gy_np = rng.standard_normal((n, cout, out, out)).astype(np.float32)
        x, w, gy = cupy.asarray(x_np), cupy.asarray(w_np), cupy.asarray(gy_np)
        forward = conv2d_forward if kind == "conv2d" else conv_transpose2d_forward
        backward = conv2d_backward if kind == "conv2d" else conv_transpose2d_backward
        row = {"model": model, "layer": name, "kind": kind, "in": [n, cin, hw, hw], "out": [n, cout, out, out],
               "kernel": k, "stride": s, "padding": p}
        try:
            def ours_fwd():
                return forward(cuda, cupy, x, w, s, p)[0]

            def ours_both():
                y, saved = forward(cuda, cupy, x, w, s, p)
                return y, *backward(cuda, cupy, gy, x.shape, w, saved, s, p)

            want = reference(kind, x_np, w_np, gy_np, s, p)
            got = ours_both()
            row["kernels_rel_err"] = [rel_err(cupy.asnumpy(g), r) for g, r in zip(got, want)]
            row["kernels_fwd"] = time_gpu(ours_fwd, samples=args.samples)
            row["kernels_fwd_bwd"] = time_gpu(ours_both, samples=args.samples)
        except Exception as err:  # noqa: BLE001
            row["kernels_error"] = str(err)
        if has_ops:
            try:
                fn = getattr(mg.functional, kind)
                xt = mg.tensor(x).detach().requires_grad_()
                wt = mg.tensor(w).detach().requires_grad_()
                gyt = mg.tensor(gy)

                def ops_fwd():
                    with mg.no_grad():
                        return fn(xt, wt, stride=s, padding=p)

                def ops_both():
                    y = fn(xt, wt, stride=s, padding=p)
                    return y, *mg.grad([y], [xt, wt], grad_outputs=[gyt])

                got = ops_both()
                row["ops_rel_err"] = [rel_err(t.detach().numpy(), r) for t, r in zip(got, want)]
                row["ops_fwd"] = time_gpu(ops_fwd, samples=args.samples)
                row["ops_fwd_bwd"] = time_gpu(ops_both, samples=args.samples)
            except Exception as err:  # noqa: BLE001
                row["ops_error"] = str(err)
        if has_torch:
            try:
                F = torch.nn.functional
                fn = F.conv2d if kind == "conv2d" else F.conv_transpose2d
                xt = torch.from_numpy(x_np).cuda().requires_grad_()
                wt = torch.from_numpy(w_np).cuda().requires_grad_()
                gyt = torch.from_numpy(gy_np).cuda()

                def torch_fwd():
                    with torch.no_grad():
                        return fn(xt, wt, stride=s, padding=p)

                def torch_both():
                    y = fn(xt, wt, stride=s, padding=p)
                    return y, *torch.autograd.grad(y, (xt, wt), gyt)

                got = torch_both()
                row["cudnn_rel_err"] = [rel_err(t.detach().cpu().numpy(), r) for t, r in zip(got, want)]
                row["cudnn_fwd"] = time_gpu(torch_fwd, kind="torch", samples=args.samples)
                row["cudnn_fwd_bwd"] = time_gpu(torch_both, kind="torch", samples=args.samples)
            except Exception as err:  # noqa: BLE001
                row["cudnn_error"] = str(err)
        rows.append(row)
        print(summary_line(row))
        write_results(stem, meta, rows, markdown(meta, rows))
    print(f"\nwrote {stem}.json and {stem}.md")
    return 0


def _ms(row, key):
    return row[key]["ms"] if key in row else None


def _ratio(row, ours, theirs):
    a, b = _ms(row, ours), _ms(row, theirs)
    return None if a is None or b is None else a / b


def _fmt(v, spec=".3f", suffix=""):
    return "" if v is None else f"{v:{spec}}{suffix}"


def summary_line(row) -> str:
    errors = [f"{k}: {row[k][:60]}" for k in ("kernels_error", "ops_error", "cudnn_error") if k in row]
    return (f"{row['model']}: {row['layer']:9s} {row['kind']:16s} kernels fwd {_fmt(_ms(row, 'kernels_fwd'))} ms "
            f"fwd+bwd {_fmt(_ms(row, 'kernels_fwd_bwd'))} ms | ops {_fmt(_ms(row, 'ops_fwd_bwd'))} ms | "
            f"cudnn fwd {_fmt(_ms(row, 'cudnn_fwd'))} fwd+bwd {_fmt(_ms(row, 'cudnn_fwd_bwd'))} ms | "
            f"kernels/cudnn {_fmt(_ratio(row, 'kernels_fwd_bwd', 'cudnn_fwd_bwd'), '.2f', 'x')} "
            + " ".join(errors))


def markdown(meta, rows) -> str:
    lines = [f"# minigan convolutions vs cuDNN on {meta['gpu']}", "", *machine_lines(meta), "",
             "Milliseconds per call (median of samples, CUDA events), FP32 (TF32 off). x = our time / cuDNN's "
             "(target <= 2x). `kernels`: im2col/sgemm/col2im composed as in the conv ops; `ops`: minigan's "
             "autograd conv ops on CuPy.", "",
             "| model | layer | kind | input | kernels fwd | kernels fwd+bwd | ops fwd | ops fwd+bwd | cuDNN fwd | "
             "cuDNN fwd+bwd | kernels / cuDNN (fwd+bwd) | ops / cuDNN (fwd+bwd) | max rel err (kernels) |",
             "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        errs = r.get("kernels_rel_err")
        lines.append(
            f"| {r['model']} | {r['layer']} | {r['kind']} | {'x'.join(map(str, r['in']))} | "
            f"{_fmt(_ms(r, 'kernels_fwd'))} | {_fmt(_ms(r, 'kernels_fwd_bwd'))} | {_fmt(_ms(r, 'ops_fwd'))} | "
            f"{_fmt(_ms(r, 'ops_fwd_bwd'))} | {_fmt(_ms(r, 'cudnn_fwd'))} | {_fmt(_ms(r, 'cudnn_fwd_bwd'))} | "
            f"{_fmt(_ratio(r, 'kernels_fwd_bwd', 'cudnn_fwd_bwd'), '.2f', 'x')} | "
            f"{_fmt(_ratio(r, 'ops_fwd_bwd', 'cudnn_fwd_bwd'), '.2f', 'x')} | "
            f"{'' if errs is None else f'{max(errs):.1e}'} |")
        for key in ("kernels_error", "ops_error", "cudnn_error"):
            if key in r:
                lines.append(f"| | {key}: {r[key][:120]} | | | | | | | | | | | |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
