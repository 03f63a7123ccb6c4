import pytest


def pytest_collection_modifyitems(items):
    # Everything in this directory goes through pack, the lifecycle and Docker.
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.slow)
