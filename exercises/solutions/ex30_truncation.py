"""Exercise 30 (lesson 20), reference solution: the truncation trick."""

import minigan as mg


def truncate(ws, w_avg, psi, cutoff=None):
    """w_avg + psi * (ws - w_avg) on layers [0, cutoff) (all when cutoff is None); the rest as is."""
    truncated = w_avg.lerp(ws, psi)
    if cutoff is None or cutoff >= ws.shape[1]:
        return truncated
    return mg.cat([truncated[:, :cutoff], ws[:, cutoff:]], dim=1)
