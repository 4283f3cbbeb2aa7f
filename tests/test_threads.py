"""mg.set_num_threads / mg.get_num_threads, and the conv passes that split over those threads."""

import numpy as np
import pytest

import minigan as mg
from minigan.ops import conv


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


@pytest.mark.parametrize("op", ["im2col", "col2im", "phase"])
def test_conv_passes_give_the_same_numbers_on_one_and_two_threads(op, restore_threads):
    """Large enough (>= 2**18 elements) for the channel-block split of ops/conv.py section 4 (d)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 32, 14, 14))
    cols = rng.standard_normal((32 * 16, 16 * 49))
    weight = rng.standard_normal((32, 16, 4, 4))
    run = {"im2col": lambda: conv.im2col(x, 4, 2, 1, 1),
           "col2im": lambda: conv.col2im(cols, (16, 32, 14, 14), 4, 2, 1, 1),
           "phase": lambda: conv._transposed_product_by_phase(x, weight, (2, 2), (1, 1), (1, 1), (28, 28))}[op]
    mg.set_num_threads(1)
    one = run()
    mg.set_num_threads(2)
    two = run()
    assert max(x.size, cols.size) >= conv._THREADED_MIN_SIZE
    np.testing.assert_array_equal(one, two)
