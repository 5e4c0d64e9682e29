"""Suite-wide settings.

BLAS runs on one thread in tests: the networks here are small, so threads only add contention
(on a loaded 2-core machine a digits fit ran 25× slower with multithreaded BLAS), and one
thread keeps timings of the suite predictable.
"""
import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def single_threaded_blas():
    with threadpool_limits(limits=1, user_api="blas"):
        yield
