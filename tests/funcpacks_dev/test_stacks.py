"""Stack definitions: the generated Dockerfiles and the static image's path filter."""
from __future__ import annotations

import io
import tarfile

import pytest

from funcpacks_dev import versions
from funcpacks_dev.images import stacks


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


STATUS = ("Package: bash\nStatus: install ok installed\nVersion: 5.2\n\n"
          "Package: tzdata\nStatus: install ok installed\nVersion: 2025b\n\n"
          "Package: ca-certificates\nStatus: install ok installed\nVersion: 20250419\n")


def _tar(path, entries: list[tuple[str, bytes | None]]) -> None:
    with tarfile.open(path, "w") as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE if data is None else tarfile.REGTYPE
            info.size = len(data or b"")
            tar.addfile(info, io.BytesIO(data) if data else None)


def test_cut_rootfs_keeps_listed_paths_and_the_status_of_their_packages(tmp_path):
    parent = tmp_path / "run.tar"
    _tar(parent, [("./", None), ("./etc", None), ("./etc/passwd", b"x"),
                  ("./etc/ssl", None), ("./etc/ssl/certs", None), ("./etc/ssl/certs/ca-certificates.crt", b"x"),
                  ("./usr", None), ("./usr/bin", None), ("./usr/bin/sh", b"x"),
                  ("./usr/share", None), ("./usr/share/zoneinfo", None),
                  ("./usr/share/zoneinfo/UTC", b"x"), ("./usr/share/zoneinfo/right", None),
                  ("./usr/share/zoneinfo/right/UTC", b"x"), ("./var", None), ("./var/lib", None),
                  ("./var/lib/dpkg", None), ("./var/lib/dpkg/status", STATUS.encode()),
                  ("./var/lib/dpkg/info", None),
                  # /bin/sh as the package lists it: /bin is a link to usr/bin
                  ("./var/lib/dpkg/info/bash.list", b"/.\n/bin\n/bin/sh\n"),
                  ("./var/lib/dpkg/info/tzdata.list", b"/.\n/usr/share/zoneinfo\n/usr/share/zoneinfo/UTC\n"
                                                     b"/usr/share/zoneinfo/right/UTC\n")])
    out = tmp_path / "static.tar"
    stacks.derive_rootfs(parent, out, ["etc/passwd", "usr/share/zoneinfo/**", "!usr/share/zoneinfo/right/**"])
    with tarfile.open(out) as tar:
        names = [m.name for m in tar.getmembers()]
        status = tar.extractfile("./var/lib/dpkg/status").read().decode()  # type: ignore[union-attr]
    assert names == [".", "./etc", "./etc/passwd", "./usr", "./usr/share", "./usr/share/zoneinfo",
                     "./usr/share/zoneinfo/UTC", "./var", "./var/lib", "./var/lib/dpkg", "./var/lib/dpkg/status"]
    # tzdata's files are kept, bash's are not; etc/passwd belongs to no package
    assert status == "Package: tzdata\nStatus: install ok installed\nVersion: 2025b\n"

    # a kept file a maintainer script generated brings its package's entry
    stacks.derive_rootfs(parent, out, ["usr/bin/sh", "etc/ssl/certs/ca-certificates.crt"])
    with tarfile.open(out) as tar:
        status = tar.extractfile("./var/lib/dpkg/status").read().decode()  # type: ignore[union-attr]
    assert [ln for ln in status.splitlines() if ln.startswith("Package:")] == [
        "Package: bash", "Package: ca-certificates"]


def test_mmdebstrap_failures_name_the_cause(tmp_path):
    run = stacks.Stack("run", "x", root=tmp_path)
    where = tmp_path / "run"
    unknown = "Reading package lists...\nE: Unable to locate package python4\nE: mmdebstrap failed to run\n"
    reason = stacks.failure_reason(unknown, run, "trixie")
    assert f"{where / 'packages'} names python4, which Debian trixie does not have" in reason
    ours = f"dpkg: warning: x\n{where}/remove: package nope is not installed in the run image\nE: setup failed\n"
    assert stacks.failure_reason(ours, run, "trixie") == f"{where}/remove: package nope is not installed in the run image"
    dpkg = "dpkg: error: 1 expected program not found in PATH\nE: setup failed: command failed\n"
    assert stacks.failure_reason(dpkg, run, "trixie").startswith("dpkg: error: 1 expected program")


def test_run_image_purges_its_remove_list_in_order_with_dpkg_last(tmp_path):
    data = versions.load()
    run = next(s for s in stacks.stacks(data) if s.name == "run")
    names = run.removals()
    assert names[-1] == "dpkg" and {"apt", "perl-base"} <= set(names)
    hook = " ".join(stacks.purge_hooks(run))
    assert hook.index(" apt ") < hook.index(" debconf ") < hook.index(" perl-base ") < hook.index(" dpkg;")
    cmd = stacks.mmdebstrap_command(run, data, tmp_path / "x.tar", [])
    build = next(s for s in stacks.stacks(data) if s.name == "build")
    assert "--skip=cleanup/apt" in cmd and "--skip=cleanup/apt" not in stacks.mmdebstrap_command(build, data, tmp_path / "x", [])
    assert stacks.purge_hooks(build) == []
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "remove").write_text("dpkg\napt\n")
    with pytest.raises(stacks.StackError, match="dpkg must be the last package"):
        stacks.Stack("run", "x", root=tmp_path).removals()