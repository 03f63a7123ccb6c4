"""Typed user-facing errors: what is wrong, where, and how to fix it.

Every failure a user can cause ends up here, so the message has one shape and the phase
ends with a non-zero exit. Detect has its own convention (100 = "not for me").
"""
from __future__ import annotations

import sys
from typing import Callable, NoReturn

# Lifecycle exit codes for bin/detect.
DETECT_PASS = 0
DETECT_FAIL = 100
# Any other non-zero code is an error; we use 1 for user errors and 70 (EX_SOFTWARE)
# for bugs in the buildpack, so the two can be told apart in a platform's logs.
USER_ERROR = 1
INTERNAL_ERROR = 70


class UserError(Exception):
    """A problem with the user's input that they can fix."""

    def __init__(self, what: str, *, where: str = "", fix: str = "", detail: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.where = where
        self.fix = fix
        self.detail = detail

    def render(self, buildpack: str) -> str:
        lines = [f"[{buildpack}] ERROR: {self.what}"]
        if self.where:
            lines.append(f"  where: {self.where}")
        if self.detail:
            lines.extend("  | " + ln for ln in self.detail.rstrip().splitlines())
        if self.fix:
            lines.append(f"  fix:   {self.fix}")
        return "\n".join(lines)


class DetectFailed(Exception):
    """This buildpack does not apply; the reason is printed for the user."""


def run_detect(buildpack: str, fn: Callable[[], None]) -> NoReturn:
    try:
        fn()
    except DetectFailed as exc:
        if str(exc):
            print(f"[{buildpack}] {exc}", file=sys.stderr)
        sys.exit(DETECT_FAIL)
    except UserError as exc:
        print(exc.render(buildpack), file=sys.stderr)
        sys.exit(USER_ERROR)
    except Exception:  # a bug in the buildpack: show it in full
        import traceback
        traceback.print_exc()
        sys.exit(INTERNAL_ERROR)
    sys.exit(DETECT_PASS)


def run_build(buildpack: str, fn: Callable[[], None]) -> NoReturn:
    try:
        fn()
    except UserError as exc:
        sys.stdout.flush()
        print(exc.render(buildpack), file=sys.stderr)
        sys.exit(USER_ERROR)
    except Exception:
        import traceback
        sys.stdout.flush()
        traceback.print_exc()
        print(f"[{buildpack}] ERROR: internal error in the buildpack (the trace above); please report it", file=sys.stderr)
        sys.exit(INTERNAL_ERROR)
    sys.exit(0)
