"""nodejs_buildpack/package_manager.py: which package manager a project gets, at which
version, and the projects it refuses before anything is downloaded."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from nodejs_buildpack import package_json, package_manager

from funcpacks.errors import UserError

PINS = {"pnpm": "10.0.0", "yarn-classic": "1.22.0", "yarn-berry": "4.0.0"}
BERRY_LOCK = "__metadata:\n  version: 8\n"
CLASSIC_LOCK = "# yarn lockfile v1\n\n"


def choose(app: Path, files: dict[str, str]) -> package_manager.Choice:
    for name, text in files.items():
        (app / name).write_text(text)
    return package_manager.choose(app, package_json.read(app), PINS)


@pytest.mark.parametrize("files, name, version, lock, berry", [
    ({"package.json": "{}"}, "npm", "", "", False),
    ({"package.json": "{}", "package-lock.json": "{}", "yarn.lock": CLASSIC_LOCK}, "npm", "", "package-lock.json", False),
    ({"package.json": "{}", "pnpm-lock.yaml": ""}, "pnpm", "10.0.0", "pnpm-lock.yaml", False),
    ({"package.json": "{}", "yarn.lock": CLASSIC_LOCK}, "yarn", "1.22.0", "yarn.lock", False),
    ({"package.json": "{}", "yarn.lock": BERRY_LOCK}, "yarn", "4.0.0", "yarn.lock", True),
    ({"package.json": "{}", "yarn.lock": CLASSIC_LOCK, ".yarnrc.yml": "nodeLinker: pnp\n"}, "yarn", "4.0.0",
     "yarn.lock", True),
    # packageManager wins over the locks, and the version it names over the builder's
    ({"package.json": '{"packageManager": "pnpm@9.1.0"}', "package-lock.json": "{}"}, "pnpm", "9.1.0", "", False),
    ({"package.json": '{"packageManager": "yarn@3.6.4+sha224.abc"}', "yarn.lock": BERRY_LOCK}, "yarn", "3.6.4",
     "yarn.lock", True),
    ({"package.json": '{"packageManager": "yarn@1.22.19"}', "yarn.lock": CLASSIC_LOCK}, "yarn", "1.22.19",
     "yarn.lock", False),
    ({"package.json": '{"packageManager": "npm@10.0.0"}', "package-lock.json": "{}"}, "npm", "",
     "package-lock.json", False),
])
def test_the_project_says_which_manager(tmp_path, files, name, version, lock, berry):
    choice = choose(tmp_path, files)
    assert (choice.name, choice.version, choice.lock, choice.berry) == (name, version, lock, berry)
    assert choice.package == ("@yarnpkg/cli-dist" if berry else name)


def test_the_digest_of_package_manager_is_kept_for_the_download(tmp_path):
    choice = choose(tmp_path, {"package.json": json.dumps({"packageManager": "pnpm@9.1.0+sha512.0af3"})})
    assert (choice.algorithm, choice.digest) == ("sha512", "0af3")


@pytest.mark.parametrize("files, needles", [
    ({"package.json": '{"packageManager": "bun@1.1.0"}'}, ["asks for bun", "npm, pnpm or Yarn"]),
    ({"package.json": '{"packageManager": "pnpm@latest"}'}, ["cannot read package.json packageManager",
                                                            '"<npm|pnpm|yarn>@<exact version>"']),
    ({"package.json": '{"packageManager": "yarn@^4"}'}, ["cannot read package.json packageManager"]),
    ({"package.json": "{}", "bun.lockb": ""}, ["locked by bun (bun.lockb)", "commit a package-lock.json"]),
])
def test_what_this_builder_cannot_install_with_is_refused(tmp_path, files, needles):
    with pytest.raises(UserError) as err:
        choose(tmp_path, files)
    text = str(err.value) + err.value.fix + err.value.where
    for needle in needles:
        assert needle in text


def test_the_locks_not_used_are_named(tmp_path):
    choice = choose(tmp_path, {"package.json": "{}", "package-lock.json": "{}", "pnpm-lock.yaml": ""})
    assert package_manager.other_locks(tmp_path, choice) == ["pnpm-lock.yaml"]
