import uuid

import pytest

from funcpacks_dev import funcbuild, versions
from funcpacks_dev.images import publish, registry
from helpers import publish_to, remove_image

DATA = versions.load()
TAG = publish.default_tag(DATA)


def pytest_collection_modifyitems(items):
    # Everything in this directory goes through pack, the lifecycle and Docker.
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def registries(tmp_path_factory):
    """The registry to publish to, and a second one that gets the same images as a mirror."""
    dirs = [tmp_path_factory.mktemp("publish-registry"), tmp_path_factory.mktemp("mirror-registry")]
    addresses = [registry.start(d, f"127.0.0.1:{funcbuild.free_port()}") for d in dirs]
    ns = f"team-{uuid.uuid4().hex[:6]}"
    yield [f"{a}/{ns}" for a in addresses]
    for reg in addresses:
        for ref in publish.registry_refs(f"{reg}/{ns}", TAG, DATA).values():
            remove_image(ref)
    for d in dirs:
        registry.stop(d)


@pytest.fixture(scope="session")
def published(registries):
    """`make publish` once for the session: the builders and stacks as a cluster pulls them
    (the publish tests and the tests of other platforms' strategies share it)."""
    reg, mirror = registries
    proc = publish_to(reg, mirror)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return reg, proc.stdout
