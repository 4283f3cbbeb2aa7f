"""Learning-rate schedules, with PyTorch's names and semantics: ``torch.optim.lr_scheduler``.

A scheduler changes the "lr" of each of its optimizer's parameter groups once per ``step()``,
called after ``optimizer.step()``, usually once per epoch::

    opt = optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    decay = optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 - max(0, epoch - 100) / 100)
    for epoch in range(200):
        train_one_epoch()           # ... opt.step() for every batch ...
        decay.step()                # then the learning rate of the next epoch

The scheduler counts epochs in ``last_epoch`` (-1 before the first; constructing it takes the
first step, to epoch 0) and remembers each group's starting rate as ``group["initial_lr"]`` (its
``base_lrs``). With e = last_epoch and lr0 = the base rate, the rate of epoch e is

    LambdaLR(lr_lambda)               lr0 * lr_lambda(e)
    StepLR(step_size, gamma=0.1)      lr0 * gamma ** (e // step_size)
    MultiStepLR(milestones, gamma)    lr0 * gamma ** (number of milestones <= e)
    ExponentialLR(gamma)              lr0 * gamma ** e
    LinearLR(start_factor=1/3, end_factor=1, total_iters=5)
                                      lr0 * (start + (end - start) * min(e, total_iters)
                                                     / total_iters)

As in PyTorch, all but LambdaLR compute the new rate from the group's current "lr" (so a change
made by hand, or by another scheduler, carries on); ``step(epoch)`` (deprecated in PyTorch) jumps to
an epoch with the closed formula above. ``get_last_lr()`` gives the rates set by the last step;
``state_dict()`` / ``load_state_dict()`` save and restore the schedule (everything but the
optimizer; a LambdaLR saves the attributes of callable objects, not functions, as PyTorch does).
"""

from __future__ import annotations

import types
import warnings
from bisect import bisect_right
from collections import Counter

from minigan.optim import Optimizer

_ORDER_WARNING = ("Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch "
                  "1.1.0 and later, you should call them in the opposite order: `optimizer.step()` "
                  "before `lr_scheduler.step()`.  Failure to do this will result in PyTorch "
                  "skipping the first value of the learning rate schedule.")
_EPOCH_WARNING = ("The epoch parameter in `scheduler.step()` was not necessary and is being "
                  "deprecated where possible. Please use `scheduler.step()` to step the scheduler. "
                  "During the deprecation, if epoch is different from None, the closed form is "
                  "used instead of the new chainable form, where available.")


class LRScheduler:
    """Base class: subclasses give ``get_lr()`` (the rates of epoch last_epoch, from the current
    ones) and, where there is one, ``_get_closed_form_lr()`` (the same from base_lrs alone)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when "
                               f"resuming a scheduler with last_epoch={last_epoch}: load the "
                               f"optimizer's state_dict first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True  # the constructor's step, to epoch last_epoch + 1
        self._get_lr_called_within_step = False
        self.step()
        self._is_initial = False

    def get_lr(self) -> list:
        raise NotImplementedError

    def get_last_lr(self) -> list:
        """The learning rate of each parameter group, as the last step() set it."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Move to the next epoch (or to `epoch`) and set each group's learning rate for it."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(_ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                warnings.warn(_EPOCH_WARNING, UserWarning, stacklevel=2)
                self.last_epoch = epoch
                values = (self._get_closed_form_lr() if hasattr(self, "_get_closed_form_lr")
                          else self.get_lr())
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _warn_if_called_directly(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=3)

    def _current_lrs(self) -> list:
        return [group["lr"] for group in self.optimizer.param_groups]

    # -- saving and restoring -----------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything but the optimizer (PyTorch's keys): last_epoch, base_lrs, _last_lr, ..."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what state_dict() saved (load the optimizer's own state_dict too)."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"{type(self).__name__}.load_state_dict expects a dict, got "
                            f"{type(state_dict).__name__}")
        missing = sorted({"last_epoch", "base_lrs"} - set(state_dict))
        if missing:
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state dict has no "
                             f"{missing} (got keys {sorted(state_dict)})")
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch): one function for every group, or a list of one per group."""

    def __init__(self, optimizer: Optimizer, lr_lambda, last_epoch: int = -1):
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"Expected {groups} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_called_directly()
        return [base_lr * lmbda(self.last_epoch)
                for lmbda, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict:
        """As the base class, with lr_lambdas: None for a function or lambda, the attributes
        (__dict__) of a callable object (PyTorch's rule: functions are not saved)."""
        state = {key: value for key, value in self.__dict__.items()
                 if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(fn.__dict__)
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        super().load_state_dict(state)
        for fn, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                fn.__dict__.update(attributes)


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size): decay by gamma every step_size epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_called_directly()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list:
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size)
                for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr = base_lr * gamma ** (how many milestones are <= epoch); a milestone listed twice counts
    twice."""

    def __init__(self, optimizer: Optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        self.milestones, self.gamma = Counter(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_called_directly()
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list:
        milestones = sorted(self.milestones.elements())
        return [base_lr * self.gamma ** bisect_right(milestones, self.last_epoch)
                for base_lr in self.base_lrs]

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        self.milestones = Counter(self.milestones)  # a checkpoint gives back a plain dict


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch: decay by gamma every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_called_directly()
        if self._is_initial:  # the constructor's step (also when resuming): the rate stays
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list:
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = base_lr * factor, the factor going linearly from start_factor (epoch 0) to end_factor
    (epoch total_iters) and staying there: a warm-up, or a linear decay."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1):
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and "
                             "less or equal to 1.")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_called_directly()
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        # the ratio of this epoch's factor to the previous epoch's
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (self.total_iters * self.start_factor
                                + (self.last_epoch - 1) * change)
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list:
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)
                for base_lr in self.base_lrs]


_LRScheduler = LRScheduler  # the old name, which programs written for PyTorch < 2.0 subclass

__all__ = ["ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR", "StepLR"]
