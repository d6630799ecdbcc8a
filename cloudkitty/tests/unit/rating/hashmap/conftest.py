import pytest


@pytest.fixture(autouse=True)
def _both_loops(pricing_loop):
    """Every hashmap unit test runs on both pricing loops."""
    return pricing_loop
