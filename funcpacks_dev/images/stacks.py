"""`make stacks`: the Debian build and run images, from Debian packages only.

Each stack is a root filesystem made by mmdebstrap for each architecture (arches.py:
amd64 and arm64, a foreign one through the emulator; reproducible: a fixed
SOURCE_DATE_EPOCH gives a bit-identical tarball for the same package set), with the
packages of stacks/<name>/remove purged again, or cut from another stack's
(stacks/<name>/keep), and a generated `FROM scratch` Dockerfile that adds the CNB labels,
env (stacks/<name>/env) and user. Every image keeps a dpkg status database listing
exactly the packages whose files it holds, for scanners and `pack rebase` users.

An image is rebuilt only when its inputs change: the stack's files, this script, the
relevant parts of versions.toml, the architecture and any extra CA certificates to bake
in. Their hash is stored in the image label io.funcpacks.stack.inputs.

    python3 -m funcpacks_dev.images.stacks [--rootfs-only DIR] [--extra-ca-dir DIR] [--only build|run|run-static|run-cc]
                                           [--arch amd64|arm64|host ...] [--force]
"""
from __future__ import annotations

import argparse
import fnmatch
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from funcpacks_dev import templating, versions
from funcpacks_dev.images import arches

ROOT = versions.ROOT
STACKS_DIR = ROOT / "stacks"
WORK_DIR = ROOT / "build" / "stacks"
MERGED_USR_HOOKS = Path("/usr/share/mmdebstrap/hooks/merged-usr")
INPUTS_LABEL = "io.funcpacks.stack.inputs"

# Documentation and translations are not needed in a container; copyright files stay.
DPKG_EXCLUDES = [
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*",
    "path-include=/usr/share/locale/locale.alias",
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/lintian/*",
]


# A running function gets no way to raise its privileges and no shared place to write but
# /tmp: setuid/setgid bits go (su, mount, passwd, chsh, unix_chkpwd, ... stay as plain
# programs), and so does world write access anywhere but /tmp (e.g. /var/tmp).
RUN_IMAGE_HOOKS = [
    'find "$1" -xdev -type f -perm /6000 -exec chmod ug-s {} +',
    'find "$1" -xdev ! -type l -perm -0002 ! -path "$1/tmp" -exec chmod o-w {} +',
]

# iconv's character set modules (8 MB): Python, Go and .NET carry their own codecs.
RUN_IMAGE_DPKG_EXCLUDES = ["path-exclude=/usr/lib/*/gconv/*"]

# What dpkg leaves behind when packages are purged: logs and backups with the build's
# time in them (the tarball must stay reproducible) and the caches of removed tools.
# apt's lists, caches and configuration go too (mmdebstrap's own apt cleanup is skipped:
# it runs apt on them), all but the setup file mmdebstrap itself removes afterwards.
PURGE_LEFTOVERS = ["var/log/dpkg.log", "var/lib/dpkg/status-old", "var/lib/dpkg/diversions-old",
                   "var/lib/dpkg/statoverride-old", "var/cache/debconf", "var/log/apt",
                   "var/cache/apt", "var/lib/apt", "var/log/btmp", "var/log/wtmp", "var/log/lastlog",
                   # dpkg's real start-stop-daemon, which mmdebstrap set aside while hooks run
                   # and would put back: dpkg is purged, so is it.
                   "usr/sbin/start-stop-daemon.REAL"]
MMDEBSTRAP_SETUP_FILE = "etc/apt/apt.conf.d/00mmdebstrap"

DPKG_STATUS = "var/lib/dpkg/status"
DPKG_INFO = "var/lib/dpkg/info"

# Files that packages' maintainer scripts generate (so no package lists them): a cut
# image holding one of them carries that package's entry.
GENERATED_BY = {
    "etc/ssl/certs/ca-certificates.crt": "ca-certificates",
    "etc/localtime": "tzdata",
}


class StackError(Exception):
    """A failure with a one-line reason for the user."""


@dataclass(frozen=True)
class Stack:
    name: str  # "build", "run", "run-static" or "run-cc"
    image: str
    derived_from: str | None = None  # cut from another stack's rootfs instead of mmdebstrap
    root: Path = STACKS_DIR  # where stacks/<name>/ definitions live

    @property
    def definition_dir(self) -> Path:
        return self.root / self.name

    def shown(self, file: str) -> str:
        """A definition file's path as the user would type it."""
        path = self.definition_dir / file
        return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)

    def _lines(self, file: str) -> list[str]:
        lines = (self.definition_dir / file).read_text().splitlines()
        return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]

    def packages(self) -> list[str]:
        return self._lines("packages")

    def keep(self) -> list[str]:
        return self._lines("keep")

    def removals(self) -> list[str]:
        if not (self.definition_dir / "remove").exists():
            return []
        names = self._lines("remove")
        if "dpkg" in names[:-1]:
            raise StackError(f"{self.shown('remove')}: dpkg must be the last package (it removes itself)")
        return names

    def uid(self, data: dict) -> int:
        """The image's user: the build user in the build image, the run user elsewhere."""
        return data["stack"]["build-user-id" if self.name == "build" else "run-user-id"]

    def other_uids(self, data: dict) -> list[int]:
        """Further users of the image's group: in the build image, the uids other build
        strategies run the lifecycle as (the lifecycle needs a passwd entry for its uid)."""
        return list(data["stack"]["other-build-user-ids"]) if self.name == "build" else []

    def definition_files(self) -> list[Path]:
        own = [self.definition_dir / f for f in ("packages", "keep", "env", "remove") if (self.definition_dir / f).exists()]
        parent = [self.root / self.derived_from / f for f in ("packages", "remove")] if self.derived_from else []
        return own + [f for f in parent if f.exists()]


def stacks(data: dict, root: Path = STACKS_DIR) -> list[Stack]:
    images = data["images"]
    return [Stack("build", images["build"], root=root), Stack("run", images["run"], root=root),
            Stack("run-static", images["run-static"], derived_from="run", root=root),
            Stack("run-cc", images["run-cc"], derived_from="run", root=root)]


def _matches(name: str, pattern: str) -> bool:
    if pattern.endswith("/**"):
        base = pattern[:-3]
        return name == base or name.startswith(base + "/")
    return fnmatch.fnmatchcase(name, pattern)


def _kept(name: str, patterns: list[str]) -> bool:
    """Kept when a pattern matches and no '!pattern' does."""
    name = name.removeprefix("./").rstrip("/")
    if any(_matches(name, p[1:]) for p in patterns if p.startswith("!")):
        return False
    return any(_matches(name, p) for p in patterns if not p.startswith("!"))


def _normalized(path: str) -> str:
    """A path as a tar member name: no leading '/' or './', /bin and /lib as the merged /usr."""
    name = path.removeprefix("./").strip("/")
    top = name.split("/", 1)[0]
    return f"usr/{name}" if top in ("bin", "sbin", "lib", "lib64") and "/" in name else name


def stanzas(status: str) -> dict[str, str]:
    """dpkg status text -> package name -> its stanza."""
    out = {}
    for stanza in status.strip().split("\n\n"):
        for line in stanza.splitlines():
            if line.startswith("Package:"):
                out[line.split(":", 1)[1].strip()] = stanza.strip()
                break
    return out


def derived_status(src: tarfile.TarFile, members: list[tarfile.TarInfo], kept: set[str]) -> bytes:
    """The parent's dpkg status cut to the packages that own (or generated) a kept file:
    a scanner then reports exactly what the cut image holds."""
    owners: dict[str, str] = {}
    for m in members:
        name = m.name.removeprefix("./")
        if name.startswith(DPKG_INFO + "/") and name.endswith(".list"):
            package = name.rsplit("/", 1)[1].removesuffix(".list").split(":", 1)[0]
            for line in src.extractfile(m).read().decode().splitlines():  # type: ignore[union-attr]
                owners.setdefault(_normalized(line), package)
    by_name = {m.name.removeprefix("./"): m for m in members}
    files = {n for n in kept if n in by_name and not by_name[n].isdir()}
    packages = {owners[n] for n in files if n in owners} | {p for n, p in GENERATED_BY.items() if n in files}
    status = stanzas(src.extractfile(by_name[DPKG_STATUS]).read().decode())  # type: ignore[union-attr]
    missing = packages - status.keys()
    if missing:
        raise StackError(f"the parent's dpkg status lacks {', '.join(sorted(missing))}")
    return ("\n\n".join(status[p] for p in sorted(packages)) + "\n").encode()


def derive_rootfs(parent_tar: Path, out: Path, patterns: list[str]) -> None:
    """Copies the kept entries of parent_tar, and the directories above them, in the
    parent's order and with its (already normalized) metadata, and a dpkg status of what
    they are: reproducible."""
    with tarfile.open(parent_tar) as src:
        members = src.getmembers()
        wanted = {m.name.removeprefix("./").rstrip("/") for m in members if _kept(m.name, patterns)}
        wanted.discard(DPKG_STATUS)
        status = derived_status(src, members, wanted)
        wanted.add(DPKG_STATUS)
        dirs = {"/".join(n.split("/")[:i]) for n in wanted for i in range(1, n.count("/") + 1)}
        tmp = out.with_suffix(".tmp")
        with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as dst:
            for m in members:
                name = m.name.removeprefix("./").rstrip("/")
                if name == DPKG_STATUS:
                    cut = tarfile.TarInfo(m.name)
                    for attr in ("mode", "uid", "gid", "uname", "gname", "mtime"):
                        setattr(cut, attr, getattr(m, attr))
                    cut.size = len(status)
                    dst.addfile(cut, io.BytesIO(status))
                elif name in wanted or (m.isdir() and name in dirs) or name in ("", "."):
                    dst.addfile(m, src.extractfile(m) if m.isfile() else None)
        tmp.replace(out)


def ca_files(extra_ca_dir: Path | None) -> list[Path]:
    if extra_ca_dir is None:
        return []
    if not extra_ca_dir.is_dir():
        raise StackError(f"--extra-ca-dir {extra_ca_dir} is not a directory")
    files = sorted(p for p in extra_ca_dir.iterdir() if p.is_file() and p.suffix in (".crt", ".pem"))
    if not files:
        raise StackError(f"--extra-ca-dir {extra_ca_dir} holds no .crt or .pem file")
    return files


def inputs_hash(stack: Stack, data: dict, cas: list[Path], arch: str = arches.host()) -> str:
    h = hashlib.sha256(arch.encode() + b"\0")
    for path in (*stack.definition_files(), Path(__file__), templating.path("stack.Dockerfile.j2")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    relevant = {k: data[k] for k in ("debian", "stack")}
    relevant["platform-api"] = data["lifecycle"]["platform-api"]
    h.update(json.dumps(relevant, sort_keys=True).encode())
    for ca in cas:
        h.update(ca.name.encode() + b"\0" + ca.read_bytes())
    return h.hexdigest()[:32]


def mmdebstrap_command(stack: Stack, data: dict, out: Path, cas: list[Path], arch: str = arches.host()) -> list[str]:
    deb = data["debian"]
    st = data["stack"]
    user, uid, gid = st["user-name"], stack.uid(data), st["group-id"]
    cmd = [
        "mmdebstrap", f"--architectures={arch}", "--variant=minbase", "--mode=root", "--format=tar",
        f"--include={','.join(stack.packages())}",
        f"--hook-dir={MERGED_USR_HOOKS}",
        "--aptopt=APT::Install-Recommends \"false\"",
    ]
    excludes = DPKG_EXCLUDES + (RUN_IMAGE_DPKG_EXCLUDES if stack.name != "build" else [])
    cmd += [f"--dpkgopt={opt}" for opt in excludes]
    hooks = [
        f'chroot "$1" groupadd --gid {gid} {user}',
        f'chroot "$1" useradd --no-log-init --uid {uid} --gid {gid} --create-home --shell /bin/bash {user}',
        *(f'chroot "$1" useradd --no-log-init --uid {other} --gid {gid} --create-home --shell /bin/bash {user}{other}'
          for other in stack.other_uids(data)),
        # mmdebstrap copies these from the host; an image must not carry them.
        'rm -f "$1/etc/resolv.conf" "$1/etc/hostname"',
    ]
    if stack.name != "build":
        hooks += RUN_IMAGE_HOOKS
    if cas:
        copies = " ".join(f"'{ca}'" for ca in cas)
        hooks += [
            f'for f in {copies}; do b=$(basename "$f"); cp "$f" "$1/usr/local/share/ca-certificates/${{b%.*}}.crt"; done',
            'chroot "$1" update-ca-certificates --fresh >/dev/null',
        ]
    purge = purge_hooks(stack)
    if purge:
        hooks += purge
        cmd.append("--skip=cleanup/apt")
    cmd += [f"--customize-hook={h}" for h in hooks]
    cmd += [
        deb["suite"], str(out),
        f"deb {deb['mirror']} {deb['suite']} main",
        f"deb {deb['mirror']} {deb['suite']}-updates main",
        f"deb {deb['security-mirror']} {deb['suite']}-security main",
    ]
    return cmd


def purge_hooks(stack: Stack) -> list[str]:
    """Purge stacks/<name>/remove one package at a time, in the file's order (a package's
    purge script may need one listed after it), after every other hook has used them.
    Files a purge leaves behind (dpkg keeps some of its own) are removed by its list."""
    removals = stack.removals()
    if not removals:
        return []
    where = stack.shown("remove")
    loop = (f'for p in {" ".join(removals)}; do '
            f'chroot "$1" dpkg-query -W -f "\\${{db:Status-Status}}" "$p" 2>/dev/null | grep -qx installed '
            f'|| {{ echo "{where}: package $p is not installed in the {stack.name} image" >&2; exit 1; }}; '
            'chroot "$1" dpkg-query --listfiles "$p" >"$1/tmp/purged.list" || exit 1; '
            'chroot "$1" dpkg --purge --force-remove-essential --force-remove-protected --force-depends --force-bad-path "$p" '
            '>/dev/null || exit 1; '
            'while IFS= read -r f; do [ -d "$1$f" ] || rm -f "$1$f"; done <"$1/tmp/purged.list"; done; '
            'rm -f "$1/tmp/purged.list"')
    cleanup = ("rm -rf " + " ".join(f'"$1/{p}"' for p in PURGE_LEFTOVERS) +
               f' && find "$1/etc/apt" -mindepth 1 ! -path "$1/{MMDEBSTRAP_SETUP_FILE}"'
               f' ! -path "$1/{Path(MMDEBSTRAP_SETUP_FILE).parent}" -delete')
    return [loop, cleanup]


def build_rootfs(stack_list: list[Stack], data: dict, out_dir: Path, cas: list[Path],
                 arch: str = arches.host()) -> dict[str, Path]:
    """Root filesystems for stack_list: mmdebstrap for every base stack, in parallel; a
    derived stack is then cut from its parent's tarball. Returns name -> tarball."""
    derived = [s for s in stack_list if s.derived_from]
    base = [s for s in stack_list if not s.derived_from]
    by_name = {s.name: s for s in stacks(data, stack_list[0].root)}
    for d in derived:
        if d.derived_from not in {s.name for s in base}:
            base.append(by_name[d.derived_from])
    result = _mmdebstrap_all(base, data, out_dir, cas, arch)
    for d in derived:
        tar = out_dir / f"{d.name}-rootfs.tar"
        derive_rootfs(result[d.derived_from], tar, d.keep())
        print(f"stacks: {d.name} ({arch}): cut from the {d.derived_from} root filesystem ({len(d.keep())} patterns)",
              flush=True)
        result[d.name] = tar
    return result


def _mmdebstrap_all(stack_list: list[Stack], data: dict, out_dir: Path, cas: list[Path], arch: str) -> dict[str, Path]:
    if shutil.which("mmdebstrap") is None:
        raise StackError("mmdebstrap is not installed: run 'make tools'")
    if os.geteuid() != 0:
        raise StackError("building the stack root filesystems needs root (mmdebstrap --mode=root)")
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(data["debian"]["source-date-epoch"]))
    out_dir.mkdir(parents=True, exist_ok=True)
    procs = {}
    for stack in stack_list:
        tar = out_dir / f"{stack.name}-rootfs.tar"
        log = (out_dir / f"{stack.name}-mmdebstrap.log").open("w")
        print(f"stacks: {stack.name} ({arch}): mmdebstrap {data['debian']['suite']} ({len(stack.packages())} packages)",
              flush=True)
        procs[stack.name] = (tar, log, subprocess.Popen(
            mmdebstrap_command(stack, data, tar.with_suffix(".tmp"), cas, arch), stdout=log, stderr=subprocess.STDOUT,
            env=env))
    result = {}
    failed = []
    by_name = {s.name: s for s in stack_list}
    for name, (tar, log, proc) in procs.items():
        stack = by_name[name]
        code = proc.wait()
        log.close()
        if code != 0:
            tar.with_suffix(".tmp").unlink(missing_ok=True)
            failed.append(f"{name}: {failure_reason(Path(log.name).read_text(), stack, data['debian']['suite'])} "
                          f"(mmdebstrap exited {code}; log {log.name})")
            continue
        tar.with_suffix(".tmp").replace(tar)
        result[name] = tar
    if failed:
        raise StackError("; ".join(failed))
    return result


# apt's words for a package name the suite does not have.
_UNKNOWN_PACKAGE = re.compile(r"Unable to locate package (\S+)|Package '?([^' ]+)'? has no installation candidate")


def failure_reason(log: str, stack: Stack, suite: str) -> str:
    """The line of an mmdebstrap log that says what is wrong, in the user's terms."""
    unknown = sorted({a or b for a, b in _UNKNOWN_PACKAGE.findall(log)})
    if unknown:
        return (f"{stack.shown('packages')} names {', '.join(unknown)}, which Debian {suite} does not have: "
                "fix the name (https://packages.debian.org) or remove the line")
    ours = [ln for ln in log.splitlines() if ln.startswith(stack.shown("remove"))]
    if ours:
        return ours[-1]
    lines = log.strip().splitlines()
    for prefix in ("dpkg: error", "E: "):
        found = [ln for ln in lines if ln.startswith(prefix)]
        if found:
            return found[0]
    return (lines[-1:] or ["(no output)"])[0]


def image_inputs(image: str) -> str | None:
    proc = subprocess.run(["docker", "image", "inspect", "--format",
                           "{{ index .Config.Labels \"%s\" }}" % INPUTS_LABEL, image],
                          capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def dockerfile(stack: Stack, data: dict, digest: str, arch: str = arches.host()) -> str:
    """The image around a root filesystem: CNB labels (the target the lifecycle and pack
    read: os, arch, distribution), env and the non-root user, with every value from
    versions.toml and stacks/<name>/env."""
    st = data["stack"]
    labels = {
        "io.buildpacks.stack.id": st["id"],
        "io.buildpacks.base.os": "linux",
        "io.buildpacks.base.arch": arch,
        "io.buildpacks.base.distro.name": "debian",
        "io.buildpacks.base.distro.version": data["debian"]["version"],
        INPUTS_LABEL: digest,
    }
    uid = stack.uid(data)
    env = {"CNB_USER_ID": str(uid), "CNB_GROUP_ID": str(st["group-id"])}
    if stack.name == "build":
        # Platforms that run /cnb/lifecycle/creator without setting it (OpenFunction's
        # strategy) need a default; pack sets its own and wins.
        env["CNB_PLATFORM_API"] = data["lifecycle"]["platform-api"]
    env.update(line.split("=", 1) for line in stack._lines("env"))

    return templating.render("stack.Dockerfile.j2", name=stack.name, labels=labels, env=env, uid=uid,
                             gid=st["group-id"])


def docker_build(stack: Stack, data: dict, rootfs: Path, digest: str, arch: str = arches.host()) -> None:
    image = arches.local(stack.image, arch)
    with tempfile.TemporaryDirectory(dir=rootfs.parent) as ctx:
        (Path(ctx) / "Dockerfile").write_text(dockerfile(stack, data, digest, arch))
        os.link(rootfs, Path(ctx) / "rootfs.tar")
        image_id = build_context(image, Path(ctx), arch)
    print(f"stacks: {image} built ({image_id[:19]})", flush=True)


def build_context(image: str, ctx: Path, arch: str = arches.host()) -> str:
    """docker build of ctx (its Dockerfile) as image for arch, with Docker's legacy
    builder, which keeps a stack's layers as its tarballs make them; returns the image ID."""
    proc = subprocess.run(["docker", "build", "--quiet", "--platform", arches.platform_of(arch), "--tag", image,
                           str(ctx)], capture_output=True, text=True, env=dict(os.environ, DOCKER_BUILDKIT="0"))
    if proc.returncode != 0:
        raise StackError(f"docker build of {image} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return proc.stdout.strip()


def make_images(stack_list: list[Stack], data: dict, cas: list[Path], arch: str, force: bool = False) -> None:
    """The images of stack_list for arch whose inputs changed."""
    digests = {s.name: inputs_hash(s, data, cas, arch) for s in stack_list}
    todo = []
    for s in stack_list:
        image = arches.local(s.image, arch)
        if not force and image_inputs(image) == digests[s.name]:
            print(f"stacks: {image} is up to date (inputs {digests[s.name][:12]})")
        else:
            todo.append(s)
    if not todo:
        return
    tars = build_rootfs(todo, data, WORK_DIR / arch, cas, arch)
    for s in todo:
        docker_build(s, data, tars[s.name], digests[s.name], arch)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rootfs-only", type=Path, metavar="DIR",
                        help="only write the root filesystem tarballs into DIR/<arch>/ (no images)")
    parser.add_argument("--extra-ca-dir", type=Path, metavar="DIR",
                        help="bake the .crt/.pem files of DIR into both images (off by default)")
    parser.add_argument("--force", action="store_true", help="rebuild even when the inputs are unchanged")
    parser.add_argument("--stacks-dir", type=Path, default=STACKS_DIR, metavar="DIR",
                        help="read the stack definitions (<name>/packages, remove, keep, env) from DIR")
    parser.add_argument("--only", choices=["build", "run", "run-static", "run-cc"], action="append",
                        help="only this stack (repeatable)")
    parser.add_argument("--arch", choices=(*arches.ARCHES, "host"), action="append",
                        help="only this architecture (repeatable; host: this machine's; default: every one "
                             "this machine can run)")
    opts = parser.parse_args(argv)
    data = versions.load()
    try:
        cas = ca_files(opts.extra_ca_dir)
        all_stacks = [s for s in stacks(data, opts.stacks_dir.resolve()) if not opts.only or s.name in opts.only]
        chosen = arches.named(opts.arch)
        wanted, skipped = arches.runnable(chosen or arches.ARCHES)
        for arch, why in skipped.items():
            if chosen:
                raise StackError(f"cannot make {arch} images here: {why}")
            print(f"stacks: WARNING: no {arch} images: {why}", file=sys.stderr)
        if opts.rootfs_only:
            for arch in wanted:
                build_rootfs(all_stacks, data, opts.rootfs_only / arch, cas, arch)
            return 0
        if shutil.which("docker") is None or subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
            raise StackError("no Docker daemon answers: run 'make tools'")
        for arch in wanted:
            make_images(all_stacks, data, cas, arch, opts.force)
    except StackError as exc:
        print(f"stacks: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
