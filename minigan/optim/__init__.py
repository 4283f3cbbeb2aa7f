"""Optimizers: SGD, Adam and RMSprop, with PyTorch's names, defaults and update rules
(learning-rate schedules: minigan/optim/lr_scheduler.py, ``optim.lr_scheduler.StepLR`` & co).

An optimizer holds the parameters it updates in *parameter groups* (a list of dicts: the tensors
under "params" and that group's options such as "lr"), and a *state* per parameter (momentum
buffers, moving averages, step counts). Each step reads ``p.grad`` and changes ``p.array`` in
place; the update works on the raw arrays (NumPy or CuPy), so it is never recorded in a graph::

    opt = optim.Adam(model.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt.zero_grad()
    loss.backward()
    opt.step()

Parameters whose ``.grad`` is None are skipped (they took no part in the loss). The updates follow
PyTorch 2.x's single-tensor (for-loop) implementations operation by operation, so the numbers
agree with PyTorch to the rounding of the dtype (float32 stays float32, float64 stays float64).

``state_dict()`` has PyTorch's layout, with parameters replaced by their index counted across the
groups in order, tensors as in PyTorch (the step count a float32 0-d tensor), and PyTorch's option
names (``foreach``, ``fused``, ``capturable``, ``differentiable``: accepted; minigan has one
implementation, so they change nothing), so that a state dict saved by ``torch.optim.Adam`` loads::

    {"state": {0: {"step": tensor(3.), "exp_avg": tensor(...), ...}, ...},
     "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), ..., "params": [0, 1]}, ...]}
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from minigan import backend
from minigan.autograd import Tensor, enable_grad


class Optimizer:
    """Base class: parameter groups, per-parameter state, zero_grad, state_dict/load_state_dict.

    A subclass lists its options and their checks in `OPTIONS` (name -> check), and implements
    `_update` (one parameter's step) and `_state_names` (the state entries a parameter gets).
    Every option value -- from the constructor, a parameter group or a loaded state dict -- goes
    through the same checks: numbers must be finite and in range (True is not a number), flags
    must be bools ("no" is not False).

    Args:
        params: an iterable of Tensors, or of dicts ``{"params": tensors, option: value, ...}``
            (one parameter group each; options a group leaves out come from `defaults`).
        defaults: the options every group starts from.
    """

    OPTIONS: dict = {}
    # Options an older state dict may lack: load_state_dict gives them these values, as PyTorch's
    # __setstate__ does. Any other option missing from a saved group is refused at load (PyTorch
    # would fail later, at the first step, with a KeyError).
    FILLED_ON_LOAD: dict = {"maximize": False}

    def __init__(self, params, defaults: dict):
        self.defaults = self._checked(defaults)
        self.state: dict = {}  # parameter Tensor -> {name: array or number}
        self.param_groups: list = []
        if isinstance(params, Tensor):
            raise TypeError(f"{self._name()}: params should be an iterable of Tensors or dicts, "
                            "got a Tensor (wrap it in a list: [p])")
        groups = list(self._ordered(params))
        if not groups:
            raise ValueError(f"{self._name()}: got an empty parameter list")
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    def _name(self) -> str:
        return type(self).__name__

    def _ordered(self, params):
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{self._name()}: params must be an ordered collection of Tensors "
                            "(a list), not a set: the order of a set changes between runs")
        return params

    def __repr__(self) -> str:
        lines = [f"{self._name()} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {value}" for key, value in group.items() if key != "params"]
        return "\n".join(lines + [")"])

    # -- options ------------------------------------------------------------------------------
    def _checked(self, options: dict) -> dict:
        """The options with every value checked (ValueError/TypeError naming the option)."""
        checks = {**self.OPTIONS, "initial_lr": _number()}  # initial_lr: an lr_scheduler's record
        unknown = sorted(set(options) - set(checks) - {"params"})
        if unknown:
            raise ValueError(f"{self._name()}: unknown option(s) {unknown} "
                             f"(expected some of {sorted(self.OPTIONS)})")
        checked = dict(options)
        for key, check in checks.items():
            if key in options:
                checked[key] = check(self._name(), key, options[key])
        return checked

    # -- parameter groups ---------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (missing options come from defaults)."""
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{self._name()}: a parameter group must be a dict with a 'params' "
                            f"entry, got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(self._ordered(params))
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{self._name()}: can only optimize Tensors, but params[{i}] is "
                                f"a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{self._name()}: can't optimize a non-leaf Tensor (params[{i}] "
                                 "was computed by an op; optimize the tensors it came from)")
        if len({id(p) for p in params}) != len(params):  # kept, and stepped twice, as in PyTorch
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          UserWarning, stacklevel=3)
        if {id(p) for g in self.param_groups for p in g["params"]} & {id(p) for p in params}:
            raise ValueError(f"{self._name()}: some parameters appear in more than one "
                             "parameter group")
        self.param_groups.append(self._checked({**self.defaults, **param_group, "params": params}))

    # -- one step -----------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (default), or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif p.grad.grad_fn is not None or p.grad.requires_grad:
                    # a gradient built with create_graph=True: leave its graph alone
                    p.grad = Tensor(backend.get_array_module(p.grad.array).zeros_like(p.grad.array))
                else:
                    p.grad.zero_()

    def step(self, closure=None):
        """Update every parameter that has a gradient. `closure` (optional) recomputes the loss
        (it runs with gradients enabled and its result is returned)."""
        loss = None
        self._opt_called = True  # lr_scheduler checks that step() came before its own step()
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                self._update(p, self._grad_of(p, group), self.state.setdefault(p, {}), group)
                p._bump_version(f"{self._name()}.step()")  # a graph that saved p cannot backward
        return loss

    def _grad_of(self, p: Tensor, group: dict):
        """p's gradient as a raw array of p's dtype, negated when the group maximizes."""
        grad = p.grad.array
        if grad.shape != p.array.shape:
            raise ValueError(f"{self._name()}: a parameter of shape {tuple(p.shape)} has a "
                             f"gradient of shape {tuple(grad.shape)}")
        grad = grad.astype(p.array.dtype, copy=False)
        return -grad if group["maximize"] else grad

    def _update(self, p: Tensor, grad, state: dict, group: dict) -> None:
        """Change p.array in place from grad (a raw array); `state` is p's state dict."""
        raise NotImplementedError

    def _state_names(self, group: dict) -> set:
        """The names in a parameter's state once it has taken a step under `group`'s options."""
        raise NotImplementedError

    # -- saving and restoring -----------------------------------------------------------------
    def state_dict(self) -> dict:
        """The state and options, parameters replaced by indices (PyTorch's layout).

        A parameter's index is its position counted across the groups in order (PyTorch's rule:
        a parameter listed twice gets the position of its last place). The state's tensors are
        copies (the dict does not change as training goes on); "step" is a float32 0-d tensor, as
        PyTorch saves it.
        """
        index_of, param_groups, position = {}, [], 0
        for group in self.param_groups:
            for p in group["params"]:
                index_of[id(p)] = position
                position += 1
            param_groups.append({**{k: v for k, v in group.items() if k != "params"},
                                 "params": [index_of[id(p)] for p in group["params"]]})
        state = {index_of[id(p)]: {name: _saved_value(name, value)
                                   for name, value in entries.items()}
                 for p, entries in self.state.items() if id(p) in index_of and entries}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore options and state saved by state_dict() (arrays may be NumPy or Tensors).

        Strict: the groups must list as many parameters as this optimizer's, option values pass
        the same checks as the constructor's, unknown options are refused, and every state entry
        must be a real array of its parameter's shape (copied onto the parameter's backend and
        dtype). On any error (a ValueError) nothing is changed.
        """
        self.param_groups, self.state = _checked_state_dict(self, state_dict)


def _saved_value(name: str, value):
    """A state entry as state_dict() gives it: a copied Tensor ("step": float32 0-d, as PyTorch)."""
    if name == "step":
        return Tensor(np.asarray(value, dtype=np.float32))
    return Tensor(value.array.copy() if isinstance(value, Tensor) else value.copy())


# ----------------------------------------------------------------------------- option checks


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _number(low: float = 0.0, high: float | None = None):
    """A check: a finite real number (not a bool) with low <= value (< high)."""
    def check(optimizer: str, name: str, value):
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise TypeError(f"{optimizer}: {name} must be a number, got {value!r}")
        if not (value >= low and (high is None or value < high)) or math.isinf(value):
            bound = f" and < {high}" if high is not None else ""
            finite = "a finite number " if math.isinf(value) else ""
            raise ValueError(f"{optimizer}: {name} must be {finite}>= {low}{bound}, got {value!r}")
        return value
    return check


def _flag(optimizer: str, name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{optimizer}: {name} must be True or False, got {value!r}")
    return bool(value)


def _flag_or_none(optimizer: str, name: str, value):
    """foreach / fused: None (let the library choose) or a bool; minigan has one implementation."""
    return None if value is None else _flag(optimizer, name, value)


def _not_differentiable(optimizer: str, name: str, value) -> bool:
    """differentiable=True (autograd through the step itself) is not supported."""
    if _flag(optimizer, name, value):
        raise ValueError(f"{optimizer}: differentiable=True (autograd through the optimizer "
                         "step) is not supported by minigan")
    return False


# PyTorch's implementation switches: accepted (state dicts saved by PyTorch carry them), no effect;
# each optimizer has the ones PyTorch gives it. initial_lr is what a learning-rate scheduler adds.
_IMPLEMENTATION = dict(foreach=(_flag_or_none, None), fused=(_flag_or_none, None),
                       capturable=(_flag, False), differentiable=(_not_differentiable, False))


def _implementation(*names) -> dict:
    """The checks of PyTorch's implementation switches `names` (and of a scheduler's initial_lr)."""
    return {**{name: _IMPLEMENTATION[name][0] for name in names}, "initial_lr": _number()}


def _implementation_defaults(*names) -> dict:
    """Their defaults, which a state dict from an older minigan or PyTorch may lack."""
    return {name: _IMPLEMENTATION[name][1] for name in names}


def _betas(optimizer: str, name: str, value) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{optimizer}: betas must be a pair (beta1, beta2), got {value!r}")
    return tuple(_number(0.0, 1.0)(optimizer, f"betas[{i}]", b) for i, b in enumerate(value))


# ----------------------------------------------------------------------------- SGD


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

    With g = grad (negated when maximize), mu = momentum, tau = dampening, lambda = weight_decay::

        g <- g + lambda * p                              (if weight_decay != 0)
        b <- g on the first step, else mu * b + (1 - tau) * g     (if momentum != 0)
        g <- g + mu * b if nesterov else b                         (if momentum != 0)
        p <- p - lr * g

    State per parameter: "momentum_buffer" (only when momentum != 0).
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    OPTIONS = dict(lr=_number(), momentum=_number(), dampening=_number(-math.inf),
                   weight_decay=_number(), nesterov=_flag, maximize=_flag,
                   **_implementation("foreach", "differentiable", "fused"))
    FILLED_ON_LOAD = {"nesterov": False, "maximize": False,
                      **_implementation_defaults("foreach", "differentiable", "fused")}

    def _checked(self, options: dict) -> dict:
        options = super()._checked(options)
        if options.get("nesterov") and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening == 0, got "
                             f"momentum={options['momentum']}, dampening={options['dampening']}")
        return options

    def _state_names(self, group: dict) -> set:
        return {"momentum_buffer"} if group["momentum"] != 0 else set()

    def _update(self, p, grad, state, group):
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if weight_decay != 0:
            grad = grad + weight_decay * p.array
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = grad.copy()  # first step: no dampening
                state["momentum_buffer"] = Tensor(buf)
            else:
                buf = buf.array
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        p.array += -lr * grad


# ----------------------------------------------------------------------------- Adam


class Adam(Optimizer):
    """Adam: moving averages of the gradient and its square, with bias correction.

    With g = grad (negated when maximize), t = the step count of this parameter (from 1)::

        g  <- g + weight_decay * p                        (if weight_decay != 0; L2, not AdamW)
        p  <- p * (1 - lr * weight_decay)                 (instead, if decoupled_weight_decay:
                                                           AdamW)
        m  <- beta1 * m + (1 - beta1) * g
        v  <- beta2 * v + (1 - beta2) * g * g
        v_max <- max(v_max, v)                            (if amsgrad; then v_max replaces v below)
        p  <- p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    eps is added after the square root has been divided by its bias correction, as PyTorch does.
    State per parameter: "step", "exp_avg" (m), "exp_avg_sq" (v), and "max_exp_avg_sq" with amsgrad.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused=None,
                 decoupled_weight_decay: bool = False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    OPTIONS = dict(lr=_number(), betas=_betas, eps=_number(), weight_decay=_number(),
                   amsgrad=_flag, maximize=_flag, decoupled_weight_decay=_flag,
                   **_implementation("foreach", "capturable", "differentiable", "fused"))
    FILLED_ON_LOAD = {"amsgrad": False, "maximize": False, "decoupled_weight_decay": False,
                      **_implementation_defaults("foreach", "capturable", "differentiable",
                                                 "fused")}

    def _state_names(self, group: dict) -> set:
        names = {"step", "exp_avg", "exp_avg_sq"}
        return names | {"max_exp_avg_sq"} if group["amsgrad"] else names

    def _update(self, p, grad, state, group):
        xp = backend.get_array_module(p.array)
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = Tensor(xp.zeros_like(p.array))
            state["exp_avg_sq"] = Tensor(xp.zeros_like(p.array))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = Tensor(xp.zeros_like(p.array))
        state["step"] += 1
        step, exp_avg, exp_avg_sq = state["step"], state["exp_avg"].array, state["exp_avg_sq"].array

        if weight_decay != 0 and group.get("decoupled_weight_decay"):
            p.array *= 1 - lr * weight_decay
        elif weight_decay != 0:
            grad = grad + weight_decay * p.array
        exp_avg += (1 - beta1) * (grad - exp_avg)  # = beta1 * m + (1 - beta1) * g (PyTorch's lerp)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad

        bias_correction1 = 1 - beta1 ** step
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        step_size = lr / bias_correction1
        if group["amsgrad"]:
            max_exp_avg_sq = state["max_exp_avg_sq"].array
            xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            denom = xp.sqrt(max_exp_avg_sq) / bias_correction2_sqrt + eps
        else:
            denom = xp.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
        p.array += -step_size * exp_avg / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019): p <- p * (1 - lr * weight_decay)
    before the Adam step, instead of adding weight_decay * p to the gradient."""

    FILLED_ON_LOAD = {**Adam.FILLED_ON_LOAD, "decoupled_weight_decay": True}

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach=None, capturable: bool = False, differentiable: bool = False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)


# ----------------------------------------------------------------------------- RMSprop


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a moving root mean square of recent gradients.

    With g = grad (negated when maximize)::

        g   <- g + weight_decay * p                       (if weight_decay != 0)
        v   <- alpha * v + (1 - alpha) * g * g
        avg <- sqrt(v) + eps, or, if centered:
               a <- alpha * a + (1 - alpha) * g;  avg <- sqrt(v - a * a) + eps
        b   <- momentum * b + g / avg;  p <- p - lr * b   (if momentum > 0)
        p   <- p - lr * g / avg                           (otherwise)

    State per parameter: "step", "square_avg" (v), "momentum_buffer" (b, if momentum > 0) and
    "grad_avg" (a, if centered).
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False):
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    OPTIONS = dict(lr=_number(), alpha=_number(), eps=_number(), weight_decay=_number(),
                   momentum=_number(), centered=_flag, maximize=_flag,
                   **_implementation("capturable", "foreach", "differentiable"))
    FILLED_ON_LOAD = {"momentum": 0, "centered": False, "maximize": False,
                      **_implementation_defaults("capturable", "foreach", "differentiable")}

    def _state_names(self, group: dict) -> set:
        names = {"step", "square_avg"}
        if group["momentum"] > 0:
            names.add("momentum_buffer")
        if group["centered"]:
            names.add("grad_avg")
        return names

    def _update(self, p, grad, state, group):
        xp = backend.get_array_module(p.array)
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["square_avg"] = Tensor(xp.zeros_like(p.array))
            if momentum > 0:
                state["momentum_buffer"] = Tensor(xp.zeros_like(p.array))
            if group["centered"]:
                state["grad_avg"] = Tensor(xp.zeros_like(p.array))
        state["step"] += 1
        square_avg = state["square_avg"].array

        if weight_decay != 0:
            grad = grad + weight_decay * p.array
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"].array
            grad_avg += (1 - alpha) * (grad - grad_avg)  # = alpha * a + (1 - alpha) * g
            avg = xp.sqrt(square_avg - grad_avg * grad_avg) + eps
        else:
            avg = xp.sqrt(square_avg) + eps
        if momentum > 0:
            buf = state["momentum_buffer"].array
            buf *= momentum
            buf += grad / avg
            p.array += -lr * buf
        else:
            p.array += -lr * grad / avg


# ----------------------------------------------------------------------------- checking what is
# loaded


def _checked_state_dict(optimizer: Optimizer, state_dict) -> tuple:
    """(param_groups, state) for optimizer.load_state_dict, every part checked; ValueError
    saying what is wrong otherwise."""
    def invalid(message: str) -> ValueError:
        return ValueError(f"{optimizer._name()}.load_state_dict: {message}")

    if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
        got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
        raise invalid(f"expects a dict with keys 'state' and 'param_groups', got {got}")
    saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
    if not isinstance(saved_groups, (list, tuple)) or not isinstance(saved_state, dict):
        raise invalid("'param_groups' must be a list and 'state' a dict")
    if len(saved_groups) != len(optimizer.param_groups):
        raise invalid(f"the state dict has {len(saved_groups)} parameter group(s), this "
                      f"optimizer has {len(optimizer.param_groups)}")
    param_of, new_groups = {}, []
    for g, (saved, group) in enumerate(zip(saved_groups, optimizer.param_groups)):
        if not isinstance(saved, dict) or not isinstance(saved.get("params"), (list, tuple)):
            raise invalid(f"param_groups[{g}] must be a dict with a 'params' list")
        if len(saved["params"]) != len(group["params"]):
            raise invalid(f"param_groups[{g}] has {len(saved['params'])} parameter(s) in the "
                          f"state dict but {len(group['params'])} in this optimizer")
        for index, p in zip(saved["params"], group["params"]):
            if not _is_int(index) or param_of.get(index, p) is not p:  # one index per parameter
                raise invalid(f"param_groups[{g}]['params'] must hold distinct integer "
                              f"indices, got {index!r}")
            param_of[int(index)] = p
        needed = set(optimizer.OPTIONS) - set(optimizer.FILLED_ON_LOAD) - {"initial_lr"}
        absent = sorted(needed - set(saved))
        if absent:
            raise invalid(f"param_groups[{g}] lacks the option(s) {absent} (a {optimizer._name()} "
                          f"group needs {sorted(needed)})")
        try:
            filled = {**saved, "params": group["params"]}
            for key, value in optimizer.FILLED_ON_LOAD.items():
                filled.setdefault(key, value)
            new_groups.append(optimizer._checked(filled))
        except (TypeError, ValueError) as err:
            raise invalid(f"param_groups[{g}]: {err}") from None
    group_of = {id(p): group for group in new_groups for p in group["params"]}
    new_state = {}
    for index, entries in saved_state.items():
        if not _is_int(index) or index not in param_of:
            raise invalid(f"'state' has an entry for parameter {index!r}, which no parameter "
                          "group lists")
        p = param_of[index]
        state = _checked_param_state(optimizer, index, p, entries, group_of[id(p)], invalid)
        if state:  # an empty one: the parameter starts fresh
            new_state[p] = state
    return new_groups, new_state


def _checked_param_state(optimizer: Optimizer, index, p: Tensor, entries, group: dict,
                         invalid) -> dict:
    """One parameter's saved state, checked against p and copied onto p's backend/dtype. An empty
    state (or PyTorch's "momentum_buffer": None) means the parameter starts fresh."""
    if isinstance(entries, dict):
        entries = {key: value for key, value in entries.items() if value is not None}
        if not entries:
            return {}
    expected = optimizer._state_names(group)
    if not isinstance(entries, dict) or set(entries) != expected:
        got = sorted(entries) if isinstance(entries, dict) else type(entries).__name__
        raise invalid(f"state of parameter {index} should have entries {sorted(expected)}, "
                      f"got {got}")
    loaded = {}
    for key, value in entries.items():
        if key == "step":
            loaded[key] = _step_count(value, index, invalid)
            continue
        array = value.array if isinstance(value, Tensor) else value
        kind = getattr(getattr(array, "dtype", None), "kind", None)
        if kind not in ("f", "i", "u") or tuple(array.shape) != p.shape:
            got = (f"a {array.dtype} array of shape {tuple(array.shape)}" if kind is not None
                   else type(value).__name__)
            raise invalid(f"state[{index}][{key!r}] should be a real array of shape "
                          f"{tuple(p.shape)} (the parameter's), got {got}")
        array = backend.to_backend(array, backend.backend_of(p.array))
        xp = backend.get_array_module(p.array)
        loaded[key] = Tensor(xp.array(array, dtype=p.array.dtype, copy=True))
    return loaded


def _step_count(value, index, invalid) -> int:
    """A saved step count: an int, or (as PyTorch saves it) a 0-d tensor or array holding one."""
    number = value
    if isinstance(value, Tensor) or (hasattr(value, "shape") and hasattr(value, "dtype")):
        array = value.array if isinstance(value, Tensor) else value
        if array.shape == () and array.dtype.kind in "fiu":
            number = array.item()
            number = int(number) if isinstance(number, float) and number.is_integer() else number
    if not _is_int(number) or number < 0:
        raise invalid(f"state[{index}]['step'] must be a non-negative integer (or a 0-d tensor "
                      f"holding one), got {value!r}")
    return int(number)


# optim.lr_scheduler.LambdaLR, as in torch (imported last: lr_scheduler imports Optimizer from here)
from minigan.optim import lr_scheduler  # noqa: E402,F401
