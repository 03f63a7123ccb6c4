"""Which SDK to build with.

An explicit GOOGLE_RUNTIME_VERSION / FUNC_RUNTIME_VERSION (an SDK version, a runtime
version or a channel) wins; else global.json's sdk.version with its rollForward policy;
else the project's TargetFramework picks the newest SDK of its channel. A framework whose
channel the feed lacks or marks end-of-life is built by the newest SDK the feed has and
run on the newest runtime (DOTNET_ROLL_FORWARD=Major), since its own runtime is unpatched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from funcpacks.errors import UserError

from .feed import Feed, SdkFile, version_key
from .project import GlobalJson, channel_of

_SDK_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(-.+)?$")
POLICIES = ("patch", "feature", "minor", "major", "latestpatch", "latestfeature", "latestminor", "latestmajor",
            "disable")


@dataclass(frozen=True)
class Choice:
    sdk: SdkFile
    why: str
    eol_framework: str = ""  # the out-of-support framework the app targets, if any


def _parts(version: str) -> tuple[int, int, int, int]:
    """(major, minor, feature band, patch) of an SDK version such as 10.0.401."""
    m = _SDK_VERSION.match(version)
    if not m:
        raise ValueError(version)
    third = int(m.group(3))
    return int(m.group(1)), int(m.group(2)), third // 100, third % 100


def _listing(sdks: list[SdkFile]) -> str:
    return ", ".join(s.version for s in sdks[:12]) or "(none)"


def _unknown(what: str, where: str, sdks: list[SdkFile], feed: Feed) -> UserError:
    return UserError(f"{what}: the .NET feed has no such SDK", where=where,
                     detail=f"feed: {feed.describe()}\nSDKs it has: {_listing(sdks)}",
                     fix="ask for one of the SDKs listed, or point FUNC_DOTNET_FEED / BP_DEPENDENCY_MIRROR at a feed that has it")


def _parse_request(request: str) -> tuple[str, str | None]:
    """(the version asked for, the channel it names or None): "10.0", "10", Paketo's
    "10.0.*" / "10.0.x" name channel 10.0; "10.0.401" or "10.0.12" name none."""
    req = re.sub(r"\.(\*|x)$", "", request.strip().removeprefix("v"))
    if re.fullmatch(r"\d+(\.\d+)?", req):
        return req, req if "." in req else f"{req}.0"
    return req, None


def from_bundled(own: list[SdkFile], explicit_request: str, explicit_origin: str, gj: GlobalJson | None,
                 tfm: str) -> Choice | None:
    """The builder's SDK, when the request needs no feed to say it is the one: the exact
    version asked for, or the channel asked for (explicitly, or by the TargetFramework when
    neither a setting nor global.json asks). The builder's SDK is the default the way the
    default Go toolchain is: a newer patch in the feed is picked up by a newer builder."""
    req, channel = _parse_request(explicit_request)
    for sdk in own:
        if explicit_request:
            if req == sdk.version:
                return Choice(sdk, f"{explicit_origin}={explicit_request}")
            if req == sdk.runtime_version:
                return Choice(sdk, f"{explicit_origin}={explicit_request}: the builder's SDK ships runtime {req}")
            if channel is not None and channel == sdk.channel:
                return Choice(sdk, f"{explicit_origin}={explicit_request}: the builder's SDK of channel {channel}")
        elif gj is not None:
            # patch and disable take an exact match when there is one; the other policies
            # may prefer a newer SDK of the feed (and a wrong one is from_global_json's to report)
            if gj.version == sdk.version and gj.roll_forward.lower() in ("patch", "disable"):
                return Choice(sdk, f"global.json sdk.version {gj.version}, rollForward {gj.roll_forward}")
        elif channel_of(tfm) == sdk.channel:
            return Choice(sdk, f"TargetFramework {tfm}: the builder's SDK of channel {sdk.channel}")
    return None


def explicit(request: str, origin: str, feed: Feed, arch: str) -> Choice:
    sdks = feed.all_sdks(arch)
    req, channel = _parse_request(request)
    if channel is not None:
        same = [s for s in sdks if s.channel == channel]
        if same:
            return Choice(same[0], f"{origin}={request}: newest SDK of channel {channel}")
    exact = [s for s in sdks if s.version == req]
    if exact:
        return Choice(exact[0], f"{origin}={request}")
    runtime = [s for s in sdks if s.runtime_version == req]
    if runtime:
        return Choice(runtime[0], f"{origin}={request}: newest SDK shipping runtime {req}")
    raise _unknown(f"{origin}={request}", origin, sdks, feed)


def roll_forward(requested: str, policy: str, versions: list[str]) -> str | None:
    """global.json semantics applied to the versions the feed has (not to installed ones)."""
    want = _parts(requested)
    pol = policy.lower()
    cands = []
    for v in versions:
        try:
            p = _parts(v)
        except ValueError:
            continue
        if p < want:
            continue
        scope = {"patch": 3, "latestpatch": 3, "feature": 2, "latestfeature": 2, "minor": 1, "latestminor": 1,
                 "major": 0, "latestmajor": 0, "disable": 4}[pol]
        if p[:min(scope, 3)] != want[:min(scope, 3)]:
            continue
        if pol == "disable" and p != want:
            continue
        cands.append((p, v))
    if not cands:
        return None
    cands.sort()
    if pol.startswith("latest") or pol == "disable":
        return cands[-1][1]
    if pol == "patch":
        return next((v for p, v in cands if p == want), cands[-1][1])  # exact, else latest patch of the band
    # feature / minor / major: the lowest feature band at or above the request within the
    # allowed scope, and that band's latest patch
    first = cands[0][0][:3]
    return [v for p, v in cands if p[:3] == first][-1]


def from_global_json(gj: GlobalJson, feed: Feed, arch: str) -> Choice:
    if gj.roll_forward.lower() not in POLICIES:
        raise UserError(f"global.json: unknown rollForward {gj.roll_forward!r}",
                        fix="use one of patch, feature, minor, major, latestPatch, latestFeature, latestMinor, "
                            "latestMajor, disable")
    try:
        _parts(gj.version)
    except ValueError:
        raise UserError(f"global.json: sdk.version {gj.version!r} is not an SDK version",
                        fix="write a full SDK version such as 10.0.100") from None
    sdks = feed.all_sdks(arch)
    chosen = roll_forward(gj.version, gj.roll_forward, [s.version for s in sdks])
    if chosen is None:
        raise _unknown(f"global.json asks for SDK {gj.version} (rollForward {gj.roll_forward})", "global.json",
                       sdks, feed)
    sdk = next(s for s in sdks if s.version == chosen)
    return Choice(sdk, f"global.json sdk.version {gj.version}, rollForward {gj.roll_forward}")


def from_target_framework(tfm: str, feed: Feed, arch: str) -> Choice:
    channel = channel_of(tfm)
    if channel is None:
        raise UserError(f"the project targets {tfm!r}, which is not .NET (Core) 3.1 or later",
                        fix="target netX.Y (for example net10.0), or set GOOGLE_RUNTIME_VERSION / FUNC_RUNTIME_VERSION")
    found = feed.channel(channel)
    if found is not None and not found.eol:
        sdks = feed.sdks(found, arch)
        if sdks:
            return Choice(sdks[0], f"TargetFramework {tfm}: newest SDK of channel {channel}")
    supported = [c for c in feed.channels() if not c.eol and version_key(c.version) > version_key(channel)]
    for c in supported:
        sdks = feed.sdks(c, arch)
        if sdks:
            state = "end-of-life" if found is not None else "not in the feed (out of support)"
            return Choice(sdks[0], f"TargetFramework {tfm}: channel {channel} is {state}; newest SDK the feed has",
                          eol_framework=tfm)
    raise _unknown(f"TargetFramework {tfm} (channel {channel})", "the project file", feed.all_sdks(arch), feed)
