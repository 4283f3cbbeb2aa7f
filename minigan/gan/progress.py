"""A one-line progress bar on stderr (no dependency): steps, percentage, speed, time left, and the
latest numbers. On a terminal it redraws one line; otherwise it prints a line every 10%."""

from __future__ import annotations

import sys
import time


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    def __init__(self, total: int, start: int = 0, stream=None, width: int = 24, label: str = "train"):
        self.total, self.done, self.start = total, start, start
        self.stream = stream or sys.stderr
        self.width, self.label = width, label
        self.began = time.perf_counter()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_tenth = -1

    def update(self, done: int, **numbers) -> None:
        self.done = done
        fraction = done / self.total if self.total else 1.0
        elapsed = time.perf_counter() - self.began
        rate = (done - self.start) / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 else 0.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "." * (self.width - filled)
        shown = "  ".join(f"{k} {v:.3f}" for k, v in numbers.items())
        line = (f"{self.label} [{bar}] {done}/{self.total} {100 * fraction:3.0f}%  "
                f"{rate:.1f} step/s  {_clock(elapsed)} elapsed, {_clock(left)} left  {shown}")
        if self.tty:
            self.stream.write("\r" + line)
        elif int(10 * fraction) != self._last_tenth or done == self.total:
            self._last_tenth = int(10 * fraction)
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
