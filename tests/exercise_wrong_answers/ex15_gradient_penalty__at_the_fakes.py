"""A plausible wrong answer to Exercise 15 (lesson 12):
the penalty taken at the fake samples instead of between real and fake (eps unused).

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_penalty_is_taken_between_real_and_fake"  # the test that must fail on this answer
ONLY_CAUGHT_BY = True  # the per-sample-norm test must not fail too and point at the wrong cause
MESSAGE = "the penalty was taken at the fake samples"  # what the failure tells the student

import minigan as mg


def gradient_penalty(critic, real, fake, eps):
    """E[(||grad_x critic(x_hat)||_2 - 1)^2], taken (wrongly) at the fakes."""
    mixed = fake.detach().requires_grad_()
    (grad,) = mg.grad(critic(mixed).sum(), mixed, create_graph=True)
    norms = (grad.reshape(grad.shape[0], -1) ** 2).sum(1).sqrt()
    return ((norms - 1) ** 2).mean()
