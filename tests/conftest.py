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
    """Every test starts on NumPy, float32 default, seed 0."""
    mg.set_backend("numpy")
    mg.set_default_dtype(np.float32)
    mg.manual_seed(0)
    yield
    mg.set_backend("numpy")
    mg.set_default_dtype(np.float32)
