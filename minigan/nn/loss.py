"""Loss modules: each holds its options and calls the function of the same name in
minigan/ops/loss.py (where the formulas are)."""

from __future__ import annotations

from minigan import functional as F
from minigan.nn.module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or 'none', "
                             f"got {reduction!r}")
        self.reduction = reduction


class BCELoss(_Loss):
    """binary_cross_entropy(input, target): input holds probabilities (after a sigmoid)."""

    def __init__(self, weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """binary_cross_entropy_with_logits(input, target): input holds logits (no sigmoid needed)."""

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                  self.pos_weight)


class MSELoss(_Loss):
    """mse_loss(input, target): mean squared error."""

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class NLLLoss(_Loss):
    """nll_loss(input, target): input holds log-probabilities, target integer classes."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(_Loss):
    """cross_entropy(input, target): input holds logits, target integer classes."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)


class L1Loss(_Loss):
    """l1_loss(input, target): mean (or sum) of |input - target|."""

    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)
