"""A plausible wrong answer to Exercise 17 (lesson 6):
ignores Nesterov: always steps along the buffer b, never along g + mu * b.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_nesterov_looks_ahead"  # the test that must fail on this answer


def sgd_momentum_step(param, grad, momentum_buffer, lr, momentum=0.9, dampening=0.0, nesterov=False):
    if momentum_buffer is None:
        buffer = grad.copy()
    else:
        buffer = momentum * momentum_buffer + (1 - dampening) * grad
    return param - lr * buffer, buffer
