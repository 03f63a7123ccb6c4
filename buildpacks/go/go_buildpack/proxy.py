"""Module proxy and checksum database settings: FUNC_GOPROXY > GOPROXY > the default,
and GOSUMDB, GONOSUMDB, GONOSUMCHECK, GOPRIVATE, GOFLAGS as the go command reads them.
They may carry credentials, so they go to the go command's environment only."""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Mapping

from funcpacks import settings
from funcpacks.log import Logger

PASSED_THROUGH = ("GOSUMDB", "GONOSUMDB", "GONOSUMCHECK", "GOPRIVATE", "GONOPROXY", "GOFLAGS", "GOINSECURE")


@dataclass
class GoEnv:
    goproxy: str
    gosumdb: str
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str], default_proxy: str, default_sumdb: str,
                 log: Logger | None = None) -> "GoEnv":
        # FUNC_GOPROXY > GOPROXY; a disagreement is logged by name only (the setting is
        # secret: its values may hold credentials).
        given = settings.lookup(env, "goproxy", log)
        extra = {k: env[k] for k in PASSED_THROUGH if env.get(k, "").strip()}
        return cls(goproxy=given.value if given else default_proxy, gosumdb=extra.pop("GOSUMDB", default_sumdb),
                   extra=extra)

    def proxies(self) -> list[str]:
        """Proxy URLs in order ('direct' and 'off' entries name no proxy)."""
        return [p.strip().rstrip("/") for p in re.split(r"[,|]", self.goproxy)
                if p.strip() and p.strip() not in ("direct", "off")]

    def sumdb_off_for(self, module: str) -> bool:
        if self.gosumdb.strip() == "off" or self.extra.get("GONOSUMCHECK") == "1":
            return True
        patterns = ",".join(filter(None, (self.extra.get("GONOSUMDB", ""), self.extra.get("GOPRIVATE", ""))))
        parts = module.split("/")
        for pattern in filter(None, (p.strip() for p in patterns.split(","))):
            n = len(pattern.split("/"))
            if fnmatch.fnmatchcase("/".join(parts[:n]), pattern):
                return True
        return False

    def command_env(self) -> dict[str, str]:
        return {"GOPROXY": self.goproxy, "GOSUMDB": self.gosumdb, **self.extra}

    def describe(self) -> str:
        """For the log: proxy hosts without credentials or paths."""
        hosts = [re.sub(r"^(\w+://)([^@/]*@)?([^/]*).*$", r"\1\3", p) for p in self.proxies()]
        return ", ".join(hosts) or self.goproxy
