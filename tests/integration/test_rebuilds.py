"""Rebuilds that must keep working: after a build interrupted half-way, and two builds
of different apps at the same time (each with its own caches)."""
from __future__ import annotations

import signal
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from funcpacks_dev import funcbuild, versions
from funcpacks_dev.images import builder
from helpers import copy_sample, remove_image

GO_BUILDER = versions.get("images.builder-go")


@pytest.fixture
def tags():
    made = [f"funcpacks-test/rebuild-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    yield made
    remove_image(*made)


def _build(app, tag):
    # Apps without dependencies and the builder's own toolchain: nothing is downloaded, so
    # no binding is needed (and the bindings directory funcbuild.pack_build fills is
    # shared between builds: two at once must not touch it).
    return builder.run_pack(funcbuild.pack_build_command(app, tag, {}, builder_image=GO_BUILDER),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)


def _answers(tag, body):
    with funcbuild.running(tag) as (_, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, body)


def test_a_rebuild_after_an_interrupted_build_works(tags, tmp_path):
    tag = tags[0]
    app = copy_sample("go-app", tmp_path)
    first = _build(app, tag)
    assert first.returncode == 0, first.stdout[-4000:]
    main = app / "main.go"
    main.write_text(main.read_text().replace('"hello, world"', '"hello again"'))
    cmd = funcbuild.pack_build_command(app, tag, {}, builder_image=GO_BUILDER)
    with builder.pack_scratch_env() as env, subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                                              stderr=subprocess.STDOUT, text=True) as pack:
        seen = []
        for line in pack.stdout:
            seen.append(line)
            if "[funcpacks/go] Build" in line:  # half-way: the caches are restored, go runs
                pack.send_signal(signal.SIGINT)
                break
        rest = pack.communicate(timeout=300)[0]
    assert pack.returncode != 0, "".join(seen) + rest
    again = _build(app, tag)
    assert again.returncode == 0, again.stdout[-4000:]
    assert "Reusing layer 'go-build-cache'" in again.stdout and "damaged" not in again.stdout
    _answers(tag, "hello again")


def test_two_builds_of_different_apps_at_the_same_time(tags, tmp_path):
    apps = [copy_sample("go-app", tmp_path / "one"), copy_sample("go-app", tmp_path / "two")]
    main = apps[1] / "main.go"
    main.write_text(main.read_text().replace('"hello, world"', '"hello from two"'))
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(_build, apps, tags))
    for result in results:
        assert result.returncode == 0, result.stdout[-4000:]
    _answers(tags[0], "hello, world")
    _answers(tags[1], "hello from two")
