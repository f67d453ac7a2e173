"""Run the console examples of a Markdown file and compare what they print.

A file's ```console blocks are one session, read top to bottom as a reader follows them: one
shell, one fresh archive, the working folder a copy of the project's samples, templates and
tools. ``$ COMMAND`` lines are run; the lines after a command, up to the next ``$``, are what
it must print (stdout and stderr as the terminal shows them). A command followed by no lines
must print nothing. A line ``...`` stands for any number of lines. A command that runs until
stopped (``docgen watch``) shows ``^C`` where the reader presses Ctrl-C: it is run until it has
printed the lines above the ``^C``, then interrupted, and what it prints then follows.

Steps a reader needs but need not see (a scan made with tools/print_and_scan.py, say) are in
an HTML comment right before the block::

    <!-- console setup
    python tools/print_and_scan.py archive/documents/HT-2026-0001/HT-2026-0001-v2.pdf HT签字.pdf
    -->

Only what cannot be the same twice is normalised on both sides: temporary paths, times,
checksums, and sizes of files (a scan's codes carry the archive's own key, so its bytes differ
from one archive to the next).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

FENCE = re.compile(r"^```console\s*$")
SETUP = re.compile(r"^<!--\s*console setup\s*$")
ANY = "..."
INTERRUPT = "^C"
# absolute paths the examples use for places outside the working folder
OUTSIDE = ("/tmp/", "/mnt/", "/srv/", "/home/")


@dataclass
class Command:
    line: int
    text: str
    expected: list[str] = field(default_factory=list)
    hidden: bool = False


@dataclass
class Mismatch:
    command: Command
    actual: list[str]

    def __str__(self) -> str:
        return (
            f"line {self.command.line}: $ {self.command.text}\n"
            + "--- the file says:\n" + "\n".join(self.command.expected)
            + "\n--- docgen printed:\n" + "\n".join(self.actual)
        )


def _strip_comment(text: str) -> str:
    """``cmd   # a comment`` -> ``cmd`` (a # inside quotes stays)."""
    for m in re.finditer(r"\s{2,}#", text):
        head = text[: m.start()]
        try:
            shlex.split(head)
        except ValueError:
            continue
        return head.rstrip()
    return text.rstrip()


def parse(markdown: str) -> list[Command]:
    commands: list[Command] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        if SETUP.match(lines[i]):
            i += 1
            while i < len(lines) and lines[i].strip() != "-->":
                if lines[i].strip():
                    commands.append(Command(i + 1, lines[i].strip(), hidden=True))
                i += 1
        elif FENCE.match(lines[i]):
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                text = lines[i]
                if text.startswith("$ "):
                    commands.append(Command(i + 1, _strip_comment(text[2:])))
                elif commands and not commands[-1].hidden:
                    commands[-1].expected.append(text)
                i += 1
        i += 1
    return commands


def _localise(text: str, root: Path) -> str:
    """Put the example's outside paths (/tmp/try, /mnt/nas, ~) under the session's root."""
    for prefix in OUTSIDE:
        text = re.sub(rf"(?<![\w./~-]){re.escape(prefix)}", f"{root}{prefix}", text)
    return text


def normalise(line: str) -> str:
    line = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?", "<instant>", line)
    # a snapshot's name: its second, and -2, -3 … for the next ones made in the same second
    line = re.sub(r"\b\d{8}T\d{6}Z(?:-\d+)?\b", "<instant>", line)
    line = re.sub(r"\b\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?\b", "<instant>", line)  # a day and its time
    line = re.sub(r"\b\d\d:\d\d(?::\d\d)?\b", "<time>", line)
    line = re.sub(r"\b[0-9a-f]{8,64}(?:\b|(?=…))", "<sha256>", line)
    # sizes of scans and backups: a scan's codes carry the archive's own key, so its bytes differ
    line = re.sub(r"\b\d[\d,]*(?:\.\d+)? ?(?:字节|bytes|MB|KB)", "<size>", line)
    return line.rstrip()


def _matches(expected: list[str], actual: list[str]) -> bool:
    exp = [normalise(x) for x in expected]
    act = [normalise(x) for x in actual]

    def go(i: int, j: int) -> bool:
        if i == len(exp):
            return j == len(act)
        if exp[i].strip() in (ANY, "…"):
            return any(go(i + 1, k) for k in range(j, len(act) + 1))
        return j < len(act) and exp[i] == act[j] and go(i + 1, j + 1)

    return go(0, 0)


def _interrupted(command: str, lines: int, wait: float = 600) -> str:
    """Shell lines running ``command`` until it has printed ``lines`` lines, then Ctrl-C.

    It waits for the output, not for a time: only a command that never prints them is stopped
    after ``wait`` seconds, and the comparison then shows what it printed.
    """
    steps = int(wait * 10)
    return "\n".join([
        "__out=$(mktemp)",
        f"( {command} ) >\"$__out\" 2>&1 &",
        "__pid=$!; __n=0",
        f'while [ "$(grep -c \'\' \"$__out\")" -lt {lines} ] && kill -0 $__pid 2>/dev/null'
        f" && [ $__n -lt {steps} ]; do sleep 0.1; __n=$((__n+1)); done",
        "kill -INT -$__pid 2>/dev/null; wait $__pid; cat \"$__out\"; rm -f \"$__out\"",
    ])


def run(markdown: Path, workdir: Path, env: dict[str, str], timeout: float = 900) -> list[Mismatch]:
    """Run every command of ``markdown`` in ``workdir``; the commands that printed otherwise."""
    commands = parse(markdown.read_text(encoding="utf-8"))
    root = workdir / "outside"
    for prefix in OUTSIDE:
        (root / prefix.strip("/")).mkdir(parents=True, exist_ok=True)
    home = root / "home" / "user"
    home.mkdir(parents=True, exist_ok=True)
    marker = f"@@{uuid.uuid4().hex}@@"
    script = ["set +e -m"]  # -m: a job in the background takes Ctrl-C (SIGINT) as a terminal's would
    for n, c in enumerate(commands):
        script.append(f"printf '\\n{marker}{n}\\n'")
        text = _localise(c.text, root)
        if INTERRUPT in c.expected:
            script.append(_interrupted(text, c.expected.index(INTERRUPT)))
        else:
            script.append(text + " 2>&1")
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", "\n".join(script)],
        cwd=workdir, env={**env, "HOME": str(home)}, capture_output=True, text=True, timeout=timeout,
    )
    out = result.stdout.replace(str(root), "").replace(str(home), "~")
    parts = re.split(rf"\n{re.escape(marker)}(\d+)\n", out)
    printed = {int(parts[k]): parts[k + 1] for k in range(1, len(parts) - 1, 2)}
    bad: list[Mismatch] = []
    for n, c in enumerate(commands):
        if c.hidden:
            continue
        actual = printed.get(n, "").rstrip("\n").splitlines() if printed.get(n, "").strip() else []
        expected = [x for x in c.expected if x != INTERRUPT]
        if not _matches(expected, actual):
            bad.append(Mismatch(c, actual))
    return bad


def update(markdown: Path, mismatches: list[Mismatch]) -> None:
    """Write what docgen printed into ``markdown`` in place of what it says (for a person to
    read over before committing: ``python tests/consoledoc.py README.md``)."""
    lines = markdown.read_text(encoding="utf-8").splitlines()
    for m in sorted(mismatches, key=lambda m: m.command.line, reverse=True):
        start = m.command.line  # the line after the command, 0-based
        expected = m.command.expected
        actual = list(m.actual)
        if INTERRUPT in expected:  # Ctrl-C stays after as many lines as it came after
            cut = expected.index(INTERRUPT)
            actual = actual[:cut] + [INTERRUPT] + actual[cut:]
        lines[start:start + len(expected)] = actual
    markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")


def environment(venv_bin: Path, archive: Path) -> dict[str, str]:
    # the suite's converter services (their own folder, stopped at the end of the run)
    keep = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "TZ", "SYSTEMROOT", "DOCGEN_CONVERTER_DIR")}
    return {
        **keep,
        "PATH": f"{venv_bin}:/usr/bin:/bin",
        "DOCGEN_ARCHIVE": str(archive),
        "COLUMNS": "100",
    }


if __name__ == "__main__":  # python tests/consoledoc.py README.md: run it, write what was printed
    import shutil
    import sys
    import tempfile

    root = Path(__file__).resolve().parent.parent
    for name in sys.argv[1:]:
        doc = Path(name).resolve()
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            for part in ("samples", "templates", "tools"):
                shutil.copytree(root / part, work / part)
            (work / "tests").mkdir()
            shutil.copy(root / "tests" / "scanmaker.py", work / "tests")
            found = run(doc, work, environment(Path(sys.executable).parent, work / "archive"))
            for m in found:
                print(m, end="\n\n")
            if found:
                update(doc, found)
            print(f"{doc.name}: {len(found)} example(s) rewritten")
