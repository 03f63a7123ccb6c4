"""launch.toml (Buildpack API >= 0.9): processes with array commands."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Process:
    type: str
    command: list[str]
    args: list[str] = field(default_factory=list)
    default: bool = False
    working_dir: str | None = None

    def to_toml(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "command": list(self.command)}
        if self.args:
            data["args"] = list(self.args)
        data["default"] = self.default
        if self.working_dir:
            data["working-dir"] = self.working_dir
        return data


@dataclass
class Launch:
    processes: list[Process] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def write(self, layers_dir: Path) -> None:
        import tomli_w  # here: detect imports this module (processes.py) but writes nothing
        if sum(p.default for p in self.processes) > 1:
            raise ValueError("at most one process may be the default")
        data: dict[str, Any] = {}
        if self.labels:
            data["labels"] = [{"key": k, "value": v} for k, v in sorted(self.labels.items())]
        if self.processes:
            data["processes"] = [p.to_toml() for p in self.processes]
        (layers_dir / "launch.toml").write_text(tomli_w.dumps(data))
