"""A plausible wrong answer to Exercise 21 (lesson 8):
the "alternating" step takes both gradients at the old point, which is the simultaneous step again.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_alternating_uses_the_new_y"  # the test that must fail on this answer

import minigan as mg


def game_step(loss_x, loss_y, x, y, lr_x, lr_y, order="simultaneous"):
    if order not in ("simultaneous", "alternating"):
        raise ValueError(f"order must be 'simultaneous' or 'alternating', got {order!r}")
    (gy,) = mg.grad(loss_y(x, y), y)
    (gx,) = mg.grad(loss_x(x, y), x)
    return (x.detach() - lr_x * gx).requires_grad_(), (y.detach() - lr_y * gy).requires_grad_()
