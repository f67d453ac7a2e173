"""Dates as people write them, and the company's time zone whatever the server's.

The company sits in Shanghai; its server may run in UTC or New York. Just after midnight in
Shanghai (2026-11-30T16:30:00Z = 2026-12-01 00:30 in Shanghai) it is still 30 November in UTC
and in New York: docgen must show Shanghai's time and count Shanghai's day.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import ME, SAMPLES, edit, keyed_archive, new, run, run_process

from docgen import clock
from docgen.dates import DATE, parse_date
from docgen.errors import ConfigError

MIDNIGHT = "2026-11-30T16:30:00Z"  # 2026-12-01 00:30 in Shanghai
SHANGHAI = "2026-12-01T00:30:00+08:00"
ZONES = ["UTC", "America/New_York"]


@pytest.fixture(autouse=True)
def company_zone() -> Iterator[None]:
    """Each test starts in the default zone (an archive's settings set it for the process)."""
    clock.use_zone("Asia/Shanghai")
    yield
    clock.use_zone("Asia/Shanghai")


# parse_date -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2026-11-02", "2026/11/02", "2026年11月2日", "2026年11月02日", "2026/11/2", "2026-11-2",
     " 2026-11-02 ", "２０２６－１１－０２", "２０２６／１１／０２", "２０２６年１１月２日", "2026 年 11 月 2 日",
     "2026年11月2号", "\u30002026-11-02\u3000"],
)
def test_parse_date_accepts_the_three_forms(text: str) -> None:
    assert parse_date(text) == dt.date(2026, 11, 2)


def test_parse_date_keeps_a_date_and_knows_leap_years() -> None:
    assert parse_date(dt.date(2026, 11, 2)) == dt.date(2026, 11, 2)
    assert parse_date("2028-02-29") == dt.date(2028, 2, 29)
    assert parse_date("2000年2月29日") == dt.date(2000, 2, 29)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-30", "'2026-02-30' is not a date: 2026-02 has 28 days"),
        ("2027/02/29", "'2027/02/29' is not a date: 2027-02 has 28 days"),
        ("2026年4月31日", "'2026年4月31日' is not a date: 2026-04 has 30 days"),
        ("2026-13-01", "'2026-13-01' is not a date: there is no month 13"),
        ("2026-00-10", "'2026-00-10' is not a date: there is no month 0"),
        ("2026-11-00", "'2026-11-00' is not a date: 2026-11 has 30 days"),
        ("0000-01-01", "'0000-01-01' is not a date: there is no year 0"),
        ("2026.11.02", "'2026.11.02' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
        ("2026-11/02", "'2026-11/02' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
        ("20261102", "'20261102' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
        ("02/11/2026", "'02/11/2026' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
        ("2026年11月", "'2026年11月' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
        ("", "'' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
        ("明天", "'明天' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
        ("٢٠٢٦-١١-٠٢", "'٢٠٢٦-١١-٠٢' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
        ("2026-11-02\nforged", "'2026-11-02\\nforged' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
        ("2026-11-02T10:00", "'2026-11-02T10:00' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
    ],
)
def test_parse_date_refuses_anything_else_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_date(text)
    assert str(exc.value) == message
    assert "\n" not in str(exc.value)


def test_parse_date_message_stays_short_for_a_long_value() -> None:
    with pytest.raises(ValueError) as exc:
        parse_date("2026-11-02" * 1000)
    assert len(str(exc.value)) < 120 and "\n" not in str(exc.value)


def test_parse_date_takes_a_timestamp_s_day_and_refuses_a_number() -> None:
    assert parse_date(dt.datetime(2026, 11, 2, 10, 0)) == dt.date(2026, 11, 2)
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(20261102)  # type: ignore[arg-type]


def test_date_param_is_a_usage_error() -> None:
    @click.command()
    @click.option("--day", type=DATE)
    def cmd(day: dt.date) -> None:
        click.echo(repr(day))

    runner = CliRunner()
    assert runner.invoke(cmd, ["--day", "2026年12月20日"]).output == "datetime.date(2026, 12, 20)\n"
    r = runner.invoke(cmd, ["--day", "2026-02-30"])
    assert r.exit_code == 2
    assert r.output == "Error: --day '2026-02-30' is not a date: 2026-02 has 28 days\n"


# every date option of the command line ----------------------------------------------------------


BAD = "Error: {opt} '2026-02-30' is not a date: 2026-02 has 28 days"


@pytest.mark.parametrize(
    ("args", "opt"),
    [
        (["new", "rectification", "--from-acceptance", "YS-2027-0001", "--deadline", "2026-02-30"], "--deadline"),
        (["recheck", "ZG-2026-0001", "--failed", "--note", "x", "--deadline", "2026-02-30"], "--deadline"),
        (["recheck", "ZG-2026-0001", "--passed", "--note", "x", "--date", "2026-02-30"], "--date"),
        (["search", "拆除", "--from", "2026-02-30"], "--from"),
        (["search", "拆除", "--to", "2026-02-30"], "--to"),
        (["pull", "--as", "finance", "--kind", "contract", "--since", "2026-02-30"], "--since"),
    ],
)
def test_every_date_option_refuses_an_impossible_day(args: list[str], opt: str, archive_dir: Path) -> None:
    r = run(*args)
    assert r.exit_code == 2, r
    assert r.stderr.splitlines() == [BAD.format(opt=opt)]  # one line, naming the option
    assert r.stdout == ""
    assert not (archive_dir / "catalog.sqlite").exists() or not list((archive_dir / "documents").glob("*"))


@pytest.mark.parametrize("day", ["2026-11-01", "2026/11/01", "2026年11月1日", "２０２６年１１月１日"])
def test_since_reads_every_form(day: str) -> None:
    r = run("pull", "--as", "finance", "--kind", "contract", "--since", day)
    assert r.exit_code == 0, r
    assert r.stdout == "no contract signed since 2026-11-01\n"


def test_date_options_show_the_forms_in_help() -> None:
    r = run("recheck", "--help")
    assert "--deadline DATE" in r.stdout and "--date DATE" in r.stdout


# the company's clock ----------------------------------------------------------------------------


@pytest.fixture
def server_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's own zone is New York, as a server's might be."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_now_and_today_are_the_company_s(monkeypatch: pytest.MonkeyPatch, server_zone: None) -> None:
    monkeypatch.setenv("DOCGEN_NOW", MIDNIGHT)
    monkeypatch.delenv("DOCGEN_TODAY", raising=False)
    assert dt.datetime.now().astimezone().utcoffset() != dt.timedelta(hours=8)  # the server is elsewhere
    assert clock.now().isoformat() == SHANGHAI
    assert clock.stamp() == SHANGHAI
    assert clock.today() == dt.date(2026, 12, 1)
    clock.use_zone("America/New_York")
    assert clock.today() == dt.date(2026, 11, 30)
    assert clock.stamp() == "2026-11-30T11:30:00-05:00"


def test_now_without_a_fixed_clock_is_the_present_in_the_company_zone(
    monkeypatch: pytest.MonkeyPatch, server_zone: None
) -> None:
    monkeypatch.delenv("DOCGEN_NOW", raising=False)
    got = clock.now()
    assert got.utcoffset() == dt.timedelta(hours=8)
    assert abs(got - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(seconds=5)


def test_docgen_today_fixes_only_the_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_NOW", MIDNIGHT)
    monkeypatch.setenv("DOCGEN_TODAY", "2026/12/24")
    assert clock.today() == dt.date(2026, 12, 24)
    monkeypatch.setenv("DOCGEN_TODAY", "2026-02-30")
    with pytest.raises(ConfigError, match="DOCGEN_TODAY: '2026-02-30' is not a date"):
        clock.today()


def test_a_bad_docgen_now_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_NOW", "yesterday\nforged")
    with pytest.raises(ConfigError) as exc:
        clock.now()
    assert str(exc.value).startswith("DOCGEN_NOW='yesterday\\nforged' is not an instant")


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-11-30T16:30:00+00:00", SHANGHAI),  # a row written by a server in UTC
        ("2026-11-30T16:30:00Z", SHANGHAI),
        ("2026-11-30T11:30:00-05:00", SHANGHAI),  # by a server in New York
        (SHANGHAI, SHANGHAI),
        ("2026-12-01T00:30:00", SHANGHAI),  # no offset: the company's time
        ("not a time", "not a time"),
        ("", ""),
    ],
)
def test_stored_instants_are_shown_in_the_company_zone(stored: str, shown: str) -> None:
    assert clock.fmt_instant(stored) == shown


def test_local_day_is_the_company_s_date() -> None:
    assert clock.fmt_day("2026-11-30T16:30:00+00:00") == "2026-12-01"
    assert clock.fmt_day("2026-11-30T15:59:59+00:00") == "2026-11-30"
    assert clock.local_day("garbage") is None
    clock.use_zone("Asia/Tokyo")
    assert clock.fmt_instant("2026-11-30T16:30:00Z") == "2026-12-01T01:30:00+09:00"


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "Asia/Shanghai\x00", "x" * 200])
def test_an_unknown_zone_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="time zone") as exc:
        clock.zone(name)
    assert "\n" not in str(exc.value)


# docgen.toml [company] timezone -----------------------------------------------------------------


def set_zone(archive_dir: Path, line: str) -> None:
    path = archive_dir / "docgen.toml"
    text = path.read_text(encoding="utf-8")
    assert 'timezone = "' in text
    lines = [line if x.startswith("timezone = ") else x for x in text.splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_default_settings_name_shanghai(archive_dir: Path) -> None:
    assert run("list").exit_code == 0
    text = (archive_dir / "docgen.toml").read_text(encoding="utf-8")
    assert '\ntimezone = "Asia/Shanghai"' in text
    from docgen.config import load_settings

    assert load_settings(archive_dir).timezone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('timezone = "Mars/Olympus"',
         "Error: docgen.toml: [company] timezone: 'Mars/Olympus' is not a known time zone; "
         'use an IANA name such as "Asia/Shanghai"'),
        ("timezone = 8",
         "Error: docgen.toml: [company] timezone: '8' is not a time zone; use an IANA name such as "
         '"Asia/Shanghai"'),
    ],
)
def test_a_bad_company_zone_stops_commands(archive_dir: Path, line: str, message: str) -> None:
    assert run("list").exit_code == 0
    set_zone(archive_dir, line)
    r = run("list")
    assert r.exit_code == 1
    assert r.stderr.strip() == message


def test_times_written_in_other_zones_are_shown_in_the_company_zone_and_in_order(
    work: Path, archive_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document made while docgen.toml said Shanghai, voided an hour later while it said UTC
    (as an archive written by an older docgen on a UTC server): both are shown in the zone the
    company now names, and the log keeps them in time order although the stored text of the
    later one sorts first."""
    monkeypatch.setenv("DOCGEN_NOW", MIDNIGHT)
    new("quote", work / "quote.yaml")
    for first, last in (("2026年11月1日", "2026/11/02"), ("２０２６－１１－０２", "2026年11月2日")):
        found = json.loads(run("search", "拆除", "--from", first, "--to", last, "--json").stdout)
        assert [r["number"] for r in found] == ["BJ-2026-0001"]  # the quote is dated 2026-11-02
    assert run("search", "拆除", "--from", "2026/11/03").stdout == "no documents found\n"
    set_zone(archive_dir, 'timezone = "UTC"')
    monkeypatch.setenv("DOCGEN_NOW", "2026-11-30T17:30:00Z")
    assert run("void", "BJ-2026-0001", "--note", "客户取消").exit_code == 0
    import sqlite3

    with sqlite3.connect(archive_dir / "catalog.sqlite") as db:
        stored = [r[0] for r in db.execute("SELECT created FROM events ORDER BY id")]
    assert stored == [SHANGHAI, "2026-11-30T17:30:00+00:00"]  # each with its offset
    set_zone(archive_dir, 'timezone = "Asia/Shanghai"')
    lines = run("log", "--wide").stdout.splitlines()[1:]  # under the header row
    assert [line[:25] for line in lines] == [SHANGHAI, "2026-12-01T01:30:00+08:00"]
    assert "create" in lines[0] and "void" in lines[1]
    data = json.loads(run("show", "BJ-2026-0001", "--json").stdout)
    assert [e["created"] for e in data["events"]] == [SHANGHAI, "2026-12-01T01:30:00+08:00"]
    assert "2026-12-01T01:30:00+08:00" in run("list").stdout  # updated, when it was voided
    set_zone(archive_dir, 'timezone = "Asia/Tokyo"')
    assert f"  2026-12-01T01:30:00+09:00  {ME}" in run("show", "BJ-2026-0001").stdout
    assert run("verify").exit_code == 0  # the stored rows were never rewritten
    # the quote (2026-11-02, valid 30 days) runs out with Shanghai's 2 December
    set_zone(archive_dir, 'timezone = "Asia/Shanghai"')
    monkeypatch.setenv("DOCGEN_NOW", "2026-12-02T15:59:59Z")
    assert "EXPIRED" not in run("show", "BJ-2026-0001").stdout
    monkeypatch.setenv("DOCGEN_NOW", "2026-12-02T16:00:00Z")  # 2026-12-03 00:00 in Shanghai
    assert "valid until 2026-12-02  (EXPIRED" in run("show", "BJ-2026-0001").stdout


def test_a_new_project_s_code_takes_the_company_s_year(
    work: Path, monkeypatch: pytest.MonkeyPatch, server_zone: None
) -> None:
    monkeypatch.setenv("DOCGEN_NOW", "2026-12-31T16:30:00Z")  # 2027-01-01 00:30 in Shanghai
    edit(work / "project.yaml", lambda d: d.pop("code"))  # docgen gives the project its code
    made = new("quote", work / "quote.yaml")
    assert json.loads(run("show", made["number"], "--json").stdout)["project"] == "P-2027-0001"


# a server in UTC or New York, just after midnight in Shanghai -----------------------------------


def docgen(root: Path, tz: str, *args: str | Path, now: str = MIDNIGHT) -> str:
    env = {"TZ": tz, "DOCGEN_NOW": now, "DOCGEN_ARCHIVE": str(root)}
    r = run_process(*args, env=env)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout


@pytest.fixture(scope="module")
def midnight(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive made by a server in New York at 2026-12-01 00:30 Shanghai time: the sample
    quote and contract, and a notice inspected 2026-11-25 and due 2026-11-27."""
    assert "DOCGEN_TODAY" not in os.environ
    base = tmp_path_factory.mktemp("midnight")
    root = keyed_archive(base / "archive")
    work = base / "work"
    shutil.copytree(SAMPLES, work)

    def due_early(d: dict) -> None:  # type: ignore[type-arg]
        d.update(inspection_date="2026-11-25", deadline="2026-11-27")

    edit(work / "rectification.yaml", due_early)
    for kind in ("quote", "contract"):
        docgen(root, "America/New_York", "new", kind, work / f"{kind}.yaml")
    # the notice needs its contract: approved by legal is enough here ([chain] contract_status)
    toml = root / "docgen.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'contract_status = "signed"', 'contract_status = "approved"'), encoding="utf-8")
    docgen(root, "America/New_York", "review", "HT-2026-0001", "submit")
    docgen(root, "America/New_York", "review", "HT-2026-0001", "approve", "--note", "同意")
    docgen(root, "America/New_York", "new", "rectification", work / "rectification.yaml")
    return root


@pytest.fixture
def archive_at_midnight(midnight: Path, tmp_path: Path) -> Path:
    root = tmp_path / "midnight"
    shutil.copytree(midnight, root)
    return root


@pytest.mark.parametrize("tz", ZONES)
def test_overdue_days_are_counted_from_shanghai_s_date(archive_at_midnight: Path, tz: str) -> None:
    rows = json.loads(docgen(archive_at_midnight, tz, "list", "--overdue", "--json"))
    assert [(r["number"], r["deadline"], r["days_overdue"]) for r in rows] == [("ZG-2026-0001", "2026-11-27", 4)]
    late = docgen(archive_at_midnight, tz, "list", "--overdue", "--wide").splitlines()
    assert len(late) == 2 and late[1].split()[0] == "ZG-2026-0001" and late[1].split()[-1] == "4"
    assert "OVERDUE by 4 day(s)" in docgen(archive_at_midnight, tz, "show", "ZG-2026-0001")
    # an hour before midnight in Shanghai it was 3
    before = docgen(archive_at_midnight, tz, "list", "--overdue", "--json", now="2026-11-30T15:30:00Z")
    assert json.loads(before)[0]["days_overdue"] == 3


@pytest.mark.parametrize("tz", ZONES)
def test_show_log_and_list_times_are_shanghai_s(archive_at_midnight: Path, tz: str) -> None:
    shown = docgen(archive_at_midnight, tz, "show", "ZG-2026-0001", "--wide").splitlines()
    version_row = next(line for line in shown if line.lstrip().startswith("v1 "))
    assert SHANGHAI in version_row and ME in version_row
    assert any(SHANGHAI in line and "create" in line for line in shown)
    data = json.loads(docgen(archive_at_midnight, tz, "show", "ZG-2026-0001", "--json"))
    assert data["versions"][0]["created"] == SHANGHAI
    log = docgen(archive_at_midnight, tz, "log", "--wide").splitlines()[1:]  # under the header row
    assert log and all(line.startswith(SHANGHAI) for line in log)
    assert any("delivered" in line and "ZG-2026-0001" in line for line in log)
    for row in json.loads(docgen(archive_at_midnight, tz, "log", "--json")):
        assert row["created"] == SHANGHAI
    listed = docgen(archive_at_midnight, tz, "list", "--wide").splitlines()[1:]
    assert len(listed) == 3 and all(line.rstrip().endswith(SHANGHAI) for line in listed)


@pytest.mark.parametrize(("tz", "deadline"), [("UTC", "2026/12/20"), ("America/New_York", "2026年12月20日")])
def test_recheck_default_date_and_copies_are_dated_in_shanghai(
    archive_at_midnight: Path, tz: str, deadline: str
) -> None:
    out = docgen(archive_at_midnight, tz, "recheck", "ZG-2026-0001", "--failed", "--note", "仍有空鼓",
                 "--deadline", deadline)
    assert "re-issued, deadline 2026-12-20" in out
    data = json.loads(docgen(archive_at_midnight, tz, "show", "ZG-2026-0001", "--json"))
    assert data["summary"]["deadline"] == "2026-12-20" and data["summary"]["rechecks"] == 1
    sha = data["versions"][1]["files"]["text"]["sha256"]
    text = (archive_at_midnight / "objects" / sha[:2] / sha).read_text(encoding="utf-8")
    assert "2026年12月1日" in text  # the re-inspection's default date: Shanghai's today
    assert "2026年11月30日" not in text
    assert data["versions"][1]["created"] == SHANGHAI
    # the engineering department's notice that v1 was replaced is dated Shanghai's day
    notices = list((archive_at_midnight / "outbox" / "engineering").glob("*已被第2版取代.txt"))
    assert len(notices) == 1
    assert notices[0].read_text(encoding="utf-8").endswith("\n2026-12-01  docgen\n")


@pytest.mark.parametrize("tz", ZONES)
def test_intake_log_and_quarantine_are_in_shanghai_time(archive_at_midnight: Path, tz: str, tmp_path: Path) -> None:
    junk = tmp_path / "说明.txt"
    junk.write_text("not a scan", encoding="utf-8")
    r = run_process("ingest", junk, env={"TZ": tz, "DOCGEN_NOW": MIDNIGHT, "DOCGEN_ARCHIVE": str(archive_at_midnight)})
    assert r.returncode == 1, r
    log = (archive_at_midnight / "logs" / "intake.log").read_text(encoding="utf-8").splitlines()
    assert log[-1].startswith(f"{SHANGHAI} ") and "说明.txt" in log[-1]
    reasons = list((archive_at_midnight / "quarantine").glob("*.reason.txt"))
    assert len(reasons) == 1
    assert "\nchecked: 2026-12-01 00:30:00\n" in reasons[0].read_text(encoding="utf-8")
    listed = docgen(archive_at_midnight, tz, "quarantine", "list")
    assert listed.splitlines()[1].split("  ")[1] == "2026-12-01 00:30:00"  # the 检查时间 column


def test_pull_since_is_the_company_s_date(archive_at_midnight: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A contract signed at 00:30 in Shanghai on 1 December counts as signed since 1 December,
    though the row was written by a server in UTC, where it was still 30 November."""
    from docgen.archive.core import Archive
    from docgen.distribute import signed_since

    monkeypatch.setenv("DOCGEN_NOW", MIDNIGHT)
    archive = Archive.open(archive_at_midnight)
    try:
        archive.settings  # noqa: B018 - sets the company's zone
        clock.use_zone("UTC")  # as an older docgen on a UTC server wrote it
        with archive.catalog.write():
            archive.catalog.log("HT-2026-0001", 1, "sign", "draft", "signed", "tester", "")
        clock.use_zone("Asia/Shanghai")
        signed = [e.created for e in archive.catalog.events("HT-2026-0001") if e.action == "sign"]
        assert signed == ["2026-11-30T16:30:00+00:00"]
        assert signed_since(archive, "contract", dt.date(2026, 12, 1)) == ["HT-2026-0001"]
        assert signed_since(archive, "contract", dt.date(2026, 12, 2)) == []
    finally:
        archive.close()


@pytest.mark.parametrize("tz", ZONES)
def test_watch_prints_shanghai_s_time(
    archive_at_midnight: Path, tz: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_watch import Watch

    for key, value in {"TZ": tz, "DOCGEN_NOW": MIDNIGHT, "DOCGEN_ARCHIVE": str(archive_at_midnight)}.items():
        monkeypatch.setenv(key, value)
    w = Watch()
    try:
        line = w.wait_for("watching", timeout=120)[0]
    finally:
        w.stop()
    assert line.startswith("00:30:00 watching "), line


def test_restore_shows_when_the_backup_was_made_in_the_company_zone(
    work: Path, tmp_path: Path, server_zone: None
) -> None:
    """The manifest keeps the backup's time in UTC; restore shows it in Shanghai's."""
    new("quote", work / "quote.yaml")
    dest = tmp_path / "backup"
    assert run("backup", dest).exit_code == 0
    (snapshot,) = (dest / "snapshots").iterdir()
    made = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))["created"]
    assert made.endswith("+00:00")
    r = run("restore", dest, "--archive", tmp_path / "restored")
    assert r.exit_code == 0, r
    shown = clock.fmt_instant(made)
    assert shown.endswith("+08:00") and clock.instant(shown) == dt.datetime.fromisoformat(made)
    assert f"(made {shown} by docgen " in r.stdout.splitlines()[0]
