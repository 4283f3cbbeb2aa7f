"""Write the README's benchmark table from benchmarks/results/bench_latest.json (made by run.py).

    python benchmarks/readme_table.py           # rewrites the lines between the two markers in README.md
    python benchmarks/readme_table.py --print   # only prints the table
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LATEST = ROOT / "benchmarks" / "results" / "bench_latest.json"
START, END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"


def verdict(value: float, op: str, target: float) -> str:
    met = value <= target if op == "<=" else value >= target
    return f"{op} {target:g}x: {'met' if met else '**missed**'}"


def rows(cases: dict) -> list:
    out = []
    step = cases.get("dcgan_step")
    if step:
        out.append(("DCGAN-28 training step (D + G, batch 64)", f"{step['minigan_ms']:.1f} ms",
                    f"PyTorch {step['torch_ms']:.1f} ms", step["ratio_vs_torch"], "<=", 1.5))
    step = cases.get("mlp_step")
    if step:
        out.append(("MLP-GAN step on the ring (batch 256)", f"{step['minigan_ms']:.2f} ms",
                    f"PyTorch {step['torch_ms']:.2f} ms", step["ratio_vs_torch"], "<=", 1.0))
    engine = cases.get("engine_overhead")
    if engine:
        out.append(("engine overhead, 100-op chain, forward + backward", f"{engine['minigan_us']:.1f} µs/op",
                    f"PyTorch {engine['torch_us']:.1f} µs/op", engine["ratio_vs_torch"], "<=", 1.2))
    dz = cases.get("dezero_gan")
    if dz:
        out.append(("DeZero's example GAN architecture (batch 128)", f"{dz['minigan_ms']:.0f} ms",
                    f"PyTorch {dz['torch_ms']:.0f} ms", dz["ratio_vs_torch"], "<=", 1.5))
        if "dezero_ms" in dz:
            out.append(("the same, against DeZero 0.0.13 (speed-up)", f"{dz['minigan_ms']:.0f} ms",
                        f"DeZero {dz['dezero_ms']:.0f} ms", 1 / dz["ratio_vs_dezero"], ">=", 3.0))
    mem = cases.get("peak_memory_200_dcgan_steps")
    if mem:
        out.append((f"peak memory of {mem['steps']} DCGAN steps (growth above models and imports)",
                    f"{mem['minigan_growth_mb']:.0f} MB", f"PyTorch {mem['torch_growth_mb']:.0f} MB",
                    mem["ratio_vs_torch"], "<=", 1.5))
    return out


def table(results: dict) -> str:
    m = results["machine"]
    loaded = max(m["load_average_at_start"][0], m.get("load_average_at_end", [0])[0]) > m["cores"]
    lines = [
        f"Measured {m['date']} by `python benchmarks/run.py{' --quick' if results['quick'] else ''}` on "
        f"{m['cpu']} ({m['cores']} cores), NumPy {m['numpy']}, {m['threads']} thread(s) for every library; "
        f"load average {m['load_average_at_start'][0]:.1f} at the start"
        + (" (a **loaded** machine: the ratios, measured in alternating blocks, are the numbers to read)"
           if loaded else "") + ".",
        "",
        "| measure | minigan | reference | minigan / reference | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for what, mine, theirs, ratio, op, target in rows(results["cases"]):
        lines.append(f"| {what} | {mine} | {theirs} | {ratio:.2f}x | {verdict(ratio, op, target)} |")
    train = results["cases"].get("default_train")
    if train:
        fd = train["metrics"].get("fd")
        lines.append(f"| `python -m minigan train` ({train['steps']} steps), wall time and FD | "
                     f"{train['seconds']:.0f} s, FD {fd:.1f} | — | — | <= 120 s: "
                     f"{'met' if train['seconds'] <= 120 else '**missed**'}; FD <= 60: "
                     f"{'met' if fd <= 60 else '**missed**'} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--print", action="store_true", help="print the table, leave README.md alone")
    args = parser.parse_args()
    text = table(json.loads(LATEST.read_text()))
    if args.print:
        print(text)
        return
    readme = ROOT / "README.md"
    content = readme.read_text()
    if START not in content or END not in content:
        raise SystemExit(f"error: README.md has no {START} ... {END} markers in its Benchmarks section")
    head, rest = content.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(head + START + "\n" + text + END + tail)
    print(text)


if __name__ == "__main__":
    main()
