"""A plausible wrong answer to Exercise 15 (lesson 12):
the input gradient taken without create_graph: the penalty cannot reach the critic's weights.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_penalty_reaches_the_critic_weights"  # the test that must fail on this answer

import minigan as mg


def gradient_penalty(critic, real, fake, eps):
    """E[(||grad_x critic(x_hat)||_2 - 1)^2] with x_hat = eps * real + (1 - eps) * fake.

    real, fake: (N, ...); eps: (N, 1, ...) numbers in [0, 1], one per sample (given, so the
    result is reproducible). The gradient is taken with create_graph=True so that the penalty
    can be differentiated with respect to the critic's parameters.
    """
    mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_()
    (grad,) = mg.grad(critic(mixed).sum(), mixed)
    norms = (grad.reshape(grad.shape[0], -1) ** 2).sum(1).sqrt()
    return ((norms - 1) ** 2).mean()
