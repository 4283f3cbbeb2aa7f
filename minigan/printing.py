"""How a tensor prints: PyTorch's layout, so that ``print(x)`` shows what PyTorch would show.

    >>> mg.tensor([1.01, 2.0])
    tensor([1.0100, 2.0000])
    >>> mg.tensor([1, 2])                       # int64 and bool need no dtype= note
    tensor([1, 2])
    >>> mg.tensor([1e-5, 1.0])
    tensor([1.0000e-05, 1.0000e+00])

The rules, as PyTorch applies them (``mg.set_printoptions`` changes the numbers in brackets):

* One format for all elements of a float tensor, chosen from its finite non-zero values: if they
  are all whole numbers, "1." style; otherwise [precision = 4] digits after the point; scientific
  notation ("1.0000e-05") when the largest is over 1e8, the smallest under 1e-4, or the largest
  over 1000 times the smallest. Every element is right-aligned to the widest.
* More than [threshold = 1000] elements: only the first and last [edgeitems = 3] of each dimension
  are shown, with "..." between (the format is chosen from the shown elements only).
* Rows wrap at [linewidth = 80] characters; nested brackets are indented under the first one.
* Suffixes: ``dtype=torch.int32`` unless the dtype is the default float (or its complex partner),
  int64 or bool; ``device='cuda:0'`` on the GPU; ``grad_fn=<MulBackward0>`` for a tensor computed
  by a recorded op, else ``requires_grad=True`` where it applies. An empty tensor shows its size
  when it is not 1-D, and its dtype when it is not the default.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from minigan import backend

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
             "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
             "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}
OPTIONS = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None) -> None:
    """torch.set_printoptions: digits after the point, the element count above which a tensor is
    summarised, the items shown at each edge when it is, the line width, a profile ('default',
    'short', 'full') and sci_mode (True/False forces scientific notation on or off; None: chosen
    per tensor)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, "
                             f"got {profile!r}")
        OPTIONS.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            OPTIONS[name] = value
    OPTIONS["sci_mode"] = sci_mode  # as in PyTorch: leaving it out resets it to automatic


def get_printoptions() -> dict:
    return dict(OPTIONS)


@contextlib.contextmanager
def printoptions(**options):
    """``with mg.printoptions(precision=2): print(x)``: options for the block only."""
    saved = get_printoptions()
    set_printoptions(**options)
    try:
        yield
    finally:
        OPTIONS.update(saved)


# ----------------------------------------------------------------------------- one element


class _Formatter:
    """The format of every element of one tensor, chosen from `values` (the elements shown)."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        precision = OPTIONS["precision"]
        if not self.floating:
            self.width = max([len(str(v)) for v in values.tolist()] + [1])
            return
        shown = values[np.isfinite(values) & (values != 0)].astype(np.float64)
        if shown.size == 0:
            return
        magnitudes = np.abs(shown)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool((shown == np.ceil(shown)).all())
        if OPTIONS["sci_mode"] is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = bool(OPTIONS["sci_mode"])
        if self.sci_mode:
            texts = [f"{v:.{precision}e}" for v in shown.tolist()]
        elif self.int_mode:
            texts = [f"{v:.0f}." for v in shown.tolist()]
        else:
            texts = [f"{v:.{precision}f}" for v in shown.tolist()]
        self.width = max(len(t) for t in texts)

    def format(self, value) -> str:
        precision = OPTIONS["precision"]
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{precision}f}"
        return " " * (self.width - len(text)) + text


# ----------------------------------------------------------------------------- the nested brackets


def _summarised(array: np.ndarray, edge: int) -> np.ndarray:
    """The elements that a summarised print shows (those the format is chosen from), flattened."""
    if array.ndim == 0:
        return array.reshape(1)
    rows = range(array.shape[0])
    if array.shape[0] > 2 * edge:
        rows = list(range(edge)) + list(range(array.shape[0] - edge, array.shape[0]))
    if array.ndim == 1:
        return array[list(rows)]
    parts = [_summarised(array[i], edge) for i in rows]
    return np.concatenate(parts) if parts else array.reshape(-1)[:0]


def _body(array: np.ndarray, indent: int, summarise: bool, formatter: _Formatter) -> str:
    edge = OPTIONS["edgeitems"]
    if array.ndim == 0:
        return formatter.format(array.item())
    cut = summarise and array.shape[0] > 2 * edge
    if array.ndim == 1:
        values = array.tolist()
        items = ([formatter.format(v) for v in values[:edge]] + [" ..."]
                 + [formatter.format(v) for v in values[-edge:]]) if cut else \
            [formatter.format(v) for v in values]
        per_line = max(1, math.floor((OPTIONS["linewidth"] - indent) / (formatter.width + 2)))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    rows = (list(range(edge)) + [None] + list(range(array.shape[0] - edge, array.shape[0]))) \
        if cut else range(array.shape[0])
    parts = ["..." if i is None else _body(array[i], indent + 1, summarise, formatter)
             for i in rows]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _with_suffixes(text: str, suffixes: list, indent: int) -> str:
    """Append ", suffix" for each suffix, starting a new line when the line would pass linewidth."""
    pieces = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > OPTIONS["linewidth"]:
            pieces.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(pieces) + ")"


def tensor_repr(tensor) -> str:
    """What ``repr(tensor)`` and ``print(tensor)`` show (the module docstring gives the rules)."""
    prefix = "tensor("
    indent = len(prefix)
    array = backend.to_backend(tensor.array, "numpy")
    kind = array.dtype
    default = backend.get_default_dtype()
    default_complex = np.dtype(np.complex128 if default == np.float64 else np.complex64)
    suffixes = ["device='cuda:0'"] if tensor.backend == "cupy" else []
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if kind != default:
            suffixes.append(f"dtype={tensor.dtype}")
        body = "[]"
    else:
        if kind not in (default, default_complex, np.dtype(np.int64), np.dtype(np.bool_)):
            suffixes.append(f"dtype={tensor.dtype}")
        summarise = array.size > OPTIONS["threshold"]
        shown = _summarised(array, OPTIONS["edgeitems"]) if summarise else array.reshape(-1)
        if kind.kind == "c":  # complex: each element as Python prints it
            shown = np.array([str(v) for v in shown.tolist()])
        body = _body(array, indent, summarise, _Formatter(shown))
    if tensor.grad_fn is not None:
        suffixes.append(f"grad_fn=<{tensor.grad_fn.name}>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)
