"""A plausible wrong answer to Exercise 13 (lesson 9):
the statistic computed on raw arrays: right values, but no gradient flows through it.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_gradcheck"  # the test that must fail on this answer

import minigan as mg


def minibatch_stddev(x, eps=1e-8):
    """Append one feature: the batch's average standard deviation (Karras et al. 2018).

    x: (N, F) -> (N, F + 1), or (N, C, H, W) -> (N, C + 1, H, W).
    s = mean over all non-batch positions of sqrt(var_batch + eps), var_batch the biased variance
    over dimension 0; the new feature is s everywhere. A collapsed batch (all samples alike) gives
    s ~ sqrt(eps), which D can see. Written in Tensor ops, so it is differentiable (twice).
    """
    s = float(mg.get_array_module(x.array).sqrt(x.array.var(axis=0) + eps).mean())
    feature = mg.ones(x.shape[0], 1, *x.shape[2:], dtype=x.dtype) * s
    return mg.cat([x, feature], dim=1)
