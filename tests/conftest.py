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


# ----------------------------------------------------------------------------- the tiers
# pytest -m "not slow" is the edit-test loop (README "Tests"). Whole files are slow when they run
# lessons, whole programs, the exercises' meta-tests, the website, torchrun or the CUDA harness;
# single slow tests carry @pytest.mark.slow themselves. The CUDA harness (kernels checked without a GPU: NVRTC, the CPU
# emulator, the GPU check's dry run) is also grouped as gpu_harness.
SLOW_FILES = {"test_lessons.py", "test_pytorch_programs.py", "test_exercises.py",
              "test_cuda_kernels.py", "test_cuda_nvrtc.py", "test_gpu_check.py", "test_site.py",
              "test_ddp.py", "test_pytorch_gan_collection.py", "test_image_to_image_programs.py",
              "test_pytorch_karras_programs.py"}
GPU_HARNESS_FILES = {"test_cuda_cpu.py", "test_cuda_kernels.py", "test_cuda_nvrtc.py",
                     "test_gpu_check.py"}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
        if item.path.name in GPU_HARNESS_FILES:
            item.add_marker(pytest.mark.gpu_harness)
