"""The A/B behind minigan/backend.py's "CPU memory" section: a DCGAN-28 step (minigan's and its
PyTorch twin) with glibc's default malloc settings and with the ones minigan sets at import.

    python benchmarks/page_faults.py                # 3 rounds, 1 and 2 threads
    python benchmarks/page_faults.py --rounds 5 --threads 2

The setting is made when a process starts, so every measurement is a process of its own
(MINIGAN_KEEP_FREED_MEMORY=0 for glibc's defaults); the settings alternate within each round so
that both see the same machine. Prints milliseconds per step (wall and CPU), minor page faults
and kernel time per step, and the medians over rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, resource, sys, time
import numpy as np
sys.path.insert(0, {here!r})
library, threads, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
import minigan as mg  # first, as a program would: it makes the malloc setting (or not)
import run, torch_twins as twins
from minigan.gan.recipes import build, default_config
config = default_config("dcgan", "sample")
rng = np.random.default_rng(0)
real = rng.uniform(-1, 1, (config.batch_size, 1, 28, 28)).astype(np.float32)
z = rng.standard_normal((config.batch_size, config.latent_dim)).astype(np.float32)
if library == "torch":
    import torch
    torch.set_num_threads(threads)
    G, D = twins.dcgan_generator28(config.latent_dim, config.width), twins.dcgan_discriminator28(config.width)
    step = run.torch_step(torch, G, D, config, real, z)
else:
    mg.set_num_threads(threads)
    step = run.minigan_step(build(config), config, mg.tensor(real), mg.tensor(z))
for _ in range(5):
    step()
before, wall, cpu = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter(), time.process_time()
for _ in range(steps):
    step()
after = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"wall_ms": (time.perf_counter() - wall) / steps * 1e3,
                  "cpu_ms": (time.process_time() - cpu) / steps * 1e3,
                  "page_faults": (after.ru_minflt - before.ru_minflt) / steps,
                  "kernel_ms": (after.ru_stime - before.ru_stime) / steps * 1e3}}))
"""


def measure(library: str, threads: int, keep: bool, steps: int) -> dict:
    env = dict(os.environ, MINIGAN_KEEP_FREED_MEMORY="1" if keep else "0")
    out = subprocess.run([sys.executable, "-c", CHILD.format(here=str(HERE)), library, str(threads),
                          str(steps)], env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    for threads in [int(n) for n in args.threads.split(",")]:
        for library in ("minigan", "torch"):
            runs = {"glibc's defaults": [], "minigan's setting": []}
            for _ in range(args.rounds):
                for name in runs:
                    runs[name].append(measure(library, threads, name == "minigan's setting", args.steps))
            for name, samples in runs.items():
                walls = ", ".join(f"{s['wall_ms']:.1f}" for s in samples)
                median = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
                print(f"{library:8s} {threads} thread(s) {name:18s} "
                      f"wall {median['wall_ms']:6.1f} ms  cpu {median['cpu_ms']:6.1f} ms  "
                      f"page faults {median['page_faults']:7.1f}  kernel {median['kernel_ms']:5.1f} ms"
                      f"  (walls: {walls})")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
