"""Exercise 17 (lesson 6): one step of SGD with momentum, as optim.SGD takes it, on raw arrays.

    sgd_momentum_step(param, grad, momentum_buffer, lr, momentum=0.9, dampening=0.0, nesterov=False)
        -> (new_param, new_momentum_buffer)

momentum_buffer is None before this parameter's first step. With g = grad, mu = momentum and
tau = dampening (PyTorch's convention, which minigan follows):
    b = g                            on the first step (the buffer starts as the gradient, undampened)
    b = mu * b + (1 - tau) * g       on every later step
    d = g + mu * b if nesterov else b
    param = param - lr * d
Return new arrays; do not modify the inputs in place.
Grade it: pytest -m ex_sgd_momentum.  Hints: HINTS.md, exercise 17.
"""


def sgd_momentum_step(param, grad, momentum_buffer, lr, momentum=0.9, dampening=0.0, nesterov=False):
    raise NotImplementedError("Exercise 17: write sgd_momentum_step")
