"""Settings are resolved once per build, by each buildpack's Config (and the library's
LaunchSettings it includes): a disagreement between two spellings is reported exactly
once, and nothing else reads a setting from the environment."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The Config modules, and the resolvers only they call (each named in its Config's resolve()).
READERS = {"funcpacks/settings.py", "funcpacks/launch_settings.py", "funcpacks/labels.py", "funcpacks/download.py",
           "buildpacks/go/go_buildpack/config.py", "buildpacks/go/go_buildpack/proxy.py",
           "buildpacks/dotnet/dotnet_buildpack/config.py", "buildpacks/dotnet/dotnet_buildpack/feed.py",
           "buildpacks/python/python_buildpack/config.py", "buildpacks/python/python_buildpack/vendor.py",
           "buildpacks/nodejs/nodejs_buildpack/config.py",
           "buildpacks/ca-certificates/ca_certificates_buildpack/config.py"}
_READ = re.compile(r"settings\.(lookup|value|words|first_of|version_request|runtime_version_hint|runtime_forbids)\(")


def test_only_the_config_modules_read_settings():
    found = {str(p.relative_to(ROOT)) for p in [*ROOT.glob("funcpacks/*.py"), *ROOT.glob("buildpacks/*/*/*.py")]
             if _READ.search(p.read_text())}
    assert found - READERS == set(), "read settings through the buildpack's Config"
    for module in ("launch_settings", "labels", "download"):  # called from the Config modules only
        callers = {str(p.relative_to(ROOT)) for p in [*ROOT.glob("funcpacks/*.py"), *ROOT.glob("buildpacks/*/*/*.py")]
                   if re.search(rf"\b{module}\.(resolve|from_env|Mirrors)\b", p.read_text())}
        assert callers <= READERS, (module, callers - READERS)


@pytest.mark.parametrize("language", ["python", "go", "nodejs"])
def test_a_conflicting_spelling_warns_exactly_once(language, lifecycle, packaged, packaged_with_bundles):
    env = {"GOOGLE_ENTRYPOINT": "./serve --port $PORT", "FUNC_ENTRYPOINT": "./other", "BP_IMAGE_LABELS": "team=x"}
    if language == "python":
        files = {"app.py": "print('x')\n", "serve": "#!/bin/sh\nexec python3 app.py\n"}
        bp, env = packaged["python"], {**env, "PIP_NO_INDEX": "1"}
    elif language == "nodejs":
        files = {"package.json": "{}", "serve": "#!/bin/sh\nexit 0\n"}
        bp = packaged_with_bundles["nodejs"]
    else:
        files = {"go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n",
                 "serve": "#!/bin/sh\nexit 0\n"}
        bp = packaged_with_bundles["go"]
        env = {**env, "GOPROXY": "off", "GOOGLE_CLEAR_SOURCE": "false", "FUNC_CLEAR_SOURCE": "true",
               "BP_KEEP_FILES": "serve"}
    for name, text in files.items():
        (lifecycle.app / name).write_text(text)
    (lifecycle.app / "serve").chmod(0o755)
    res = lifecycle.build(bp, env)
    assert res.code == 0, res.output
    warned = "GOOGLE_ENTRYPOINT='./serve --port $PORT' and FUNC_ENTRYPOINT='./other' are both set; using GOOGLE_ENTRYPOINT"
    assert res.output.count(warned) == 1, res.output
    assert res.output.count("image labels: team (from BP_IMAGE_LABELS)") == 1
    if language == "go":
        assert res.output.count("GOOGLE_CLEAR_SOURCE='false' and FUNC_CLEAR_SOURCE='true' are both set") == 1
