"""Shared test setup: hypothesis profiles, the torch oracle, seeds."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import minigan as mg

# CI: enough examples to find real bugs in a bounded time. dev: quick local runs.
# Choose with HYPOTHESIS_PROFILE=ci|dev|thorough; CI=true selects "ci".
settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _seed_and_backend():
    """Every test starts on NumPy, float32 default, seed 0; backend state a test changed (a fake
    GPU's "CUDA is available" memo among it) does not leak into the next test."""
    from minigan import backend

    saved_state = dict(backend._state)
    mg.set_backend("numpy")
    mg.set_default_dtype(np.float32)
    mg.manual_seed(0)
    yield
    backend._state.clear()
    backend._state.update(saved_state)
    mg.set_backend("numpy")
    mg.set_default_dtype(np.float32)
