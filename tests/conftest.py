"""Hypothesis profiles: "ci" (the default: derandomized, so every run is the same), "dev" and "deep".

Choose one with `pytest --hypothesis-profile=deep`.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import autograd_mini as am

_quiet = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci", max_examples=25, derandomize=True, deadline=None, suppress_health_check=_quiet
)
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=_quiet)
settings.register_profile("deep", max_examples=2000, deadline=None, suppress_health_check=_quiet)
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _float32_default_and_loud_numpy():
    """Each test starts from the library defaults, and NumPy warnings fail it."""
    am.set_default_dtype(np.float32)
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        yield
    am.set_default_dtype(np.float32)
