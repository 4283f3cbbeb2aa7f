"""Two minigan trees against each other: alternating processes, each timing training steps of the
default model in CPU time at one thread; prints the medians and the median per-block speed-up.

    git archive 7b86921 | tar -x -C /tmp/base
    python benchmarks/ab_versions.py /tmp/base . dcgan 10 6     # trees, model, steps, blocks
"""
import os
import statistics
import subprocess
import sys
SNIPPET = r"""
import json, sys, time
import numpy as np
from threadpoolctl import threadpool_limits
import minigan as mg
from minigan import gan
from minigan.gan.recipes import build, default_config

threadpool_limits(1, user_api="blas")
model, steps = sys.argv[1], int(sys.argv[2])
config = default_config(model, "sample" if model == "dcgan" else "ring")
run = build(config)
rng = np.random.default_rng(0)
if model == "dcgan":
    real = mg.tensor(rng.uniform(-1, 1, (config.batch_size, 1, 28, 28)).astype(np.float32))
else:
    real = mg.tensor(run.dataset.points[:config.batch_size])
z = mg.tensor(rng.standard_normal((config.batch_size, config.latent_dim)).astype(np.float32))
loss = gan.LOSSES[config.loss]


def step():
    gan.d_step(run.G, run.D, run.opt_d, real, z, loss)
    gan.g_step(run.G, run.D, run.opt_g, z, loss)


for _ in range(3):
    step()
start = time.process_time()
for _ in range(steps):
    step()
print(json.dumps((time.process_time() - start) / steps * 1e3))
"""
before, after = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
trees = {"before": before, "after": after}
model, n, blocks = sys.argv[3], sys.argv[4], int(sys.argv[5])
times = {k: [] for k in trees}
for b in range(blocks):
    for name in (list(trees) if b % 2 == 0 else list(trees)[::-1]):
        env = {**os.environ, "PYTHONPATH": trees[name], "OPENBLAS_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        out = subprocess.run([sys.executable, "-c", SNIPPET, model, n], cwd=trees[name], env=env, capture_output=True, text=True, check=True)
        times[name].append(float(out.stdout.strip().splitlines()[-1]))
r = statistics.median(a / b for a, b in zip(times["before"], times["after"]))
print(f"{model}: {before} {statistics.median(times['before']):.1f} ms, {after} {statistics.median(times['after']):.1f} ms "
      f"(CPU time, 1 thread, {blocks} alternating processes), speed-up {r:.2f}x")
