"""A/B of speed (f) in one process: the DCGAN-28 step with minigan's own passes split on 2 threads
vs on 1, BLAS at 1 thread for both (so no BLAS thread spins), alternating blocks, both clocks."""
import sys, time, statistics, os
sys.argv = [sys.argv[0]] + sys.argv[1:]
sys.path.insert(0, __import__("os").path.dirname(__file__))
import run
import minigan as mg
from minigan import backend
import numpy as np
from threadpoolctl import threadpool_limits

threadpool_limits(1, user_api="blas")
backend._state["threads"] = 2   # minigan's own passes: 2 threads; BLAS stays at 1
blocks, number = int(sys.argv[1]), int(sys.argv[2])
model = sys.argv[3] if len(sys.argv) > 3 else "dcgan"
from minigan.gan.recipes import build, default_config
config = default_config(model, "sample")
r = build(config)
rng = np.random.default_rng(0)
real = mg.tensor(rng.uniform(-1, 1, (config.batch_size, 1, 28, 28)).astype(np.float32))
z = mg.tensor(rng.standard_normal((config.batch_size, config.latent_dim)).astype(np.float32))
split = run.minigan_step(r, config, real, z)
steps = {"split": split, "unsplit": run.unsplit(split)}
print("load", os.getloadavg())
for clock in ("wall", "cpu"):
    run.CLOCK["now"] = time.perf_counter if clock == "wall" else time.process_time
    t = run.alternating_blocks(steps, blocks, number, warmup=1, pause=0.1)
    ratios = [a / b for a, b in zip(t["split"], t["unsplit"])]
    print(clock, "split ms", [round(x * 1e3, 1) for x in t["split"]], "unsplit ms", [round(x * 1e3, 1) for x in t["unsplit"]])
    print(clock, "median split/unsplit per block", round(statistics.median(ratios), 3),
          "medians", round(statistics.median(t["split"]) * 1e3, 1), round(statistics.median(t["unsplit"]) * 1e3, 1))
print("load", os.getloadavg())
