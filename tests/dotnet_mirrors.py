"""The mirrored .NET feed and NuGet folder feed the .NET tests build with. They live
beside the checkout (../shared/deps) and are never copied into it."""
from __future__ import annotations

import os
from pathlib import Path

# FUNCPACKS_DEPS points elsewhere when the checkout does not sit beside shared/.
DEPS = Path(os.environ.get("FUNCPACKS_DEPS") or Path(__file__).resolve().parents[2] / "shared" / "deps")


def nuget_config(feed_dir: str, extra: str = "") -> str:
    """A nuget.config that allows exactly one source, the NuGet folder feed at feed_dir."""
    return ('<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources>\n    <clear />\n'
            f'    <add key="mirror" value="{feed_dir}" />\n  </packageSources>\n{extra}</configuration>\n')
