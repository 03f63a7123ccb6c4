"""The `ca-certificates` layer: the system bundle plus the extra certificates, and the
variables that point the common clients at it. Made anew each build; in the image only
when the certificates are to be trusted at launch too."""
from __future__ import annotations

from pathlib import Path

from funcpacks.layers import Step

from .config import Config

NAME = "ca-certificates"
BUNDLE = "ca-certificates.crt"
SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Variables through which OpenSSL, Python (ssl, requests, pip), curl, git and Go find a
# CA bundle. They point at the system bundle plus the extra certificates.
BUNDLE_VARIABLES = ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO")
# Node adds this file to its built-in roots, so it gets only the extra certificates.
EXTRAS_VARIABLES = ("NODE_EXTRA_CA_CERTS",)


def provide(step: Step, extras: list[str], cfg: Config) -> None:
    layers, log = step.layers, step.log
    layer = layers.get(NAME).reset()
    system = SYSTEM_BUNDLE.read_text() if SYSTEM_BUNDLE.exists() else ""
    (layer.path / BUNDLE).write_text(system + "".join(extras))
    (layer.path / "extra.crt").write_text("".join(extras))
    scope = None if cfg.embed else "build"
    for var in BUNDLE_VARIABLES:
        layer.env_override(var, str(layer.path / BUNDLE), scope=scope)
    for var in EXTRAS_VARIABLES:
        layer.env_override(var, str(layer.path / "extra.crt"), scope=scope)
    layer.set_types(build=True, launch=cfg.embed).write()
    log.info(f"{len(extras)} extra certificate(s) trusted during the build"
             + (" and at launch (BP_EMBED_CERTS)" if cfg.embed else "; not added to the image (set BP_EMBED_CERTS=true to embed them)"))
