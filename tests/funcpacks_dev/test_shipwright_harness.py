"""Shipwright's and Tekton's own code, through the harness, on every Function CR and on
strategies that must be refused: what they accept, what they reject, and in whose words.
No Docker here (the fast tier): test_strategy.py runs what the harness resolves. Skipped,
with the reason in the summary, where `make harness` has not built the harness."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from funcpacks_dev import versions
from funcpacks_dev.generate import manifests, strategy
from funcpacks_dev.local_platform import strategy_runner

pytestmark = pytest.mark.skipif(
    not all((strategy_runner.HARNESS_DIR / b).is_file() for b in ("shp-openfunction", "shp-current", "tekton-current")),
    reason="the Shipwright harness is not built here: run 'make harness' (make test builds it)")

DATA = versions.load()
SHIPWRIGHTS = ["openfunction", "current"]
FUNCTIONS = sorted(manifests.OUT_DIR.glob("*.yaml"))


def write(doc: dict, path: Path) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def refusal(function: Path, shipwright: str, strategy_path: Path | None = None,
            params: dict[str, str] | None = None) -> str:
    with pytest.raises(strategy_runner.HarnessRefused) as exc:
        strategy_runner.resolve(function, shipwright, params=params, strategy=strategy_path)
    return str(exc.value)


@pytest.mark.parametrize("shipwright", SHIPWRIGHTS)
@pytest.mark.parametrize("function", FUNCTIONS, ids=[f.stem for f in FUNCTIONS])
def test_every_function_cr_is_accepted_and_resolved(function, shipwright):
    fn = yaml.safe_load(function.read_text())
    report = strategy_runner.resolve(function, shipwright)
    assert report["shipwright"] == f"v{DATA['shipwright'][shipwright]}"
    assert report["tekton"].startswith("v")
    steps = {s["name"]: s for s in report["resolvedTaskSpec"]["steps"]}
    assert list(steps) == [report["sourceStep"], "prepare", "create", "results"]
    create = steps["create"]
    assert create["image"] == fn["spec"]["build"]["builder"]
    env = {e["name"]: e.get("value", "") for e in create["env"]}
    assert env["SOURCE_CONTEXT"] == f"/workspace/source/{fn['spec']['build']['srcRepo']['sourceSubPath']}"
    assert env["OUTPUT_IMAGE"] == fn["spec"]["image"]
    # spec.build.env arrives as OpenFunction's ENV_VARS, in the prepare step
    prepare_env = {e["name"]: e.get("value", "") for e in steps["prepare"]["env"]}
    expected = "".join(f"{k}={v}#" for k, v in sorted((fn["spec"]["build"].get("env") or {}).items()))
    assert prepare_env["ENV_VARS"] == expected
    # the digest result path was substituted by Tekton
    assert "/tekton/results/shp-image-digest" in steps["results"]["args"][-1]
    # the git step writes into the volume Tekton made for the source workspace
    mounts = {m["name"]: m["mountPath"] for m in create["volumeMounts"]}
    assert mounts[report["sourceVolume"]] == "/workspace/source"
    assert {m["name"] for m in create["volumeMounts"]} <= {v["name"] for v in report["resolvedTaskSpec"]["volumes"]}


@pytest.mark.parametrize("shipwright", SHIPWRIGHTS)
def test_build_with_a_parameter_the_strategy_lacks(shipwright):
    message = refusal(manifests.OUT_DIR / "hello-world-python.yaml", shipwright, params={"NOT_A_PARAM": "1"})
    assert message.startswith("shipwright: ") and "UndefinedParameter" in message and "NOT_A_PARAM" in message


def test_v1beta1_strategy_defaults_the_builder_when_the_function_names_none(tmp_path):
    fn = yaml.safe_load((manifests.OUT_DIR / "hello-world-python.yaml").read_text())
    del fn["spec"]["build"]["builder"]
    report = strategy_runner.resolve(write(fn, tmp_path / "fn.yaml"), "current")
    create = next(s for s in report["resolvedTaskSpec"]["steps"] if s["name"] == "create")
    assert create["image"] == DATA["images"]["builder"]


def test_v1alpha1_needs_the_function_to_name_a_builder(tmp_path):
    fn = yaml.safe_load((manifests.OUT_DIR / "hello-world-python.yaml").read_text())
    del fn["spec"]["build"]["builder"]
    message = refusal(write(fn, tmp_path / "fn.yaml"), "openfunction")
    assert message.startswith("tekton: ") and "non-existent variable" in message and "BUILDER_IMAGE" in message


# The strategies as they were before they were checked by this code: each mistake is
# reported by the component that would have failed the build in a cluster.

def test_undeclared_volumes_fail_the_buildrun(tmp_path):
    doc = strategy.strategy("v1alpha1", DATA)
    del doc["spec"]["volumes"]
    message = refusal(manifests.OUT_DIR / "hello-world-go.yaml", "openfunction", write(doc, tmp_path / "s.yaml"))
    assert message.startswith("shipwright: ") and 'Volume for the Volume Mount "cache-dir" is not found' in message


def test_reserved_parameter_names_are_duplicates_for_tekton(tmp_path):
    doc = strategy.strategy("v1alpha1", DATA)
    doc["spec"]["parameters"] += [{"name": "BUILDER_IMAGE", "default": "x"}, {"name": "CONTEXT_DIR", "default": "."}]
    message = refusal(manifests.OUT_DIR / "hello-world-go.yaml", "openfunction", write(doc, tmp_path / "s.yaml"))
    assert message.startswith("tekton: ") and "parameter appears more than once" in message


def test_current_shipwright_passes_the_builder_as_builder_image(tmp_path):
    doc = strategy.strategy("v1beta1", DATA)
    doc["spec"]["parameters"] = [p for p in doc["spec"]["parameters"] if p["name"] != "builder-image"]
    message = refusal(manifests.OUT_DIR / "hello-world-go.yaml", "current", write(doc, tmp_path / "s.yaml"))
    assert message.startswith("shipwright: ") and "UndefinedParameter" in message and "builder-image" in message


def test_v1alpha1_strategy_on_current_shipwright_is_refused():
    """Shipwright converts the v1alpha1 file, but its builder image parameter is gone: use
    funcpacks-v1beta1.yaml there (what the README says)."""
    message = refusal(manifests.OUT_DIR / "hello-world-go.yaml", "current", strategy_runner.strategy_file("openfunction"))
    assert "builder-image" in message or "BUILDER_IMAGE" in message


def test_a_variable_no_parameter_declares_is_refused_by_tekton(tmp_path):
    for shipwright, api in (("openfunction", "v1alpha1"), ("current", "v1beta1")):
        doc = strategy.strategy(api, DATA)
        steps = doc["spec"]["steps" if api == "v1beta1" else "buildSteps"]
        steps[1]["args"][1] += "echo $(params.NOT_DECLARED)\n"
        message = refusal(manifests.OUT_DIR / "hello-world-go.yaml", shipwright, write(doc, tmp_path / f"{api}.yaml"))
        assert message.startswith("tekton: ") and "non-existent variable" in message and "NOT_DECLARED" in message


def test_harness_modules_pin_the_shipwright_versions_of_versions_toml():
    for name, version in DATA["shipwright"].items():
        go_mod = (versions.ROOT / "tools" / "shipwright-harness" / f"shp-{name}" / "go.mod").read_text()
        assert f"github.com/shipwright-io/build v{version}\n" in go_mod
