"""What the user can set for the extra CA certificates, resolved once from the platform
env: the rest of the buildpack reads its settings only from here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from funcpacks import settings
from funcpacks.log import Logger


@dataclass(frozen=True)
class Config:
    embed: bool  # BP_EMBED_CERTS: trusted at launch too, so the certificates are in the image


def resolve(env: Mapping[str, str], log: Logger) -> Config:
    return Config(embed=settings.flag(env, "embed_certs", log))
