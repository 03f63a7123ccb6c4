"""Credentials for private modules, from build-only service bindings.

- type `netrc`: its `.netrc` entry is a netrc file (machine / login / password);
- type `git-credentials` (Paketo's): its `credentials` entry is in git's credential
  format (protocol=, host=, username=, password= lines), with an optional `context` URL.

Both become one netrc file and one git credential store in a private temporary home for
the go command (which sends netrc credentials to an HTTPS GOPROXY, and lets git use them
for direct fetches of GOPRIVATE modules). Nothing of it is written to a layer, the log or
the SBOM, and the directory is removed when the build ends.
"""
from __future__ import annotations

import base64
import contextlib
import netrc
import os
import shutil
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from funcpacks import bindings
from funcpacks.errors import UserError
from funcpacks.log import Logger

NETRC_TYPE = "netrc"
NETRC_ENTRY = ".netrc"
GIT_TYPE = "git-credentials"
GIT_ENTRY = "credentials"


@dataclass(frozen=True)
class Login:
    host: str  # host[:port]
    user: str
    password: str


def _netrc_logins(binding: bindings.Binding) -> list[Login]:
    path = binding.path / NETRC_ENTRY
    if not path.is_file():
        present = ", ".join(binding.entries()) or "none"
        raise UserError(f"the {NETRC_TYPE} binding {binding.name!r} has no {NETRC_ENTRY} entry (entries: {present})",
                        where=str(binding.path),
                        fix=f"put the netrc file in the binding as '{NETRC_ENTRY}' "
                            "(e.g. kubectl create secret generic NAME --from-file=.netrc --type=service.binding/netrc)")
    try:
        parsed = netrc.netrc(str(path))
    except (netrc.NetrcParseError, OSError) as exc:
        # The parser's message can quote the line: keep only where it is.
        line = getattr(exc, "lineno", None)
        raise UserError(f"the {NETRC_ENTRY} entry of the {NETRC_TYPE} binding {binding.name!r} cannot be read"
                        + (f" (line {line})" if line else ""), where=str(path),
                        fix="write lines of the form 'machine HOST login USER password SECRET'") from None
    logins = []
    for host, (user, _, password) in sorted(parsed.hosts.items()):
        if host == "default":  # the go command reads no `default` entry: say so rather than pretend
            raise UserError(f"the {NETRC_ENTRY} entry of the {NETRC_TYPE} binding {binding.name!r} has a 'default' "
                            "entry, which the go command does not use", where=str(path),
                            fix="name each host: 'machine HOST[:PORT] login USER password SECRET'")
        _check_words(binding, path, host, user or "", password or "")
        logins.append(Login(host, user or "", password or ""))
    if not logins:
        raise UserError(f"the {NETRC_ENTRY} entry of the {NETRC_TYPE} binding {binding.name!r} names no machine",
                        where=str(path), fix="write lines of the form 'machine HOST login USER password SECRET'")
    return logins


def _check_words(binding: bindings.Binding, path: Path, host: str, user: str, password: str) -> None:
    """The go command splits netrc lines on white space: a login or password with a space
    (or an empty one) would be read as something else."""
    for what, val in (("login", user), ("password", password)):
        if not val or any(c.isspace() for c in val):
            raise UserError(f"the credentials for {host} in the {binding.type} binding {binding.name!r} have "
                            f"{'an empty' if not val else 'a white-space in the'} {what}", where=str(path),
                            fix=f"give a {what} without spaces (a token usually is one)")


def _git_logins(binding: bindings.Binding) -> list[Login]:
    path = binding.path / GIT_ENTRY
    if not path.is_file():
        raise UserError(f"the {GIT_TYPE} binding {binding.name!r} has no {GIT_ENTRY} entry", where=str(binding.path),
                        fix="put git's credential lines (protocol=https, host=..., username=..., password=...) "
                            f"in the binding as '{GIT_ENTRY}'")
    fields: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, val = line.partition("=")
        if sep:
            fields[key.strip()] = val.strip()
    context = binding.path / "context"
    host = fields.get("host", "")
    if not host and context.is_file():
        url = context.read_text().strip()
        host = urllib.parse.urlsplit(url if "://" in url else f"https://{url}").netloc
    missing = [k for k, v in (("host", host), ("username", fields.get("username")), ("password", fields.get("password")))
               if not v]
    if missing:
        raise UserError(f"the {GIT_ENTRY} entry of the {GIT_TYPE} binding {binding.name!r} lacks {', '.join(missing)}",
                        where=str(path), fix="give host=, username= and password= lines; the host may come from the "
                                             "binding's context URL instead (credentials for every host are not "
                                             "taken: they would go to the public proxy too)")
    _check_words(binding, path, host, fields["username"], fields["password"])
    return [Login(host, fields["username"], fields["password"])]


def logins(env: Mapping[str, str], platform_dir: Path | None) -> list[tuple[str, list[Login]]]:
    """(binding description, logins) for every netrc and git-credentials binding."""
    found = []
    for b in bindings.find(env, NETRC_TYPE, platform_dir):
        found.append((f"{NETRC_TYPE} binding {b.name!r}", _netrc_logins(b)))
    for b in bindings.find(env, GIT_TYPE, platform_dir):
        found.append((f"{GIT_TYPE} binding {b.name!r}", _git_logins(b)))
    return found


@dataclass
class Credentials:
    logins: list[Login]
    home: Path | None = None

    def command_env(self) -> dict[str, str]:
        """For the go command (and the git it runs): where the credentials are."""
        if self.home is None:
            return {}
        return {"HOME": str(self.home), "NETRC": str(self.home / ".netrc"),
                "GIT_CONFIG_GLOBAL": str(self.home / ".gitconfig"), "GIT_TERMINAL_PROMPT": "0"}

    def authorization(self, url: str) -> dict[str, str]:
        """An Authorization header for url when a login is for its host (HTTPS only, as the
        go command does)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "https":
            return {}
        for login in self.logins:
            if login.host in (parts.netloc, parts.hostname):
                token = base64.b64encode(f"{login.user}:{login.password}".encode()).decode()
                return {"Authorization": f"Basic {token}"}
        return {}


def _write_home(home: Path, found: list[Login]) -> None:
    # The go command matches a machine against the URL's host and port; keep it as given.
    (home / ".netrc").write_text("".join(f"machine {lg.host} login {lg.user} password {lg.password}\n"
                                         for lg in found))
    store = home / "git-credentials"
    store.write_text("".join(f"https://{urllib.parse.quote(lg.user, safe='')}:{urllib.parse.quote(lg.password, safe='')}"
                             f"@{lg.host}\n" for lg in found))
    (home / ".gitconfig").write_text(f"[credential]\n\thelper = store --file={store}\n")
    for f in home.iterdir():
        os.chmod(f, 0o600)


@contextlib.contextmanager
def from_bindings(env: Mapping[str, str], platform_dir: Path | None, log: Logger) -> Iterator[Credentials]:
    found = logins(env, platform_dir)
    if not found:
        yield Credentials([])
        return
    all_logins = [lg for _, lgs in found for lg in lgs]
    home = Path(tempfile.mkdtemp(prefix="funcpacks-go-credentials-"))
    try:
        _write_home(home, all_logins)
        for what, lgs in found:
            log.info(f"credentials for {', '.join(lg.host for lg in lgs)} from the {what} (build only)")
        yield Credentials(all_logins, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
