"""OpenFunction Function CRs (core.openfunction.io/v1beta2) for the samples, generated
from versions.toml so the builder image is never written by hand.

    python3 -m funcpacks_dev.generate.manifests write    # (re)write deploy/openfunction/*.yaml
    python3 -m funcpacks_dev.generate.manifests check    # exit 1 if a committed file differs
"""
from __future__ import annotations

import sys
from pathlib import Path

from funcpacks_dev import templating, versions
from funcpacks_dev.generate import generated_files, strategy

OUT_DIR = versions.ROOT / "deploy" / "openfunction"

# sample directory -> the build env its users write (gcp-builder or OpenFunction spelling)
FUNCTIONS: dict[str, dict[str, str]] = {
    "hello-world-go": {"FUNC_NAME": "HelloWorld", "FUNC_CLEAR_SOURCE": "true"},
    # The Go buildpack tells the signature from the function; a signature type is checked.
    "go-google-function": {"GOOGLE_FUNCTION_TARGET": "Hello"},
    "go-two-handlers": {"FUNC_NAME": "Greet", "FUNC_CLEAR_SOURCE": "true"},
    "go-app": {},
    # Written for gcp-builder: no go.mod, a background function, vendor/, cgo.
    "go-no-gomod": {"GOOGLE_FUNCTION_TARGET": "Hello"},
    "go-background-event": {"GOOGLE_FUNCTION_TARGET": "OnFinalize", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "event"},
    "go-vendored": {"GOOGLE_FUNCTION_TARGET": "Greet"},
    "go-cgo": {"GOOGLE_FUNCTION_TARGET": "Query", "CGO_ENABLED": "1"},
    "hello-world-python": {"GOOGLE_FUNCTION_TARGET": "hello_world", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "http"},
    "python-no-requirements": {"FUNC_NAME": "hello", "FUNC_TYPE": "http"},
    "python-cloudevent": {"FUNC_NAME": "on_event", "FUNC_TYPE": "cloudevent"},
    "python-procfile-app": {},
    # uv.lock installed exactly; PEP 621 dependencies without a lock.
    "python-uv": {"GOOGLE_FUNCTION_TARGET": "hello"},
    "python-pep621": {"FUNC_NAME": "hello"},
    "python-poetry": {"GOOGLE_FUNCTION_TARGET": "hello"},
    # OpenFunction's .NET walkthrough: exactly its build env.
    "hello-world-dotnet": {"GOOGLE_FUNCTION_TARGET": "helloworld", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "http"},
    "dotnet-minimal": {},
    "dotnet-cloudevents": {},
    # OpenFunction's hello-world-node: exactly its build env (no package.json).
    "hello-world-node": {"FUNC_NAME": "helloWorld", "FUNC_TYPE": "http"},
    "node-esm": {"GOOGLE_FUNCTION_TARGET": "hello"},
    "node-lock": {"GOOGLE_FUNCTION_TARGET": "hello"},
    "node-pnpm": {"GOOGLE_FUNCTION_TARGET": "hello"},
    "node-yarn": {"GOOGLE_FUNCTION_TARGET": "hello"},
    "node-yarn-berry": {"GOOGLE_FUNCTION_TARGET": "hello"},
    "node-vendored-native": {"FUNC_NAME": "hi", "GOOGLE_VENDOR_NPM_DEPENDENCIES": "true"},
    "node-cloudevent": {"FUNC_NAME": "onEvent", "FUNC_TYPE": "cloudevent"},
    "node-app": {},
    # Knative Functions' templates and a function with every hook: func.yaml and the shape
    # say what they are, so the build env names nothing.
    "knative-go-http": {},
    "knative-go-cloudevents": {},
    "knative-go-hooks": {},
    "knative-python-http": {},
    "knative-python-cloudevents": {},
}


# Samples built with another builder than the general one ([images] key): each language's
# own. go-cgo links glibc, so it stays on the general builder; the .NET samples run on
# run-dotnet's runtime.
BUILDERS = {name: "builder-go" for name in ("hello-world-go", "go-google-function", "go-two-handlers", "go-app",
                                            "go-no-gomod", "go-background-event", "go-vendored",
                                            "knative-go-http", "knative-go-cloudevents", "knative-go-hooks")}
BUILDERS |= {name: "builder-dotnet" for name in ("hello-world-dotnet", "dotnet-minimal", "dotnet-cloudevents")}
BUILDERS |= {name: "builder-python" for name in ("hello-world-python", "python-no-requirements", "python-cloudevent",
                                                 "python-procfile-app", "python-uv", "python-pep621", "python-poetry",
                                                 "knative-python-http", "knative-python-cloudevents")}
BUILDERS |= {name: "builder-node" for name in ("hello-world-node", "node-esm", "node-lock", "node-cloudevent",
                                               "node-app", "node-pnpm", "node-yarn", "node-yarn-berry",
                                               "node-vendored-native")}


def render(sample: str, env: dict[str, str], data: dict, strategy_name: str = strategy.NAME,
           image: str | None = None) -> str:
    # Values are written as JSON strings (the template's q filter): a JSON string is a
    # valid double-quoted YAML scalar, so '#', ':' or quotes in a value stay intact.
    return templating.render("function.yaml.j2", sample=sample, env=env, strategy_name=strategy_name,
                             image=image or f"registry.example.com/functions/{sample}:latest",
                             builder=data["images"][BUILDERS.get(sample, "builder")],
                             run_user_id=data["stack"]["run-user-id"], group_id=data["stack"]["group-id"])


def expected(data: dict | None = None) -> dict[Path, str]:
    data = data or versions.load()
    return {OUT_DIR / f"{sample}.yaml": render(sample, env, data) for sample, env in FUNCTIONS.items()}


def main(argv: list[str]) -> int:
    return generated_files.main(argv, expected(), "funcpacks_dev.generate.manifests", __doc__ or "")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
