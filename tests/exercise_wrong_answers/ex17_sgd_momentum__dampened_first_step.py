"""A plausible wrong answer to Exercise 17 (lesson 6):
starts the buffer at zero and dampens every gradient, the first one too, as b = mu * 0 + (1 - tau) g.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_first_step_buffer_is_the_gradient"  # the test that must fail on this answer


def sgd_momentum_step(param, grad, momentum_buffer, lr, momentum=0.9, dampening=0.0, nesterov=False):
    previous = 0 * grad if momentum_buffer is None else momentum_buffer
    buffer = momentum * previous + (1 - dampening) * grad
    direction = grad + momentum * buffer if nesterov else buffer
    return param - lr * direction, buffer
