"""Remembers which SDK a request resolved to, so a warm rebuild reads no release
metadata at all (and so works offline). A remembered choice is used for a day; after
that the feed is asked again and a newer SDK of the channel is picked up."""
from __future__ import annotations

import json
import time
from dataclasses import asdict

from funcpacks.layers import Layer

from .feed import SdkFile
from .sdk_choice import Choice

MAX_AGE_SECONDS = 24 * 3600
_FILE = "choices.json"


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
