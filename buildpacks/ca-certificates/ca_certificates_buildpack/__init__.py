"""funcpacks/ca-certificates: extra CA certificates from service bindings.

A binding of type `ca-certificates` (each file other than `type` a PEM certificate, or
several) makes every later buildpack's downloads trust those CAs, through the variables
the common clients read. By default only at build time: the certificates are added to
the image only when BP_EMBED_CERTS=true.

bin/detect imports this package only; bin/build runs build.py.
"""
from __future__ import annotations

from funcpacks import bindings
from funcpacks.context import DetectContext
from funcpacks.errors import DetectFailed

BINDING_TYPE = "ca-certificates"


def detect(ctx: DetectContext) -> None:
    if not bindings.find(ctx.env, BINDING_TYPE, ctx.platform_dir):
        raise DetectFailed(f"no service binding of type {BINDING_TYPE}")
