"""Build log: section headers, details, and cache decisions spelled out."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Logger:
    def __init__(self, buildpack: str, stream: TextIO | None = None) -> None:
        self.buildpack = buildpack
        self.stream = stream  # None: whatever sys.stdout is when a line is written

    def _emit(self, text: str) -> None:
        print(text, file=self.stream or sys.stdout, flush=True)

    def header(self, title: str) -> None:
        self._emit(f"\n[{self.buildpack}] {title}")

    def info(self, text: str) -> None:
        self._emit(f"  {text}")

    def detail(self, text: str) -> None:
        self._emit(f"    {text}")

    def warn(self, text: str) -> None:
        self._emit(f"  WARNING: {text}")

    def reused(self, layer: str, why: str) -> None:
        self._emit(f"  Reusing layer '{layer}': {why}")

    def rebuilding(self, layer: str, why: str) -> None:
        self._emit(f"  Building layer '{layer}': {why}")

    def timed(self, label: str) -> "_Timer":
        return _Timer(self, label)


class _Timer:
    def __init__(self, log: Logger, label: str) -> None:
        self.log = log
        self.label = label
        self.start = 0.0

    def __enter__(self) -> "_Timer":
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.log.info(f"{self.label} done in {time.monotonic() - self.start:.1f}s")
