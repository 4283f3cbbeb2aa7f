"""A plausible wrong answer to Exercise 30 (lesson 20):
the cutoff counted from the fine end: the last `cutoff` layers are truncated instead of the first.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_cutoff_truncates_only_the_coarse_layers"  # the test that must fail on this answer

import minigan as mg


def truncate(ws, w_avg, psi, cutoff=None):
    truncated = w_avg.lerp(ws, psi)
    if cutoff is None or cutoff >= ws.shape[1]:
        return truncated
    keep = ws.shape[1] - cutoff
    return mg.cat([ws[:, :keep], truncated[:, keep:]], dim=1)
