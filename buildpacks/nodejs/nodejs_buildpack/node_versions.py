"""Node.js version requests as users write them, matched the way npm's semver matches them:
exact versions, partial ones (`22`, `22.11`), x-ranges (`20.x`, `*`), caret and tilde
(`^20.10`, `~22.11.0`), comparators (`>=18 <23`), hyphen ranges (`18 - 22`) and `||`, plus
the aliases .nvmrc files hold (`lts/*`, `lts/jod`, `node`). Pre-releases are never chosen."""
from __future__ import annotations

import re

Version = tuple[int, int, int]
# The LTS lines by their code names (.nvmrc's `lts/<name>`).
LTS_NAMES = {"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12, "fermium": 14, "gallium": 16,
             "hydrogen": 18, "iron": 20, "jod": 22, "krypton": 24}
_PARTIAL = re.compile(r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$")
_COMPARATOR = re.compile(r"^(\^|~>?|>=|<=|>|<|=)?\s*(\S+)$")


class BadRange(ValueError):
    pass


def parse(version: str) -> Version:
    m = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)", version.strip())
    if not m:
        raise BadRange(version)
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def _partial(text: str) -> list[int]:
    """The numbers given, up to the first wildcard: '22.x' -> [22], '*' -> []."""
    m = _PARTIAL.match(text)
    if not m:
        raise BadRange(text)
    parts = []
    for p in m.groups():
        if p is None or p in "xX*":
            break
        parts.append(int(p))
    return parts


def _fill(parts: list[int]) -> Version:
    return tuple((parts + [0, 0, 0])[:3])  # type: ignore[return-value]


def _next(parts: list[int]) -> Version:
    """The first version past a partial one: [22] -> 23.0.0, [22, 11] -> 22.12.0."""
    if not parts:
        raise BadRange("*")
    bumped = parts[:-1] + [parts[-1] + 1]
    return _fill(bumped)


Comparator = tuple[str, Version]


def _comparators(token: str) -> list[Comparator]:
    m = _COMPARATOR.match(token)
    if not m:
        raise BadRange(token)
    op, rest = m.group(1) or "", m.group(2)
    parts = _partial(rest)
    if not parts:  # *, x: any version (">=*" too)
        return [] if op in ("", "=", ">=", "^", "~", "~>", "<=") else [("<", (0, 0, 0))]
    full = len(parts) == 3
    if op in ("", "="):
        return [("=", _fill(parts))] if full else [(">=", _fill(parts)), ("<", _next(parts))]
    if op == "^":
        first_nonzero = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
        return [(">=", _fill(parts)), ("<", _next(parts[:first_nonzero + 1]))]
    if op in ("~", "~>"):
        return [(">=", _fill(parts)), ("<", _next(parts[:2] if len(parts) >= 2 else parts))]
    if op == ">":
        return [(">", _fill(parts))] if full else [(">=", _next(parts))]
    if op == "<=":
        return [("<=", _fill(parts))] if full else [("<", _next(parts))]
    return [(op, _fill(parts))]  # >=, <


def _set(text: str) -> list[Comparator]:
    text = re.sub(r"(>=|<=|>|<|=|\^|~>?)\s+", r"\1", text.strip())
    hyphen = re.fullmatch(r"(\S+)\s+-\s+(\S+)", text)
    if hyphen:
        low, high = _partial(hyphen.group(1)), _partial(hyphen.group(2))
        found: list[Comparator] = [(">=", _fill(low))] if low else []
        if high:
            found.append(("<=", _fill(high)) if len(high) == 3 else ("<", _next(high)))
        return found
    return [c for token in text.split() for c in _comparators(token)]


def _holds(version: Version, comparator: Comparator) -> bool:
    op, bound = comparator
    return {"=": version == bound, ">": version > bound, ">=": version >= bound, "<": version < bound,
            "<=": version <= bound}[op]


def satisfies(version: str, request: str) -> bool:
    v = parse(version)
    return any(all(_holds(v, c) for c in _set(alt)) for alt in request.split("||"))


ANY = ("node", "latest", "current", "stable")
DEFAULT_LINE = ("lts/*", "lts", "lts/-0")


def _known_alias(request: str) -> bool:
    r = request.strip().lower()
    return r in ANY or r in DEFAULT_LINE or (r.startswith("lts/") and r[4:] in LTS_NAMES)


def check(request: str) -> None:
    """Raises BadRange when the request is neither a known alias nor a range npm reads."""
    if _known_alias(request):
        return
    for alt in request.split("||"):
        _set(alt)


def alias(request: str, default: str) -> str:
    """.nvmrc's aliases as a range: lts/* (the default's line), lts/<name>, node/latest/current (any)."""
    r = request.strip().lower()
    if r in ANY:
        return "*"
    if r in DEFAULT_LINE:
        return str(parse(default)[0])
    if r.startswith("lts/") and r[4:] in LTS_NAMES:
        return str(LTS_NAMES[r[4:]])
    return request.strip()


def newest(versions: list[str], request: str) -> str | None:
    matching = [v for v in versions if satisfies(v, request)]
    return max(matching, key=parse) if matching else None
