"""The build users a packaged buildpack accepts: the stack's, never root (build_user.py)."""
from __future__ import annotations

import os

import pytest

from funcpacks import build_user
from funcpacks.errors import UserError
from funcpacks_dev import versions
from funcpacks_dev.images import builder

DATA = versions.load()
ST = DATA["stack"]
USERS = builder.build_users(DATA)


def test_the_descriptor_carries_the_stack_build_users_and_the_unit_tier_none(tmp_path):
    assert USERS == ((ST["build-user-id"], *ST["other-build-user-ids"]), ST["group-id"])
    assert ST["run-user-id"] not in USERS[0]
    strict = builder.package_buildpacks(tmp_path / "strict", DATA)["go"]
    assert f"BUILD_USERS = {USERS!r}" in (strict / "lib" / "descriptor.py").read_text()
    lax = builder.package_buildpacks(tmp_path / "lax", DATA, any_user=True)["go"]
    assert "BUILD_USERS = None" in (lax / "lib" / "descriptor.py").read_text()


@pytest.mark.parametrize("uid, gid", [(uid, USERS[1]) for uid in USERS[0]])
def test_every_build_user_of_the_stack_is_accepted(uid, gid, monkeypatch):
    monkeypatch.setattr(os, "getuid", lambda: uid)
    monkeypatch.setattr(os, "getgid", lambda: gid)
    build_user.check(*USERS)


@pytest.mark.parametrize("uid, gid, what", [
    (0, 0, "the lifecycle runs this build as root (uid 0, gid 0); funcpacks never builds as root"),
    (0, 1000, "as root (uid 0, gid 1000)"),
    (1001, 4242, "as uid 1001, gid 4242; this builder builds as 1001:1000 or 1000:1000 (uid:gid): files of group "
                 "4242 could not be read by the run image's user (group 1000)"),
    (4242, 1000, "as uid 4242, gid 1000; this builder builds as 1001:1000 or 1000:1000 (uid:gid)"),
    (1002, 1000, "as uid 1002, gid 1000"),  # the run user must not own what it runs
])
def test_other_users_are_refused_with_what_to_set(uid, gid, what, monkeypatch):
    monkeypatch.setattr(os, "getuid", lambda: uid)
    monkeypatch.setattr(os, "getgid", lambda: gid)
    with pytest.raises(UserError) as info:
        build_user.check(*USERS)
    assert what in info.value.what
    assert "set USER_ID and GROUP_ID" in info.value.fix and "1001:1000 or 1000:1000" in info.value.fix


@pytest.mark.skipif(os.geteuid() != 0, reason="the lifecycle's root case needs this test to run as root")
def test_detect_and_build_as_root_stop_before_the_buildpack_runs(tmp_path, lifecycle):
    """bin/detect and bin/build of a builder's buildpack, run as the lifecycle runs them, by
    root: exit 1 (an error, not 'does not apply'), the message, nothing written."""
    bp = builder.package_buildpacks(tmp_path / "strict", DATA)["go"]
    (lifecycle.app / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    result, plan = lifecycle.detect(bp)
    assert result.code == 1, result.output
    assert "[funcpacks/go] ERROR: the lifecycle runs this build as root" in result.err
    assert plan == {}
    built = lifecycle.build(bp)
    assert built.code == 1 and "funcpacks never builds as root" in built.err
    assert not any(lifecycle.layers(bp).iterdir())
