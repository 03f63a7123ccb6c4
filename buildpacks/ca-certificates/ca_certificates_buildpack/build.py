"""bin/build of funcpacks/ca-certificates: the certificates of the bindings, checked, into
the certificates layer."""
from __future__ import annotations

from pathlib import Path

from funcpacks import bindings
from funcpacks.context import BuildContext
from funcpacks.errors import UserError
from funcpacks.layers import Step
from funcpacks.log import Logger

from . import BINDING_TYPE, certificates_layer, config

PEM_BEGIN = "-----BEGIN CERTIFICATE-----"
PEM_END = "-----END CERTIFICATE-----"


def pem_certificates(path: Path) -> list[str]:
    """The PEM certificate blocks of a binding entry; UserError when there are none."""
    try:
        text = path.read_text()
    except UnicodeDecodeError as exc:
        raise UserError("binding entry is not a PEM text file", where=str(path),
                        fix="give PEM certificates (-----BEGIN CERTIFICATE-----); convert DER with 'openssl x509 -inform der'") from exc
    blocks = []
    rest = text
    while PEM_BEGIN in rest:
        start = rest.index(PEM_BEGIN)
        end = rest.find(PEM_END, start)
        if end < 0:
            raise UserError("truncated PEM certificate (BEGIN without END)", where=str(path),
                            fix="copy the whole certificate into the binding")
        blocks.append(rest[start:end + len(PEM_END)] + "\n")
        rest = rest[end + len(PEM_END):]
    if not blocks:
        raise UserError("binding entry holds no PEM certificate", where=str(path),
                        fix=f"every file of a {BINDING_TYPE} binding except 'type' must be a PEM certificate")
    return blocks


def build(ctx: BuildContext) -> None:
    log = Logger("funcpacks/ca-certificates")
    log.header("Extra CA certificates")
    cfg = config.resolve(ctx.env, log)
    extras: list[str] = []
    for b in bindings.find(ctx.env, BINDING_TYPE, ctx.platform_dir):
        for name, path in b.entries().items():
            certs = pem_certificates(path)
            extras.extend(certs)
            log.info(f"binding {b.name}: {name} ({len(certs)} certificate{'s' if len(certs) != 1 else ''})")

    certificates_layer.provide(Step.of(ctx, log), extras, cfg)
