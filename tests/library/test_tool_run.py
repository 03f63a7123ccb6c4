"""The library's tool runner: a failing tool's tail becomes a UserError with where and fix."""
from __future__ import annotations

import sys

import pytest

from funcpacks import tool_run
from funcpacks.errors import UserError

# A tool that prints six lines (one blank, one on stderr) and fails.
FAILING = [sys.executable, "-u", "-c",
           "import sys\nfor i in range(1, 5): print(f'line{i}')\nprint('')\n"
           "print('oops: 401 Unauthorized', file=sys.stderr)\nsys.exit(3)"]


def test_a_failing_tool_raises_its_last_lines_with_where_and_fix():
    failure = tool_run.Failure("the tool failed", "fix the input", where="input.txt", tail=2)
    with pytest.raises(tool_run.ToolFailed) as err:
        tool_run.run(FAILING, failure)
    e = err.value
    assert (e.what, e.where, e.fix) == ("the tool failed", "input.txt", "fix the input")
    assert e.detail == "line4\noops: 401 Unauthorized"  # blank lines are not shown
    assert "line1" in e.output
    assert "  where: input.txt\n  | line4\n  | oops: 401 Unauthorized\n  fix:   fix the input" in e.render("t")


def test_the_first_matching_hint_names_the_failure_and_its_fix():
    hints = (tool_run.Hint("not in the output", "a", "b"), tool_run.Hint("401 Unauthorized", "no credentials", "bind"),
             tool_run.Hint("line1", "c", "d"))
    with pytest.raises(UserError) as err:
        tool_run.run(FAILING, tool_run.Failure("the tool failed", "x", hints=hints))
    assert (err.value.what, err.value.fix) == ("no credentials", "bind")


def test_the_caller_picks_the_text_lines_and_its_own_explanation():
    only_stderr = tool_run.Failure("f", "x", text=lambda out: out.stderr, lines=lambda text: text.splitlines())
    with pytest.raises(UserError) as err:
        tool_run.run(FAILING, only_stderr, merge_stderr=False)
    assert err.value.detail == "oops: 401 Unauthorized"
    explained = UserError("a cause the caller knows")
    with pytest.raises(UserError) as err:
        tool_run.run(FAILING, tool_run.Failure("f", "x", explain=lambda text: explained if "line2" in text else None))
    assert err.value is explained
    with pytest.raises(KeyError):  # any exception the caller makes
        tool_run.run(FAILING, lambda out: KeyError(out.returncode))


def test_output_is_echoed_as_it_comes_and_shown_once_done():
    echoed: list[str] = []
    shown: list[tool_run.Output] = []
    with pytest.raises(UserError):
        tool_run.run(FAILING, tool_run.Failure("f", "x"), echo=echoed.append, show=shown.append)
    assert echoed == ["line1", "line2", "line3", "line4", "", "oops: 401 Unauthorized"]
    assert shown[0].returncode == 3 and shown[0].stdout == "\n".join(echoed)
    out = tool_run.run([sys.executable, "-c", "print('ok')"], tool_run.Failure("f", "x"))
    assert (out.returncode, out.stdout, out.stderr) == (0, "ok\n", "")
