"""Each split pass of speed (f) alone, split on 2 threads vs 1, BLAS at 1 thread, interleaved
call by call; min and median of wall time, and CPU time, per call."""
import sys, time, statistics, os
import numpy as np
import minigan as mg
from minigan import backend
from minigan.ops import conv, norm
from minigan import functional as F
from threadpoolctl import threadpool_limits
threadpool_limits(1, user_api="blas")
backend._state["threads"] = 2
reps = int(sys.argv[1])
rng = np.random.default_rng(0)
f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
x_c2, x_t1 = f32(64, 64, 14, 14), f32(64, 128, 7, 7)
w_t1 = f32(128, 64, 4, 4)
x_bn = mg.tensor(f32(64, 64, 14, 14), requires_grad=True)
g_bn = mg.tensor(f32(64, 64, 14, 14))
def bn():
    y = F.batch_norm(x_bn, None, None, None, None, training=True)
    y.backward(g_bn)
    x_bn.grad = None
cases = {
    "im2col D.conv2 (64,64,14,14) k4 s2": lambda: conv._columns(x_c2, (4, 4), (2, 2), (1, 1), (1, 1)),
    "convT by phase G.convT1 (64,128,7,7)->64": lambda: conv._transposed_product_by_phase(x_t1, w_t1, (2, 2), (1, 1), (1, 1), (14, 14)),
    "batch_norm fwd+bwd (64,64,14,14)": bn,
}
print("load", os.getloadavg())
for name, fn in cases.items():
    t = {"split": [], "unsplit": []}
    c = {"split": [], "unsplit": []}
    for i in range(reps):
        for mode in (("split", "unsplit") if i % 2 == 0 else ("unsplit", "split")):
            backend.MIN_NUMBERS_PER_THREAD = 1 << 16 if mode == "split" else 1 << 62
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            t[mode].append(time.perf_counter() - t0); c[mode].append(time.process_time() - c0)
    ratio = statistics.median(a / b for a, b in zip(t["split"], t["unsplit"]))
    print(f"{name}: wall min {min(t['split'])*1e3:.2f} vs {min(t['unsplit'])*1e3:.2f} ms "
          f"(min ratio {min(t['split'])/min(t['unsplit']):.2f}); median {statistics.median(t['split'])*1e3:.2f} vs "
          f"{statistics.median(t['unsplit'])*1e3:.2f} (median per-pair ratio {ratio:.2f}); "
          f"CPU total {sum(c['split'])*1e3/reps:.2f} vs {sum(c['unsplit'])*1e3/reps:.2f} ms/call")
print("load", os.getloadavg())
