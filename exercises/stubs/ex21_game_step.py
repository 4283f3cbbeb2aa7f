"""Exercise 21 (lesson 8): one step of gradient play on a two-player game.

    game_step(loss_x, loss_y, x, y, lr_x, lr_y, order="simultaneous") -> (new_x, new_y)

Player x minimises loss_x(x, y); player y minimises loss_y(x, y). (In a GAN, x is G's parameters
and y is D's; for a zero-sum game min_x max_y f, loss_x = f and loss_y = -f.) x and y are leaf
Tensors that require grad; each loss returns a 0-d Tensor. Take gradients with mg.grad.

    order="simultaneous":  both gradients at (x, y):
        x' = x - lr_x * d loss_x(x, y) / dx,    y' = y - lr_y * d loss_y(x, y) / dy
    order="alternating":   y moves first (as D's step comes first in GAN training), then x
                           against the y that has just moved:
        y' = y - lr_y * d loss_y(x, y) / dy,    x' = x - lr_x * d loss_x(x, y') / dx

Return new leaf Tensors that require grad (so they can be passed back in), and leave x and y as
they were. Any other order is a ValueError naming the two choices.
Grade it: pytest -m ex_game_step.  Hints: HINTS.md, exercise 21.
"""

import minigan as mg


def game_step(loss_x, loss_y, x, y, lr_x, lr_y, order="simultaneous"):
    raise NotImplementedError("Exercise 21: write game_step")
