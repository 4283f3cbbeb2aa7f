"""Checking a backward pass against numbers: central differences in float64.

For a function f and an input x, the Jacobian J[k, j] = d f_j / d x_k is computed twice:

* analytic: one backward pass per output element j, with a one-hot gradient (what backward gives);
* numeric:  (f(x + eps e_k) - f(x - eps e_k)) / (2 eps) for every input element k.

They must agree within |analytic - numeric| <= atol + rtol * |numeric|. On failure the report names
the input, the element, both values and the largest errors, so a student can find the bug.
gradgradcheck does the same for the second derivatives, by gradchecking the function
(x, v) -> grad(f(x), x, grad_outputs=v, create_graph=True).
"""

from __future__ import annotations

import numpy as np

from minigan.autograd import Tensor, enable_grad, grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when analytic and numeric gradients disagree."""


def _as_tuple(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _prepare(inputs) -> tuple:
    """Float tensors become float64 (a copy, keeping requires_grad); float64 ones are used as
    given."""
    prepared = []
    for x in _as_tuple(inputs):
        if isinstance(x, Tensor) and x.dtype.kind == "f" and x.dtype != np.float64:
            x = Tensor(x.array.astype(np.float64), requires_grad=x.requires_grad)
        prepared.append(x)
    return tuple(prepared)


def _differentiable(outputs) -> list:
    return [o for o in _as_tuple(outputs) if isinstance(o, Tensor) and o.dtype.kind == "f"]


def _flat_outputs(fn, inputs) -> np.ndarray:
    """All differentiable outputs of fn(*inputs), flattened and joined, as float64 NumPy."""
    with enable_grad():
        outputs = _differentiable(fn(*inputs))
    if not outputs:
        return np.zeros(0)
    return np.concatenate([np.asarray(o.detach().numpy(), dtype=np.float64).ravel()
                           for o in outputs])


def _numeric_jacobian(fn, inputs, index: int, eps: float) -> np.ndarray:
    """J[k, j] by central differences, perturbing element k of inputs[index] in place."""
    x = inputs[index].array
    base = _flat_outputs(fn, inputs)
    jacobian = np.zeros((x.size, base.size))
    for k in range(x.size):
        element = np.unravel_index(k, x.shape)
        original = x[element].copy()
        x[element] = original + eps
        plus = _flat_outputs(fn, inputs)
        x[element] = original - eps
        minus = _flat_outputs(fn, inputs)
        x[element] = original
        jacobian[k] = (plus - minus) / (2 * eps)
    return jacobian


def _analytic_jacobians(outputs, wrt) -> list:
    """One (input size, total output size) Jacobian per tensor in `wrt`, from backward passes."""
    total = sum(o.numel() for o in outputs)
    jacobians = [np.zeros((x.numel(), total)) for x in wrt]
    column = 0
    for out in outputs:
        if not out.requires_grad:  # does not depend on any input: its rows stay zero
            column += out.numel()
            continue
        zeros = np.zeros(out.shape, dtype=out.dtype)
        for j in range(out.numel()):
            one_hot = zeros.copy()
            one_hot[np.unravel_index(j, out.shape)] = 1
            grads = grad(out, wrt, grad_outputs=Tensor(_to_backend_of(one_hot, out)),
                         retain_graph=True, allow_unused=True)
            for jacobian, g in zip(jacobians, grads):
                if g is not None:
                    column_values = np.asarray(g.detach().numpy(), dtype=np.float64)
                    jacobian[:, column + j] = column_values.ravel()
        column += out.numel()
    return jacobians


def _to_backend_of(array: np.ndarray, like: Tensor):
    from minigan.backend import to_backend

    return to_backend(array, like.backend)


def _locate(flat_index: int, shapes) -> tuple:
    """Flat output column -> (output number, element index within that output)."""
    for number, shape in enumerate(shapes):
        size = int(np.prod(shape))
        if flat_index < size:
            return number, tuple(int(i) for i in np.unravel_index(flat_index, shape))
        flat_index -= size
    raise IndexError(flat_index)  # pragma: no cover


def _compare(analytic, numeric, atol, rtol):
    """None when every element agrees; otherwise the facts of the worst disagreement."""
    error = np.abs(analytic - numeric)
    allowed = atol + rtol * np.abs(numeric)
    if analytic.size == 0 or np.all(error <= allowed):
        return None
    excess = np.where(np.isnan(error), np.inf, error - allowed)
    k, j = np.unravel_index(int(np.argmax(excess)), error.shape)
    relative = error / np.maximum(np.abs(numeric), np.finfo(np.float64).tiny)
    return dict(k=k, j=j, analytic=analytic[k, j], numeric=numeric[k, j],
                max_abs=float(np.nanmax(error)), max_rel=float(np.nanmax(relative)))


def _report(what, name, x, output_shapes, facts, eps, atol, rtol) -> str:
    number, element = _locate(facts["j"], output_shapes)
    in_element = tuple(int(i) for i in np.unravel_index(facts["k"], x.shape))
    return (
        f"{what} failed: the backward pass disagrees with central differences.\n"
        f"  {name} (shape {tuple(x.shape)}), element {in_element}; output {number} "
        f"(shape {tuple(output_shapes[number])}), element {element}:\n"
        f"    analytic (from backward)      = {facts['analytic']:.8e}\n"
        f"    numeric (central difference)  = {facts['numeric']:.8e}\n"
        f"  largest absolute error {facts['max_abs']:.3e}, largest relative error "
        f"{facts['max_rel']:.3e}\n"
        f"  tolerance: |analytic - numeric| <= atol + rtol * |numeric| with atol={atol}, "
        f"rtol={rtol} (eps={eps})"
    )


def _check(fn, inputs, names, eps, atol, rtol, raise_exception, what) -> bool:
    with enable_grad():
        outputs = _differentiable(fn(*inputs))
    wrt_index = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt_index:
        raise ValueError(f"{what}: no input has requires_grad=True, so there is nothing to check")
    wrt = [inputs[i] for i in wrt_index]
    analytic = _analytic_jacobians(outputs, wrt)
    output_shapes = [o.shape for o in outputs]
    for position, i in enumerate(wrt_index):
        numeric = _numeric_jacobian(fn, inputs, i, eps)
        facts = _compare(analytic[position], numeric, atol, rtol)
        if facts is not None:
            message = _report(what, names[i], inputs[i], output_shapes, facts, eps, atol, rtol)
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Compare fn's backward with central differences for every input that requires grad.

    fn: takes the inputs, returns a Tensor or a tuple of Tensors. inputs: a Tensor or a tuple
    (non-Tensor entries are passed through). Float inputs are checked in float64 (float32 ones are
    copied to float64 first). Returns True; on a mismatch raises GradcheckError with a report, or
    returns False when raise_exception=False.
    """
    inputs = _prepare(inputs)
    names = [f"input {i}" for i in range(len(inputs))]
    return _check(fn, inputs, names, eps, atol, rtol, raise_exception, "gradcheck")


def gradgradcheck(fn, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of (inputs, v) -> grad(fn(inputs), inputs, v,
    create_graph=True).

    grad_outputs (the v's) default to standard-normal float64 tensors drawn from a private
    generator seeded with `seed` (minigan's global random state is left alone).
    """
    inputs = _prepare(inputs)
    wrt_index = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt_index:
        raise ValueError("gradgradcheck: no input has requires_grad=True, so there is nothing to "
                         "check")
    with enable_grad():
        outputs = _differentiable(fn(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = tuple(
            Tensor(_to_backend_of(rng.standard_normal(o.shape), o),
                   requires_grad=True) for o in outputs
        )
    else:
        grad_outputs = _prepare(grad_outputs)
    count = len(inputs)

    def first_derivatives(*args):
        xs, vs = args[:count], args[count:]
        outs = _differentiable(fn(*xs))
        used = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        wrt = [xs[i] for i in wrt_index]
        if not used:
            return tuple(Tensor(x.array * 0) for x in wrt)
        grads = grad([o for o, _ in used], wrt, grad_outputs=[v for _, v in used],
                     create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor(x.array * 0) for g, x in zip(grads, wrt))

    names = ([f"input {i}" for i in range(count)]
             + [f"grad_output {j}" for j in range(len(grad_outputs))])
    return _check(first_derivatives, inputs + tuple(grad_outputs), names, eps, atol, rtol,
                  raise_exception, "gradgradcheck")
