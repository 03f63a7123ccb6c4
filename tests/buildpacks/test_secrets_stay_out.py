"""Secrets never in a log, a layer, the image config or an SBOM: known strings in every
kind of binding the buildpacks read (netrc, git-credentials, nugetconfig, a key among CA
certificates) and in the settings that carry credentials (a module proxy, a package index),
through builds that fail at each stage (a bad setting, a download, a compile, the function
check) and one that succeeds, run with bin/build as the lifecycle runs it."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

SECRETS = {
    "netrc": "netrc-Pa55-7f3a",
    "git": "gitcred-Pa55-91bd",
    "proxy": "proxy-Pa55-c0de",
    "index": "index-Pa55-5eed",
    "nuget": "nuget-Pa55-b00c",
    "key": "PRIVATEKEYMATERIAL0a1b2c",
}
CLOSED = "127.0.0.1:9"  # nothing listens: every download fails at once


def bindings_root(tmp: Path) -> Path:
    root = tmp / "bindings"
    entries = {
        "netrc": ("netrc", {".netrc": f"machine example.com login builder password {SECRETS['netrc']}\n"}),
        "git": ("git-credentials", {"credentials": f"protocol=https\nhost=example.com\nusername=builder\n"
                                                   f"password={SECRETS['git']}\n"}),
        "nuget": ("nugetconfig", {"nuget.config": (
            "<configuration><packageSources><clear /><add key='private' value='https://127.0.0.1:9/v3/index.json' />"
            "</packageSources><packageSourceCredentials><private><add key='Username' value='builder' />"
            f"<add key='ClearTextPassword' value='{SECRETS['nuget']}' /></private></packageSourceCredentials>"
            "</configuration>")}),
    }
    for name, (kind, files) in entries.items():
        (root / name).mkdir(parents=True)
        (root / name / "type").write_text(kind)
        for file, text in files.items():
            (root / name / file).write_text(text)
    return root


def ca_binding_with_a_key(root: Path, tmp: Path) -> None:
    """A ca-certificates binding that also holds a private key (a mistake users make)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp / "k.pem"),
                    "-out", str(tmp / "c.pem"), "-days", "1", "-subj", "/CN=funcpacks secret test"],
                   check=True, capture_output=True, timeout=60)
    (root / "ca").mkdir()
    (root / "ca" / "type").write_text("ca-certificates")
    (root / "ca" / "corp.crt").write_text((tmp / "c.pem").read_text())
    key = (tmp / "k.pem").read_text().replace("-----END PRIVATE KEY-----",
                                              f"{SECRETS['key']}\n-----END PRIVATE KEY-----")
    (root / "ca" / "corp.key").write_text(key)


def assert_nowhere(res, layers: Path) -> None:
    for name, secret in SECRETS.items():
        assert secret not in res.output, f"the {name} secret is in the build log:\n{res.output[-3000:]}"
        for path in (p for p in layers.rglob("*") if p.is_file() and not p.is_symlink()):
            assert secret.encode() not in path.read_bytes(), f"the {name} secret is in {path}"


GO_CASES = {
    "bad setting": ({"main.go": "package main\n\nfunc main() {}\n"}, {"GOOGLE_GO_VERSION": "not-a-version"}, 1),
    "download": ({"main.go": 'package main\n\nimport _ "example.com/private/lib"\n\nfunc main() {}\n',
                  "go.mod": "module example.com/app\n\ngo 1.22\n\nrequire example.com/private v1.0.0\n"}, {}, 1),
    "compile": ({"main.go": "package main\n\nfunc main() { undefined() }\n"}, {}, 1),
    "success": ({"main.go": "package main\n\nfunc main() {}\n"}, {}, 0),
}


@pytest.mark.parametrize("stage", GO_CASES)
def test_go_builds_keep_the_secrets_out(stage, lifecycle, packaged_with_bundles, tmp_path):
    files, env, code = GO_CASES[stage]
    for name, text in {"go.mod": "module example.com/app\n\ngo 1.22\n", **files}.items():
        (lifecycle.app / name).write_text(text)
    root = bindings_root(tmp_path)
    bp = packaged_with_bundles["go"]
    res = lifecycle.build(bp, {"SERVICE_BINDING_ROOT": str(root), "GOPRIVATE": "example.com",
                               "GOPROXY": f"https://builder:{SECRETS['proxy']}@{CLOSED}", **env})
    assert res.code == code, res.output[-3000:]
    assert_nowhere(res, lifecycle.layers(bp))


PYTHON_CASES = {
    "download": ({"main.py": "def hello(request):\n    return 'hi'\n", "requirements.txt": "private-package==1.0\n"},
                 {"FUNC_NAME": "hello"}),
    "function check": ({"main.py": "def hello(request):\n    return 'hi'\n"}, {"FUNC_NAME": "missing"}),
}


@pytest.mark.parametrize("stage", PYTHON_CASES)
def test_python_builds_keep_the_secrets_out(stage, lifecycle, packaged, tmp_path):
    files, env = PYTHON_CASES[stage]
    for name, text in files.items():
        (lifecycle.app / name).write_text(text)
    root = bindings_root(tmp_path)
    bp = packaged["python"]
    res = lifecycle.build(bp, {"SERVICE_BINDING_ROOT": str(root), "PIP_RETRIES": "0",
                               "PIP_INDEX_URL": f"http://builder:{SECRETS['index']}@{CLOSED}/simple",
                               "UV_INDEX_URL": f"http://builder:{SECRETS['index']}@{CLOSED}/simple", **env})
    assert res.code == 1, res.output[-3000:]
    assert_nowhere(res, lifecycle.layers(bp))


@pytest.mark.parametrize("project", [
    "<Project Sdk='Microsoft.NET.Sdk.Web'><PropertyGroup><TargetFramework>net48</TargetFramework></PropertyGroup>"
    "</Project>",
    "<Project Sdk='Microsoft.NET.Sdk.Web'><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>"
    "<ItemGroup><PackageReference Include='Private.Package' Version='1.0.0' /></ItemGroup></Project>",
], ids=["sdk choice", "restore"])
def test_dotnet_builds_keep_the_secrets_out(project, lifecycle, packaged_with_bundles, tmp_path):
    (lifecycle.app / "App.csproj").write_text(project)
    (lifecycle.app / "Program.cs").write_text("System.Console.WriteLine(1);\n")
    root = bindings_root(tmp_path)
    bp = packaged_with_bundles["dotnet"]
    res = lifecycle.build(bp, {"SERVICE_BINDING_ROOT": str(root), "FUNC_DOTNET_FEED": f"http://{CLOSED}/dotnet"})
    assert res.code == 1, res.output[-3000:]
    assert_nowhere(res, lifecycle.layers(bp))


def test_a_private_key_among_ca_certificates_is_refused_without_showing_it(lifecycle, packaged, tmp_path):
    root = tmp_path / "bindings"
    root.mkdir()
    ca_binding_with_a_key(root, tmp_path)
    bp = packaged["ca-certificates"]
    res = lifecycle.build(bp, {"SERVICE_BINDING_ROOT": str(root)})
    assert res.code == 1 and "binding entry holds no PEM certificate" in res.err, res.output
    assert "corp.key" in res.err and "PRIVATE KEY" not in res.output
    assert_nowhere(res, lifecycle.layers(bp))


NPMRC_SECRET = "npmrc-Pa55-4e0d"


@pytest.mark.slow  # pnpm and Yarn come from the npm registry
@pytest.mark.parametrize("manager", ["", "pnpm@10.34.9", "yarn@1.22.22"])
def test_node_builds_use_the_npmrc_binding_and_keep_its_token_out(manager, lifecycle, packaged_with_bundles,
                                                                   tmp_path):
    """The binding's .npmrc sends a scope to a registry that is down, with a token: the
    manager that installs (npm, pnpm, Yarn 1) asks that registry, and the token is nowhere."""
    root = tmp_path / "bindings"
    (root / "npm").mkdir(parents=True)
    (root / "npm" / "type").write_text("npmrc")
    (root / "npm" / ".npmrc").write_text(f"@funcpacks-private:registry=http://{CLOSED}/\n"
                                         f"//{CLOSED}/:_authToken={NPMRC_SECRET}\n")
    pkg = {"dependencies": {"@funcpacks-private/greet": "1.0.0"}, **({"packageManager": manager} if manager else {})}
    (lifecycle.app / "package.json").write_text(json.dumps(pkg))
    (lifecycle.app / "index.js").write_text("exports.hi = (req, res) => res.send('hi');\n")
    bp = packaged_with_bundles["nodejs"]
    # no retries: the registry is down, and npm would back off for a minute
    res = lifecycle.build(bp, {"SERVICE_BINDING_ROOT": str(root), "FUNC_NAME": "hi", "NPM_CONFIG_FETCH_RETRIES": "0"})
    assert res.code == 1, res.output[-3000:]
    assert CLOSED in res.err, res.output[-3000:]
    assert NPMRC_SECRET not in res.output
    for path in (p for p in lifecycle.layers(bp).rglob("*") if p.is_file() and not p.is_symlink()):
        assert NPMRC_SECRET.encode() not in path.read_bytes(), path
