"""Image labels in the three conventions users already write:

- gcp-builder: GOOGLE_LABEL_<KEY>=value -> label google.<key>, the key lower-cased with
  `_` -> `-` (GOOGLE_LABEL_BUILD_ID -> google.build-id); KEY starts with a letter and has
  letters, digits, `-` and single `_` only. gcp-builder skips other keys with a warning;
  here they fail the build, since a label silently missing is found out too late;
- OpenFunction's builder (gcp-builder's code under FUNC_* names): FUNC_LABEL_<KEY> the same
  way, to google.<key> as well;
- Paketo's image-labels: BP_IMAGE_LABELS='k1=v1 k2="v 2"' (space-separated key=value,
  single or double quotes group), and BP_OCI_<NAME> -> org.opencontainers.image.<name>.

The language buildpack writes them to launch.toml; the exporter sets them on the image.
"""
from __future__ import annotations

import re
from typing import Mapping

from . import settings
from .errors import UserError
from .log import Logger

# Label keys of BP_IMAGE_LABELS, after Docker's recommendation: letters, digits, '.', '-',
# '_' and '/', starting and ending with a letter or digit.
_KEY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?$")
# gcp-builder's rule for the <KEY> of GOOGLE_LABEL_<KEY> (and OpenFunction's FUNC_LABEL_<KEY>).
_GOOGLE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
# Paketo's BP_OCI_<NAME> -> the OCI annotation it sets.
OCI_VARIABLES = {name: f"org.opencontainers.image.{key}" for name, key in (
    ("AUTHORS", "authors"), ("CREATED", "created"), ("DESCRIPTION", "description"), ("DOCUMENTATION", "documentation"),
    ("LICENSES", "licenses"), ("REF_NAME", "ref.name"), ("REVISION", "revision"), ("SOURCE", "source"),
    ("TITLE", "title"), ("URL", "url"), ("VENDOR", "vendor"), ("VERSION", "version"))}


def check_key(key: str, origin: str) -> str:
    if not key:
        raise UserError("an image label has an empty key", where=origin, fix="write labels as key=value")
    if not _KEY.match(key):
        bad = sorted({c for c in key if not re.match(r"[A-Za-z0-9._/-]", c)})
        rule = (f"it contains {' '.join(repr(c) for c in bad)}" if bad
                else "it must start and end with a letter or digit")
        raise UserError(f"image label key {key!r} is not valid: {rule}", where=origin,
                        fix="use letters, digits, '.', '-', '_' and '/', starting and ending with a letter or digit "
                            "(e.g. com.example.team)")
    return key


def _from_prefix(env: Mapping[str, str], prefix: str, to_key) -> dict[str, tuple[str, str]]:
    found = {}
    for name in sorted(env):
        if name.startswith(prefix) and len(name) > len(prefix):
            found[check_key(to_key(name[len(prefix):]), name)] = (env[name], name)
    return found


def _google_key(prefix: str):
    def to_key(name: str) -> str:
        origin = prefix + name
        if not _GOOGLE_KEY.match(name):
            raise UserError(f"{origin}: the label name {name!r} must start with a letter and have only letters, "
                            "digits, '-' and '_'", where=origin, fix=f"rename the variable, e.g. {prefix}BUILD_ID")
        if "__" in name:
            raise UserError(f"{origin}: the label name {name!r} has consecutive underscores", where=origin,
                            fix="use single underscores (each becomes '-')")
        return "google." + name.lower().replace("_", "-")
    return to_key


def _oci_key(name: str) -> str:
    if name not in OCI_VARIABLES:
        raise UserError(f"BP_OCI_{name} is not one of the OCI image labels", where=f"BP_OCI_{name}",
                        fix="use one of " + ", ".join(f"BP_OCI_{n}" for n in OCI_VARIABLES)
                            + ", or BP_IMAGE_LABELS for any other label")
    return OCI_VARIABLES[name]


def _image_labels(env: Mapping[str, str], log: Logger | None) -> dict[str, tuple[str, str]]:
    s = settings.lookup(env, "image_labels", log)
    if s is None:
        return {}
    found = {}
    for word in settings.words(env, "image_labels"):
        key, sep, val = word.partition("=")
        if not sep:
            raise UserError(f"{s.source} has {word!r}, which is not key=value", where=s.source,
                            fix="write space-separated key=value pairs; quote a value with spaces: key=\"a b\"")
        found[check_key(key, s.source)] = (val, s.source)
    return found


def from_env(env: Mapping[str, str], log: Logger | None = None) -> dict[str, str]:
    """Every label the build's settings ask for. The conventions are applied in the order
    Paketo, OpenFunction, gcp-builder: a later one wins a key, and the log says so."""
    found: dict[str, tuple[str, str]] = {}
    sources = (
        _from_prefix(env, "BP_OCI_", _oci_key),
        _image_labels(env, log),
        _from_prefix(env, "FUNC_LABEL_", _google_key("FUNC_LABEL_")),
        _from_prefix(env, "GOOGLE_LABEL_", _google_key("GOOGLE_LABEL_")),
    )
    for labels in sources:
        for key, (val, origin) in labels.items():
            if key in found and found[key][0] != val and log is not None:
                log.warn(f"label {key}: {origin} wins over {found[key][1]}")
            found[key] = (val, origin)
    if found and log is not None:
        log.info("image labels: " + ", ".join(f"{k} (from {o})" for k, (_, o) in sorted(found.items())))
    return {k: v for k, (v, _) in found.items()}
