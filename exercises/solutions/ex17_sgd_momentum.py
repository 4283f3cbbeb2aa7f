"""Exercise 17 (lesson 6), reference solution: one step of SGD with momentum."""


def sgd_momentum_step(param, grad, momentum_buffer, lr, momentum=0.9, dampening=0.0, nesterov=False):
    """One heavy-ball step on raw arrays; returns new (param, momentum_buffer), inputs untouched.

    b = g on the first step (momentum_buffer is None), else mu b + (1 - tau) g;
    the step is along g + mu b with Nesterov momentum, along b without.
    """
    if momentum_buffer is None:
        buffer = grad.copy()
    else:
        buffer = momentum * momentum_buffer + (1 - dampening) * grad
    direction = grad + momentum * buffer if nesterov else buffer
    return param - lr * direction, buffer
