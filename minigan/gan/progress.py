"""The training progress bar: tqdm's, which draws itself in a terminal and as a widget in Jupyter
(`tqdm.auto` picks the right one).

    bar = Progress(total=1000)            # steps 0..1000
    bar.update(step, d_loss=0.69, g_loss=0.71)
    bar.close()

tqdm is one of minigan's dependencies; if it is missing anyway, a plain line is printed every 10%.
"""

from __future__ import annotations

import sys

try:
    from tqdm.auto import tqdm
except ImportError:  # pragma: no cover - tqdm is a dependency
    tqdm = None


class Progress:
    """A bar from `start` to `total` steps; `update(done, **numbers)` moves it to `done` and shows
    the latest numbers after it."""

    def __init__(self, total: int, start: int = 0, label: str = "train", stream=None):
        self.total, self.done = total, start
        self.stream = stream if stream is not None else sys.stderr
        self._bar = None
        self._last_tenth = -1
        if tqdm is not None:
            self._bar = tqdm(total=total, initial=start, desc=label, unit="step", file=self.stream,
                             dynamic_ncols=True)

    def update(self, done: int, **numbers) -> None:
        shown = {k: f"{v:.3f}" for k, v in numbers.items()}
        if self._bar is not None:
            self._bar.set_postfix(shown, refresh=False)
            self._bar.update(done - self.done)
        else:
            tenth = int(10 * done / self.total) if self.total else 10
            if tenth != self._last_tenth or done == self.total:
                self._last_tenth = tenth
                numbers_text = "  ".join(f"{k} {v}" for k, v in shown.items())
                self.stream.write(f"{done}/{self.total}  {numbers_text}\n")
                self.stream.flush()
        self.done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
