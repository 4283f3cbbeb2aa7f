"""Per-op overhead of the autograd engine against PyTorch CPU.

A chain of 100 elementwise ops on a small (8, 8) tensor, forward + backward, so that the time is the
engine's Python bookkeeping (building the graph, walking it), not arithmetic.

    python benchmarks/engine_overhead.py      # writes benchmarks/results/engine_overhead.{json,md}

Target (issue 2): minigan's time per op within 2x of PyTorch's.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import minigan as mg  # noqa: E402
from common import median_seconds, write_results  # noqa: E402

OPS = 100


def chain(x):
    """25 rounds of (* scalar, + scalar, tanh, - scalar) = 100 ops, then a sum."""
    y = x
    for _ in range(OPS // 4):
        y = y * 1.01
        y = y + 0.1
        y = y.tanh()
        y = y - 0.05
    return y.sum()


def per_op_microseconds(make_input, backward: bool) -> float:
    x = make_input()

    def step():
        out = chain(x)
        if backward:
            out.backward()

    return median_seconds(step, repeats=9, warmup=20, number=50) / OPS * 1e6


def main():
    rows = {"minigan": {
        "forward_us_per_op": per_op_microseconds(lambda: mg.randn(8, 8, requires_grad=True), False),
        "forward_backward_us_per_op": per_op_microseconds(lambda: mg.randn(8, 8, requires_grad=True), True),
    }}
    try:
        import torch

        torch.set_num_threads(1)
        rows["torch"] = {
            "forward_us_per_op": per_op_microseconds(lambda: torch.randn(8, 8, requires_grad=True), False),
            "forward_backward_us_per_op": per_op_microseconds(lambda: torch.randn(8, 8, requires_grad=True), True),
        }
    except ImportError:
        print("PyTorch is not installed: minigan's numbers only")
    lines = ["| library | forward (us/op) | forward + backward (us/op) |", "|---|---|---|"]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['forward_us_per_op']:.2f} | {r['forward_backward_us_per_op']:.2f} |")
    payload = {"ops_in_chain": OPS, "tensor_shape": [8, 8], "results": rows}
    if "torch" in rows:
        ratio = {k: rows["minigan"][k] / rows["torch"][k] for k in rows["torch"]}
        payload["ratio_minigan_over_torch"] = ratio
        lines.append(f"| ratio minigan / torch | {ratio['forward_us_per_op']:.2f}x | "
                     f"{ratio['forward_backward_us_per_op']:.2f}x |")
        lines.append("")
        lines.append("Target: within 2x of PyTorch for forward + backward.")
    write_results("engine_overhead", payload, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
