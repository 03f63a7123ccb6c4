"""The `sdk-choice` layer (cache only): which SDK a request resolved to, so a warm rebuild
reads no release metadata at all (and so works offline). A remembered choice is used for
a day; after that the feed is asked again and a newer SDK of the channel is picked up."""
from __future__ import annotations

import json
import time
from dataclasses import asdict

from funcpacks import settings
from funcpacks.layers import Layer, Layers, Step
from funcpacks.log import Logger

from . import sdk_choice
from .feed import Feed, SdkFile
from .project import GlobalJson, Project
from .sdk_choice import Choice

NAME = "sdk-choice"
# Bump when what the layer holds changes, so older records are dropped.
LAYOUT = "1"
MAX_AGE_SECONDS = 24 * 3600
_FILE = "choices.json"


def provide(step: Step, proj: Project, explicit: settings.Setting | None, gj: GlobalJson | None, feed: Feed,
            own: list[SdkFile]) -> Choice:
    """The SDK to build with: the explicit setting's, else global.json's, else the newest
    of the project's TargetFramework channel; the builder's own SDK (`own`) when the
    request names it or its channel, without reading the feed."""
    layers, arch, log = step.layers, step.ctx.target.arch, step.log
    choice = sdk_choice.from_bundled(own, explicit.value if explicit else "", explicit.source if explicit else "",
                                     gj, proj.target_framework)
    if choice is not None:
        log.info(f"SDK {choice.sdk.version} ({choice.why}); the feed is not read")
    else:
        choice = _choose(layers, proj, explicit, gj, feed, arch, log)
    if choice.eol_framework:
        log.warn(f"{choice.eol_framework} is out of support and its runtime is unpatched: building with SDK "
                 f"{choice.sdk.version} and running on its runtime {choice.sdk.runtime_version} "
                 "(DOTNET_ROLL_FORWARD=Major); move the project to a supported TargetFramework")
    return choice


def _choose(layers: Layers, proj: Project, explicit: settings.Setting | None, gj: GlobalJson | None, feed: Feed,
            arch: str, log: Logger) -> Choice:
    if explicit:
        key = f"explicit {explicit.value}"
    elif gj:
        key = f"global.json {gj.version} {gj.roll_forward}"
    else:
        key = f"framework {proj.target_framework}"
    key = f"{key} | {feed.describe()} | {arch}"
    memory = layers.get(NAME)
    memory.reuse_or_reset({"layout": LAYOUT}, log)
    memory.set_types(cache=True).write()
    remembered = recall(memory, key)
    if remembered:
        log.info(f"SDK {remembered.sdk.version} ({remembered.why}); chosen from the feed's metadata less than a day "
                 "ago, not read again")
        return remembered
    with log.timed(f"release metadata from {feed.describe()}"):
        if explicit:
            choice = sdk_choice.explicit(explicit.value, explicit.source, feed, arch)
        elif gj:
            choice = sdk_choice.from_global_json(gj, feed, arch)
        else:
            choice = sdk_choice.from_target_framework(proj.target_framework, feed, arch)
    remember(memory, key, choice)
    log.info(f"SDK {choice.sdk.version} ({choice.why})")
    return choice


def _load(layer: Layer) -> dict:
    try:
        return json.loads((layer.path / _FILE).read_text())
    except (OSError, ValueError):
        return {}


def recall(layer: Layer, key: str, now: float | None = None) -> Choice | None:
    entry = _load(layer).get(key)
    if not entry or (now or time.time()) - entry.get("at", 0) > MAX_AGE_SECONDS:
        return None
    try:
        return Choice(SdkFile(**entry["sdk"]), entry["why"], entry.get("eol_framework", ""))
    except (KeyError, TypeError):
        return None


def remember(layer: Layer, key: str, choice: Choice, now: float | None = None) -> None:
    layer.ensure()
    data = {k: v for k, v in _load(layer).items() if (now or time.time()) - v.get("at", 0) <= MAX_AGE_SECONDS}
    data[key] = {"sdk": asdict(choice.sdk), "why": choice.why, "eol_framework": choice.eol_framework,
                 "at": int(now or time.time())}
    (layer.path / _FILE).write_text(json.dumps(data, sort_keys=True, indent=1))
