"""The cost per op of minigan's engine, A/B: the cases issue 29 names (run.py's 100-op chain, the
MLP-GAN, CycleGAN and style-based GAN training steps, the lessons' small layers), each with the fast paths on,
off (the reference code, mg.fast_paths(False)) and in PyTorch, in one process; and with --base, this
checkout's code against another checkout's, in alternating processes. One thread for every
library, CPU time (time.process_time), so that it can run on a shared machine.

    python benchmarks/ab_engine.py                          # every case, this checkout
    python benchmarks/ab_engine.py --cases chain mlp        # some of them
    git archive main minigan benchmarks | tar -x -C /tmp/main_copy
    python benchmarks/ab_engine.py --base /tmp/main_copy    # and: this checkout against that one

Each case is timed in blocks (the variants rotated from block to block: fast, reference, torch);
prints the median of each variant and the median of the per-block ratios. --base runs each case's
fast variant in a process of its own, alternating the two checkouts. Writes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = ("chain", "mlp", "cyclegan", "style", "layers")
LAYER_ROWS = (("PReLU()", (16, 16, 7, 7)), ("PixelNorm()", (32, 8, 28, 28)), ("PixelNorm()", (32, 64)),
              ("NoiseInjection(8)", (32, 8, 28, 28)), ("ReflectionPad2d(3)", (8, 16, 28, 28)))


def steps_of(case: str, torch) -> dict:
    """{name: (step, number of steps a block, unit)}: one entry per timed thing of the case, each
    step a dict {"minigan": ..., "torch": ...}."""
    import numpy as np

    import minigan as mg
    import run

    if case == "chain":  # run.py's engine case: per op
        xs = {"minigan": mg.randn(8, 8, requires_grad=True), "torch": torch.randn(8, 8, requires_grad=True)}
        return {"chain (per op)": ({k: (lambda x=x: run.chain(x).backward()) for k, x in xs.items()}, 100,
                                   run.ENGINE_OPS)}
    if case == "mlp":  # run.py's gan_step_case(torch, "mlp", "ring", ...)
        import torch_twins as twins
        from minigan.gan.recipes import build, default_config

        config = default_config("mlp", "ring")
        built = build(config)
        real = built.dataset.points[:config.batch_size]
        z = np.random.default_rng(0).standard_normal((config.batch_size, config.latent_dim)).astype(np.float32)
        hidden = (config.width, config.width)
        tG, tD = twins.mlp_generator(config.latent_dim, 2, hidden), twins.mlp_discriminator(2, hidden)
        twins.copy_weights(built.G, tG)
        twins.copy_weights(built.D, tD)
        return {"MLP-GAN step": ({"minigan": run.minigan_step(built, config, mg.tensor(real), mg.tensor(z)),
                                  "torch": run.torch_step(torch, tG, tD, config, real, z)}, 50, 1)}
    if case in ("cyclegan", "style"):  # model_steps (run.py --cases cyclegan style)
        import model_steps

        steps = model_steps.cyclegan_steps if case == "cyclegan" else model_steps.style_steps
        return {f"{'CycleGAN' if case == 'cyclegan' else 'style-based GAN'} step":
                (steps(torch).steps, 3, 1)}
    kits = run.layer_kits(torch)
    rows = {}
    for row in run.LAYERS:
        if (row.layer, row.shape) in LAYER_ROWS and row.where:
            x = np.random.default_rng(0).standard_normal(row.shape).astype(np.float32)
            step = {}
            for library, kit in kits.items():
                layer, t = row.make(kit), kit.tensor(x, requires_grad=True)
                step[library] = lambda layer=layer, t=t: layer(t).sum().backward()  # as run.py's layers case
            rows[f"{row.layer} {row.shape}"] = (step, 50, 1)
    return rows


def with_fast_paths(step, flag: bool):
    import minigan as mg

    def run():
        with mg.fast_paths(flag):
            step()
    return run


def time_blocks(variants: dict, blocks: int, number: int) -> dict:
    """{variant: [CPU seconds per call, one per block]}, the order of the variants rotated."""
    times, order = {name: [] for name in variants}, list(variants)
    for _ in range(blocks):
        for name in order:
            variants[name]()  # warm
            start = time.process_time()
            for _ in range(number):
                variants[name]()
            times[name].append((time.process_time() - start) / number)
        order = order[1:] + order[:1]
    return times


def setup(threads: int = 1):
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    import torch
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    torch.set_num_threads(threads)
    return torch


def in_process(cases, blocks: int) -> None:
    torch = setup()
    for case in cases:
        for name, (step, number, per) in steps_of(case, torch).items():
            times = time_blocks({"fast": with_fast_paths(step["minigan"], True),
                                 "reference": with_fast_paths(step["minigan"], False),
                                 "torch": step["torch"]}, blocks, number)
            unit, scale = ("us", 1e6) if per > 1 or case in ("layers",) else ("ms", 1e3)
            ms = {k: statistics.median(v) / per * scale for k, v in times.items()}

            def ratio(a, b):
                return statistics.median(p / q for p, q in zip(times[a], times[b]))

            print(f"{name}: fast {ms['fast']:.4g} {unit}, reference {ms['reference']:.4g} {unit}, "
                  f"PyTorch {ms['torch']:.4g} {unit}; fast/reference {ratio('fast', 'reference'):.3f}, "
                  f"fast/PyTorch {ratio('fast', 'torch'):.3f} ({blocks} blocks x {number})", flush=True)


def worker(case: str, blocks: int) -> None:
    """One process: the fast variant of every entry of `case`, as JSON {name: seconds per call}."""
    torch = setup()
    out = {}
    for name, (step, number, per) in steps_of(case, torch).items():
        out[name] = statistics.median(time_blocks({"fast": step["minigan"]}, blocks, number)["fast"]) / per
    print(json.dumps(out))


def against_base(cases, base: Path, rounds: int) -> None:
    roots = {"this": HERE.parent, "base": base.resolve()}
    for case in cases:
        results, order = {k: [] for k in roots}, list(roots)
        for _ in range(rounds):
            for key in order:
                env = {**os.environ, "PYTHONPATH": str(roots[key]), "OPENBLAS_NUM_THREADS": "1"}
                line = subprocess.run([sys.executable, str(roots["this"] / "benchmarks" / "ab_engine.py"),
                                       "--worker", case, "--root", str(roots[key])], env=env, check=True,
                                      capture_output=True, text=True).stdout.strip().splitlines()[-1]
                results[key].append(json.loads(line))
            order.reverse()
        for name in results["this"][0]:
            this = [r[name] for r in results["this"]]
            other = [r[name] for r in results["base"]]
            print(f"{name}: this {statistics.median(this) * 1e6:.1f} us, base {statistics.median(other) * 1e6:.1f} us; "
                  f"this/base {statistics.median(a / b for a, b in zip(this, other)):.3f} ({rounds} rounds)", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--base", type=Path, help="another checkout (its minigan/ and benchmarks/)")
    parser.add_argument("--rounds", type=int, default=4, help="--base: processes per checkout and case")
    parser.add_argument("--worker", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        global HERE
        HERE = args.root.resolve() / "benchmarks"  # that checkout's run.py and minigan
        worker(args.worker, 3)
        return
    print(f"load average {os.getloadavg()[0]:.1f}; one thread, CPU time")
    if args.base:
        against_base(args.cases, args.base, args.rounds)
    else:
        in_process(args.cases, args.blocks)


if __name__ == "__main__":
    main()
