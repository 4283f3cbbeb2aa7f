"""The Trainer's progress bar: tqdm's, with the latest numbers after it; a plain fallback without tqdm."""

import io

import pytest

from minigan.gan import progress


def test_the_bar_shows_steps_and_numbers():
    pytest.importorskip("tqdm")
    stream = io.StringIO()
    bar = progress.Progress(10, start=2, stream=stream)
    bar.update(5, d_loss=0.5, g_loss=1.25)
    bar.close()
    text = stream.getvalue()
    assert "5/10" in text and "d_loss=0.500" in text and "g_loss=1.250" in text
    assert bar.done == 5


def test_without_tqdm_a_line_every_tenth(monkeypatch):
    monkeypatch.setattr(progress, "tqdm", None)
    stream = io.StringIO()
    bar = progress.Progress(20, stream=stream)
    for step in range(1, 21):
        bar.update(step, d_loss=0.25)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1] == "20/20  d_loss 0.250"
