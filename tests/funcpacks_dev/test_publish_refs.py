"""funcpacks_dev/images/publish.py without a registry: what REGISTRY may be, the names images get there,
the builder.toml it makes, and how a registry's refusal is told."""
from __future__ import annotations

import tomllib

import pytest

from funcpacks_dev import versions
from funcpacks_dev.generate import builder_toml
from funcpacks_dev.images import builder, flavors, publish

DATA = versions.load()
TAG = publish.default_tag(DATA)


@pytest.mark.parametrize("registry", ["registry.example.com/funcpacks", "127.0.0.1:5000/team/fn", "localhost/x",
                                      "registry.example.com:443", "reg.example.com/a.b/c-d_e/"])
def test_registry_forms_accepted(registry):
    assert publish.check_registry(registry) == registry.rstrip("/")


@pytest.mark.parametrize("registry", ["funcpacks", "funcpacks/builder", "Foo:5000/BAD", "127.0.0.1:5000/a//b",
                                      "not a registry", "127.0.0.1:5000/-x"])
def test_registry_forms_refused_with_the_rule(registry):
    with pytest.raises(publish.PublishError, match=r"is not <host>\[:port\]\[/<namespace>\].*e.g. REGISTRY="):
        publish.check_registry(registry)


def test_every_image_gets_its_name_under_the_registry():
    refs = publish.registry_refs("127.0.0.1:5000/team", "v1", DATA)
    assert refs == {key: f"127.0.0.1:5000/team/{DATA['images'][key].split('/')[-1].split(':')[0]}:v1"
                    for key in publish.STACK_KEYS + publish.MADE_KEYS + publish.BUILDER_KEYS}
    assert refs["builder-go"] == "127.0.0.1:5000/team/builder-go:v1"
    assert TAG == DATA["images"]["run"].rsplit(":", 1)[1]


def test_published_builder_toml_names_registry_images_and_mirrors(tmp_path):
    packaged = builder.package_buildpacks(tmp_path / "bps", DATA)
    doc = tomllib.loads(builder_toml.builder_toml(DATA, packaged, tmp_path, flavors.FLAVORS[1], build_image="r.io/ns/build:t",
                                             run_image="r.io/ns/run-static:t", run_mirrors=["m.io/ns/run-static:t"]))
    assert doc["build"]["image"] == doc["stack"]["build-image"] == "r.io/ns/build:t"
    assert doc["run"]["images"] == [{"image": "r.io/ns/run-static:t", "mirrors": ["m.io/ns/run-static:t"]}]
    assert doc["stack"]["run-image"] == "r.io/ns/run-static:t"
    assert doc["stack"]["run-image-mirrors"] == ["m.io/ns/run-static:t"]


@pytest.mark.parametrize("stderr, says", [
    ('time="x" level=fatal msg="pinging container registry r.io: Get \\"https://r.io/v2/\\": dial tcp: connect: '
     'connection refused"', "registry r.io is not reachable"),
    ('level=fatal msg="writing blob: initiating layer upload to /v2/ns/build/blobs/uploads/ in r.io: unauthorized: '
     'authentication required"', "refused the credentials: run 'docker login r.io'"),
    ('level=fatal msg="requested access to the resource is denied"', "refused to store r.io/ns/build:t"),
    ('level=fatal msg="pinging container registry r.io: Get \\"https://r.io/v2/\\": x509: certificate signed by '
     'unknown authority"', "give its CA with REGISTRY_CA"),
])
def test_refusals_name_the_image_the_registry_and_the_fix(stderr, says):
    message = publish.explain("r.io/ns/build:t", stderr)
    assert message.startswith("r.io/ns/build:t: ") and says in message
    assert "level=fatal" not in message  # skopeo's own words, without its log prefix
