"""A plausible wrong answer to Exercise 21 (lesson 8):
reads "y maximises" into the step and moves y up its own loss's gradient (each player minimises its
own loss; the sign of a zero-sum game is already in loss_y = -f).

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_simultaneous_bilinear_step"  # the test that must fail on this answer

import minigan as mg


def game_step(loss_x, loss_y, x, y, lr_x, lr_y, order="simultaneous"):
    if order not in ("simultaneous", "alternating"):
        raise ValueError(f"order must be 'simultaneous' or 'alternating', got {order!r}")
    (gy,) = mg.grad(loss_y(x, y), y)
    new_y = (y.detach() + lr_y * gy).requires_grad_()
    point = new_y if order == "alternating" else y
    (gx,) = mg.grad(loss_x(x, point), x)
    return (x.detach() - lr_x * gx).requires_grad_(), new_y
