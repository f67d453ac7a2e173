"""The README and docs show what docgen prints: every console example is run and compared."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import consoledoc
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [p for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
        if "```console" in p.read_text(encoding="utf-8")]


def test_parse_reads_commands_output_and_setup() -> None:
    text = "\n".join([
        "<!-- console setup", "touch a.txt", "-->",
        "```console", "$ ls   # the files", "a.txt", "$ true", "```",
        "```sh", "$ not-run", "```",
    ])
    cmds = consoledoc.parse(text)
    assert [(c.text, c.expected, c.hidden) for c in cmds] == [
        ("touch a.txt", [], True), ("ls", ["a.txt"], False), ("true", [], False)]


def test_a_wrong_example_is_reported(tmp_path: Path) -> None:
    md = tmp_path / "x.md"
    md.write_text("```console\n$ echo 12\n13\n$ echo 2026-11-29T14:02:11+08:00 abcdef0123456789\n"
                  "2026-01-01T00:00:00+08:00 0123456789abcdef\n$ printf 'a\\nb\\nc\\n'\na\n...\n```\n",
                  encoding="utf-8")
    bad = consoledoc.run(md, tmp_path, consoledoc.environment(Path(sys.executable).parent, tmp_path / "a"))
    assert [m.command.text for m in bad] == ["echo 12"]


def test_a_command_that_runs_until_stopped_is_interrupted(tmp_path: Path) -> None:
    md = tmp_path / "x.md"
    md.write_text("```console\n$ python3 -c \"import time; print('ready', flush=True); time.sleep(300)\"\n"
                  "ready\n^C\n...\n$ echo after\nafter\n```\n", encoding="utf-8")
    bad = consoledoc.run(md, tmp_path, consoledoc.environment(Path(sys.executable).parent, tmp_path / "a"))
    assert bad == []


@pytest.mark.parametrize("doc", DOCS, ids=[p.name for p in DOCS])
def test_console_examples_print_what_the_docs_say(doc: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for part in ("samples", "templates", "tools"):
        shutil.copytree(ROOT / part, work / part)
    (work / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "scanmaker.py", work / "tests")
    env = consoledoc.environment(Path(sys.executable).parent, work / "archive")
    bad = consoledoc.run(doc, work, env)
    assert not bad, f"{doc.name}: {len(bad)} example(s) differ\n\n" + "\n\n".join(map(str, bad))
