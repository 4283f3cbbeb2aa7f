"""Exercise 15 (lesson 12): the WGAN-GP gradient penalty (Gulrajani et al. 2017).

    gradient_penalty(critic, real, fake, eps) -> 0-d Tensor

critic: a callable, samples (N, ...) -> scores (N,) or (N, 1); real, fake: (N, ...) Tensors;
eps: (N, 1, ...) Tensor of numbers in [0, 1], one per sample (given, so results reproduce).
    x_hat = eps * real + (1 - eps) * fake       (real and fake detached; x_hat needs a gradient)
    penalty = mean over samples of (||d critic(x_hat) / d x_hat||_2 - 1)^2
The norm is per sample, over all of its other dimensions. The penalty is added to the critic's
loss, so it must be differentiable with respect to the critic's weights: take the gradient
with mg.grad(outputs, inputs, create_graph=True).
Grade it: pytest -m ex_gradient_penalty.  Hints: HINTS.md, exercise 15.
"""

import minigan as mg


def gradient_penalty(critic, real, fake, eps):
    raise NotImplementedError("Exercise 15: write gradient_penalty")
