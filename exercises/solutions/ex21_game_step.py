"""Exercise 21 (lesson 8), reference solution: one step of gradient play."""

import minigan as mg


def _descend(loss, of, lr, x, y):
    """`of` (x or y) moved by one gradient step on loss(x, y), as a new leaf."""
    (g,) = mg.grad(loss(x, y), of)
    return (of.detach() - lr * g).requires_grad_()


def game_step(loss_x, loss_y, x, y, lr_x, lr_y, order="simultaneous"):
    """Simultaneous: both players step from (x, y). Alternating: y steps, then x against the new y."""
    if order == "simultaneous":
        return _descend(loss_x, x, lr_x, x, y), _descend(loss_y, y, lr_y, x, y)
    if order == "alternating":
        new_y = _descend(loss_y, y, lr_y, x, y)
        return _descend(loss_x, x, lr_x, x, new_y), new_y
    raise ValueError(f"order must be 'simultaneous' or 'alternating', got {order!r}")
