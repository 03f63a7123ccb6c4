"""Stack definitions: the generated Dockerfiles and the static image's path filter."""
from __future__ import annotations

import io
import tarfile

import stacks
import versions


def test_dockerfiles_carry_cnb_labels_env_and_user_from_versions():
    data = versions.load()
    by_name = {s.name: s for s in stacks.stacks(data)}
    assert set(by_name) == {"build", "run", "run-static", "run-cc"}
    build = stacks.dockerfile(by_name["build"], data, "digest")
    run = stacks.dockerfile(by_name["run"], data, "digest")
    gid = data["stack"]["group-id"]
    for text, uid in ((build, data["stack"]["build-user-id"]), (run, data["stack"]["run-user-id"])):
        assert text.startswith("# Generated") and "FROM scratch\nADD rootfs.tar /\n" in text
        assert f'"io.buildpacks.base.distro.version"="{data["debian"]["version"]}"' in text
        assert f'"io.buildpacks.stack.id"="{data["stack"]["id"]}"' in text
        assert f'CNB_USER_ID="{uid}"' in text and text.endswith(f"USER {uid}:{gid}\n")
    assert f'CNB_PLATFORM_API="{data["lifecycle"]["platform-api"]}"' in build and "PORT" not in build
    assert 'PORT="8080"' in run and "CNB_PLATFORM_API" not in run
    assert data["stack"]["build-user-id"] != data["stack"]["run-user-id"]


def test_run_images_drop_setuid_bits_and_world_write_access():
    data = versions.load()
    by_name = {s.name: s for s in stacks.stacks(data)}
    run_cmd = " ".join(stacks.mmdebstrap_command(by_name["run"], data, stacks.WORK_DIR / "x.tar", []))
    build_cmd = " ".join(stacks.mmdebstrap_command(by_name["build"], data, stacks.WORK_DIR / "x.tar", []))
    for hook in stacks.RUN_IMAGE_HOOKS:
        assert hook in run_cmd and hook not in build_cmd
    assert f"--uid {data['stack']['run-user-id']} " in run_cmd and f"--uid {data['stack']['build-user-id']} " in build_cmd


def test_static_rootfs_keeps_only_listed_paths(tmp_path):
    parent = tmp_path / "run.tar"
    with tarfile.open(parent, "w") as tar:
        for name, kind in [("./", tarfile.DIRTYPE), ("./etc", tarfile.DIRTYPE), ("./etc/passwd", tarfile.REGTYPE),
                           ("./bin", tarfile.DIRTYPE), ("./bin/sh", tarfile.REGTYPE),
                           ("./usr", tarfile.DIRTYPE), ("./usr/share", tarfile.DIRTYPE),
                           ("./usr/share/zoneinfo", tarfile.DIRTYPE), ("./usr/share/zoneinfo/UTC", tarfile.REGTYPE),
                           ("./usr/share/zoneinfo/right", tarfile.DIRTYPE),
                           ("./usr/share/zoneinfo/right/UTC", tarfile.REGTYPE)]:
            info = tarfile.TarInfo(name)
            info.type = kind
            data = b"x" if kind == tarfile.REGTYPE else b""
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)
    out = tmp_path / "static.tar"
    stacks.derive_rootfs(parent, out, ["etc/passwd", "usr/share/zoneinfo/**", "!usr/share/zoneinfo/right/**"])
    with tarfile.open(out) as tar:
        names = [m.name for m in tar.getmembers()]
    assert names == [".", "./etc", "./etc/passwd", "./usr", "./usr/share", "./usr/share/zoneinfo",
                     "./usr/share/zoneinfo/UTC"]
