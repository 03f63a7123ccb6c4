"""argparse helpers shared by the command lines of funcpacks_dev."""
from __future__ import annotations

import argparse


def key_value(text: str) -> tuple[str, str]:
    """argparse type of the repeatable NAME=VALUE options (--env, --param, ...)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=VALUE")
    return key, value
