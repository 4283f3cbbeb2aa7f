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
