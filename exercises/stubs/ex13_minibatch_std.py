"""Exercise 13 (lesson 9): the minibatch standard deviation layer (Karras et al. 2018).

    minibatch_stddev(x, eps=1e-8) -> Tensor

x: Tensor (N, F) or (N, C, H, W). Compute, for every position of x.shape[1:], the standard
deviation over the batch, sqrt(biased variance over dimension 0 + eps); average those into one
number s; append s as one more feature (N, F + 1) or channel (N, C + 1, H, W), the same for
every sample. A collapsed batch (all samples alike) gives s = sqrt(eps): D can see it.

Rules: Tensor operations only (mean, sqrt, mg.ones, mg.cat ...), so gradients flow through s
(gradcheck, gradgradcheck). Statistics taken on raw arrays are constants: they fail.
Grade it: pytest -m ex_minibatch_std.  Hints: HINTS.md, exercise 13.
"""

import minigan as mg


def minibatch_stddev(x, eps=1e-8):
    raise NotImplementedError("Exercise 13: write minibatch_stddev")
