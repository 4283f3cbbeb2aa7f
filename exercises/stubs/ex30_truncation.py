"""Exercise 30 (lesson 20): the truncation trick (Karras et al. 2019, sec. 2.1 and appendix B).

    truncate(ws, w_avg, psi, cutoff=None) -> Tensor

ws: (N, L, D), the w of every one of the L style inputs of each sample; w_avg: (D,), the running
mean of w; psi: a number (usually in [0, 1]); cutoff: None, or the number of layers (counted from
the coarsest, layer 0) that are truncated.

    ws'[n, l] = w_avg + psi * (ws[n, l] - w_avg)    for l < cutoff (every layer when cutoff is None)
    ws'[n, l] = ws[n, l]                             for l >= cutoff

psi = 1 changes nothing, psi = 0 gives every sample the average w (the "mean image"), and
0 < psi < 1 pulls the styles toward the average: better-looking samples, less variety.
The official StyleGAN truncates only the coarse layers (cutoff 8 of 18 at 1024x1024).

Rules: return a new Tensor (do not change ws in place); Tensor operations (lerp or arithmetic,
mg.cat along dimension 1), so that gradients reach ws.
Grade it: pytest -m ex_truncation.  Hints: HINTS.md, exercise 30.
"""

import minigan as mg


def truncate(ws, w_avg, psi, cutoff=None):
    raise NotImplementedError("Exercise 30: write truncate")
