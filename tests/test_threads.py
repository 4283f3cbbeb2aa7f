"""mg.set_num_threads / mg.get_num_threads (BLAS threads through threadpoolctl)."""

import pytest

import minigan as mg


@pytest.fixture
def restore_threads():
    before = mg.get_num_threads()
    yield
    mg.set_num_threads(before)


def test_set_num_threads_sets_blas_and_minigan(restore_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    mg.set_num_threads(1)
    assert mg.get_num_threads() == 1
    blas = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    assert blas and set(blas) == {1}
    mg.set_num_threads(2)
    assert mg.get_num_threads() == 2


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_num_threads_rejects_what_is_not_a_positive_int(bad):
    with pytest.raises(ValueError, match=f"set_num_threads expects a positive integer, got {bad!r}"):
        mg.set_num_threads(bad)


# ----------------------------------------------------------------------------- CPU memory
# minigan/backend.py's "CPU memory" section: at import, glibc is asked to keep freed arrays for
# reuse. Counted in a fresh process: the minor page faults of 20 rounds of allocating eight 3 MiB
# arrays and freeing them (768 pages an array when every array starts as fresh pages; glibc's
# default gives the 24 MiB back to the kernel at the end of each round).

FAULTS = """
import resource, sys
import minigan, numpy as np
from minigan import backend
[np.ones(3 << 18, np.float32) for _ in range(8)]  # 3 MiB each, freed at once
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    [np.ones(3 << 18, np.float32) for _ in range(8)]
print(backend._state["keeps_freed_memory"], resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(keep: str):
    import os
    import subprocess
    import sys

    env = dict(os.environ, MINIGAN_KEEP_FREED_MEMORY=keep)
    out = subprocess.run([sys.executable, "-c", FAULTS], env=env, check=True, capture_output=True,
                         text=True).stdout.split()
    return out[0] == "True", int(out[1])


@pytest.mark.skipif(__import__("platform").libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_importing_minigan_keeps_freed_arrays_for_reuse_and_the_environment_can_say_no():
    kept, faults = _faults("1")
    assert kept is True
    assert faults < 100, faults  # the same pages every round
    kept, faults = _faults("0")
    assert kept is False
    assert faults > 19 * 8 * 700, faults  # glibc's default: (nearly) every array faults in anew


def test_importing_minigan_first_lets_idle_blas_threads_sleep_unless_the_environment_says_otherwise():
    """minigan/__init__.py sets OPENBLAS_THREAD_TIMEOUT=22 before NumPy loads OpenBLAS (the note in
    minigan/backend.py, "CPU threads"), and keeps a value the user set."""
    import os
    import subprocess
    import sys

    code = "import minigan, os; print(os.environ['OPENBLAS_THREAD_TIMEOUT'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    for preset, expected in ((None, "22"), ("25", "25")):
        if preset is not None:
            env["OPENBLAS_THREAD_TIMEOUT"] = preset
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                             text=True).stdout.strip()
        assert out == expected
