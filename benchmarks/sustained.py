"""A DCGAN-28 step run without pauses for a while, as a training run runs it, under each value of
OPENBLAS_THREAD_TIMEOUT (the A/B behind minigan/backend.py's note on BLAS's idle threads).

    python benchmarks/sustained.py                      # 2 threads, 40 s each: 28 (OpenBLAS's own), 22 (minigan's), 18
    python benchmarks/sustained.py --timeouts 28 18 10 --seconds 60 --threads 2

The short alternating blocks of run.py, with pauses between them, never load the cores for long;
a training run does. Each value runs in a process of its own (OpenBLAS reads the variable when it
loads), after a cool-down; every 40 steps it prints the wall and CPU milliseconds per step, so a
slow-down that sets in after some seconds of full load shows.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

CHILD = r"""
import sys, time, numpy as np
import minigan as mg
from minigan import gan
from minigan.gan.recipes import build, default_config
threads, seconds = int(sys.argv[1]), float(sys.argv[2])
mg.set_num_threads(threads)
config = default_config("dcgan", "sample")
run = build(config)
rng = np.random.default_rng(0)
real = mg.tensor(rng.uniform(-1, 1, (config.batch_size, 1, 28, 28)).astype(np.float32))
z = mg.tensor(rng.standard_normal((config.batch_size, config.latent_dim)).astype(np.float32))
loss = gan.LOSSES[config.loss]
end, chunks = time.perf_counter() + seconds, []
while time.perf_counter() < end:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(40):
        gan.d_step(run.G, run.D, run.opt_d, real, z, loss)
        gan.g_step(run.G, run.D, run.opt_g, z, loss)
    chunks.append(((time.perf_counter() - wall) / 40 * 1e3, (time.process_time() - cpu) / 40 * 1e3))
print(" ".join(f"{w:.1f}/{c:.1f}" for w, c in chunks))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeouts", type=int, nargs="+", default=[28, 22, 18])
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cool-down", type=float, default=30, help="seconds idle before each run")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    for timeout in args.timeouts:
        time.sleep(args.cool_down)
        env = dict(os.environ, OPENBLAS_THREAD_TIMEOUT=str(timeout))
        out = subprocess.run([sys.executable, "-c", CHILD, str(args.threads), str(args.seconds)],
                             env=env, check=True, capture_output=True, text=True).stdout.strip()
        print(f"OPENBLAS_THREAD_TIMEOUT={timeout}: wall/CPU ms per step, 40 steps at a time: {out}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
