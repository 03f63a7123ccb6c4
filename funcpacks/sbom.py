"""CycloneDX SBOM files for layers (<layers>/<layer>.sbom.cdx.json).

Deterministic on purpose: no timestamp and no random serial number, so two builds of
the same inputs give the same file (and the same image digest).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

CDX_MEDIA_TYPE = "application/vnd.cyclonedx+json"


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    purl_type: str  # "pypi", "golang", "nuget", "deb", "generic"
    kind: str = "library"
    namespace: str = ""  # e.g. "debian" for a deb
    # CycloneDX properties, e.g. ("go.sum", "h1:...") for a Go module
    properties: tuple[tuple[str, str], ...] = ()

    @property
    def purl(self) -> str:
        ns = f"{quote(self.namespace)}/" if self.namespace else ""
        return f"pkg:{self.purl_type}/{ns}{quote(self.name, safe='/')}@{quote(self.version)}"

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"type": self.kind, "name": self.name, "version": self.version, "purl": self.purl}
        if self.properties:
            data["properties"] = [{"name": k, "value": v} for k, v in self.properties]
        return data


def document(components: list[Component], tool: str) -> dict:
    ordered = sorted(set(components), key=lambda c: (c.name.lower(), c.version))
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "metadata": {"tools": [{"vendor": "funcpacks", "name": tool}]},
        "components": [c.to_json() for c in ordered],
    }


def write_layer_sbom(layers_dir: Path, layer_name: str, components: list[Component], tool: str) -> Path:
    path = layers_dir / f"{layer_name}.sbom.cdx.json"
    # Compact: the file is part of the image (a Go function's SBOM lists hundreds of modules).
    path.write_text(json.dumps(document(components, tool), sort_keys=True, separators=(",", ":")) + "\n")
    return path
