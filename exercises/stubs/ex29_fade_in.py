"""Exercise 29 (lesson 19): the fade-in of a new block (Karras et al. 2018, sec. 3 and Figure 2).

    fade_in(old, new, alpha) -> Tensor

When G grows from R x R to 2R x 2R images, the new block's output is blended in gradually:

    old:   (N, C, R, R),   the previous stage's image (its toRGB of the old block's features)
    new:   (N, C, 2R, 2R), the new block's image
    alpha: a number in [0, 1], rising from 0 to 1 during the fade

    fade_in = (1 - alpha) * upsample(old) + alpha * new

where upsample repeats every pixel of `old` 2 x 2 (nearest neighbour). At alpha = 0 the network
computes exactly the old image (the new block cannot disturb what was learned); at alpha = 1 only
the new block's. This is torch.lerp(upsample(old), new, alpha).

Rules: Tensor operations (mg.nn.functional.interpolate with mode "nearest", or reshape/repeat;
then lerp or arithmetic), so that gradients reach both `old` and `new`.
Grade it: pytest -m ex_fade_in.  Hints: HINTS.md, exercise 29.
"""

import minigan as mg
from minigan import functional as F


def fade_in(old, new, alpha):
    raise NotImplementedError("Exercise 29: write fade_in")
