"""Page benchmark: the server time of every page, beside the service call it builds on, in one run.

    .venv/bin/python bench/pages.py [--versions 10000] [--requests 30] [--quick] [--keep DIR]

Makes an archive of VERSIONS versions (default 10,000): one project's life is made for
real by docgen (quote, contract through legal review, change order, rectification notice
rechecked, a failed and a passed acceptance, warranty card; the quote, contract and change
order printed, signed, scanned and filed; a scan quarantined), then replayed through the
catalog for many projects spread over three years (some stop after the quote, some
contracts are still in review, notices still open...), each with its own customer, dates
and text; the search index is built by docgen from the catalog. Then, in-process with
FastAPI's TestClient (no network), each page is requested REQUESTS times by each role that
sees it, and each request's time from call to full response is taken; interleaved with
them, the service calls the page makes (its floor: Service.documents(), Service.search(),
Service.show(), ...) are timed the same way, as the page's account, on the same archive.

Printed per page and role: median and p95 of the page, median and p95 of its floor, the
ratio of the medians, the page's size, and PASS/MISS against the target: every page under
100 ms server time (p95) on a 10,000-version archive. The machine is noisy; the ratio of
interleaved medians is the steadier figure. With --keep DIR the archive is made once in DIR
and reused by later runs (making it takes a few minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import yaml  # noqa: E402

from bench.common import docgen  # noqa: E402

SAMPLES = ROOT / "samples" / "zhangjiang"
PASSWORD = "bench-horse-7"
PEOPLE = {"legal": "qian", "engineering": "zhou", "finance": "li", "frontdesk": "zhao", "archive": "dang",
          "sales": "sun", "admin": "boss"}
TARGET_MS = 100.0
YEARS = 3  # projects start over the last three years

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红文俊"
CITIES = ["上海市浦东新区", "上海市徐汇区", "上海市闵行区", "上海市静安区", "上海市长宁区", "上海市普陀区"]
ESTATES = ["张江汤臣豪园", "漕溪北路小区", "翠湖天地", "万科城市花园", "保利香槟国际", "绿地海珀", "碧桂园", "仁恒河滨城"]


# the seed: one project's life, made by docgen itself ---------------------------------------

def make_seed(folder: Path) -> Path:
    """An archive holding one project's whole life, made through docgen's command line as
    people make it (LibreOffice renders; scans are printed, signed and scanned by scanmaker)."""
    import scanmaker

    archive = folder / "archive"
    work = folder / "work"
    shutil.copytree(SAMPLES, work)
    env = {**os.environ, "DOCGEN_ARCHIVE": str(archive)}
    docs = archive / "documents"

    def new(kind: str, name: str) -> str:
        made = json.loads(docgen("new", kind, str(work / name), "--json", env=env))
        made = made[0] if isinstance(made, list) else made
        return str(made["number"])

    def signed_scan(number: str, seed: int) -> None:
        scan = scanmaker.scan(docs / number / f"{number}-v1.pdf", folder / f"{number}.pdf", 200, seed=seed)
        docgen("ingest", str(scan), env=env)

    quote = new("quote", "quote.yaml")
    signed_scan(quote, 1)
    contract = new("contract", "contract.yaml")
    docgen("review", contract, "submit", env=env)
    docgen("review", contract, "approve", "--note", "同意", env=env)
    signed_scan(contract, 2)
    change = new("change", "change-1.yaml")
    signed_scan(change, 3)
    notice = new("rectification", "rectification.yaml")
    deadline = yaml.safe_load((work / "rectification.yaml").read_text(encoding="utf-8"))["deadline"]
    docgen("recheck", notice, "--passed", "--note", "空鼓墙砖已返工，插座回路已补接地线，复查合格", "--date",
           (deadline - timedelta(days=2)).isoformat(), env=env)
    new("acceptance", "acceptance-1.yaml")
    new("acceptance", "acceptance-2.yaml")
    new("warranty", "warranty.yaml")
    # a scan whose code is covered (a coffee stain): quarantined, for the front desk
    pdf = docs / quote / f"{quote}-v1.pdf"
    scanmaker.image_pdf([scanmaker.cover_qr(im) for im in scanmaker.render(pdf, 200)], folder / "scan0042.pdf")
    r = subprocess.run([sys.executable, "-m", "docgen.cli", "ingest", str(folder / "scan0042.pdf")], env=env,
                       capture_output=True, text=True)
    if not (archive / "quarantine" / "scan0042.pdf").exists():
        raise SystemExit(f"the covered scan was not quarantined: {r.stdout}{r.stderr}")
    (folder / "done").write_text("seed made\n", encoding="utf-8")
    return archive


@dataclass
class SeedDoc:
    number: str
    kind: str
    title: str
    day: date  # its v1's doc_date
    versions: list[Any]  # VersionRow
    events: list[tuple[Any, int]] = field(default_factory=list)  # (EventRow, the version it belongs to)
    intro: dict[int, int] = field(default_factory=dict)  # version -> index of the event that made it
    texts: dict[int, str] = field(default_factory=dict)


def read_seed(seed: Path) -> tuple[list[SeedDoc], dict[str, Any]]:
    from docgen.archive.core import Archive

    archive = Archive.open(seed)
    cat = archive.catalog
    docs = []
    for d in cat.documents():
        versions = cat.versions(d.number)
        sd = SeedDoc(d.number, d.kind, d.title, date.fromisoformat(versions[0].summary["doc_date"]), versions)
        events = cat.events(d.number)
        made = {}
        for v in versions:  # the first event of the document not older than the version made it
            made[v.version] = next(i for i, e in enumerate(events) if e.created >= v.created)
        for i, e in enumerate(events):
            own = next((v for v, at in made.items() if at == i), None)
            sd.events.append((e, own if own is not None else (e.version or versions[-1].version)))
        sd.intro = made
        for v in versions:
            f = v.file("text")
            sd.texts[v.version] = archive.store.get(f.sha256).decode() if f else ""
        docs.append(sd)
    project = cat.project(docs[0].versions[0].summary["project"]) or {}
    archive.close()
    return docs, project


# the big archive: the seed's life replayed for many projects -------------------------------

@dataclass
class Step:
    at: datetime
    doc: int  # index into the project's planned documents
    event: int  # index into the seed document's events


def plan_project(rng: random.Random, seeds: list[SeedDoc], start: datetime, now: datetime) -> list[Step]:
    """Which of the seed's documents and events this project has, and when; nothing after ``now``."""
    kinds = [s.kind for s in seeds]
    keep = set(range(len(seeds)))
    tails: dict[int, int] = {}  # seed document -> events kept (a life that stopped)

    def drop(kind: str, which: int | None = None) -> None:
        hits = [i for i, k in enumerate(kinds) if k == kind]
        for i in hits if which is None else hits[which:which + 1]:
            keep.discard(i)

    quote = kinds.index("quote")
    contract = kinds.index("contract")
    if rng.random() < 0.25:  # the customer never signed: a quote, sometimes not even signed
        keep = {quote}
        if rng.random() < 0.7:
            tails[quote] = 1
    elif rng.random() < 0.04:  # a contract that stopped in review or after it
        keep = {quote, contract}
        tails[contract] = rng.choice((2, 3))
    else:
        if rng.random() > 0.35:
            drop("change")
        elif rng.random() < 0.2:
            tails[kinds.index("change")] = 1  # a change order never signed
        if rng.random() > 0.5:
            drop("rectification")
        elif rng.random() < 0.07:
            tails[kinds.index("rectification")] = 1  # a notice never rechecked: overdue
        if rng.random() > 0.25:
            drop("acceptance", 0)  # passed at the first acceptance
    stretch = rng.uniform(0.7, 1.6)
    t0 = seeds[quote].day
    steps = []
    for i in sorted(keep):
        s = seeds[i]
        at = start + timedelta(days=(s.day - t0).days * stretch, hours=rng.uniform(0, 8))
        for j, _ in enumerate(s.events[: tails.get(i, len(s.events))]):
            if j:
                at += timedelta(days=rng.uniform(0.5, 6), hours=rng.uniform(0, 4))
            if at > now:
                break
            steps.append(Step(at, i, j))
    return steps


DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def shifted(value: Any, days: int) -> Any:
    """Every date in a summary moved by ``days``."""
    if isinstance(value, dict):
        return {k: shifted(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [shifted(v, days) for v in value]
    if isinstance(value, str) and DAY.match(value):
        return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    return value


def renamed(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v, names) for v in value]
    if isinstance(value, str) and value in names:
        return names[value]
    return value


def fast_put(store: Any, data: bytes) -> tuple[str, int]:
    """A blob written without the store's fsyncs (a throwaway archive made quickly)."""
    from docgen.archive.store import sha256_bytes

    sha = sha256_bytes(data)
    path = store.path(sha)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.chmod(path, 0o400)
    return sha, len(data)


ACTORS = {"quote": "sun", "contract": "sun", "change": "sun", "rectification": "zhou", "acceptance": "zhou",
          "warranty": "zhou"}


def build(root: Path, seed: Path, versions: int, rng: random.Random) -> dict[str, Any]:
    """The archive at ``root``: the seed's project life replayed until it holds ``versions`` versions."""
    from docgen import clock, pagecode
    from docgen.archive.core import Archive

    seeds, seed_project = read_seed(seed)
    archive = Archive.open(root)
    settings = archive.settings
    engine = settings.search_engine  # docgen's default: a new archive's docgen.toml
    shutil.copytree(seed / "objects", root / "objects", dirs_exist_ok=True)
    shutil.copytree(seed / "quarantine", root / "quarantine", dirs_exist_ok=True)
    now = clock.now() - timedelta(hours=1)
    span = timedelta(days=365 * YEARS)
    plans: list[tuple[datetime, list[Step]]] = []
    count = 0
    while count < versions:
        start = now - span * rng.random()
        steps = plan_project(rng, seeds, start, now)
        made = sum(1 for st in steps if st.event in seeds[st.doc].intro.values())
        if not made:
            continue
        plans.append((start, steps))
        count += made
    plans.sort(key=lambda p: p[0])
    every = sorted(((st.at, p, st) for p, (_start, steps) in enumerate(plans) for st in steps),
                   key=lambda t: (t[0], t[1], t[2].doc, t[2].event))
    seed_numbers = [s.number for s in seeds]
    seed_code = seed_project["code"]
    seed_name = seed_project["customer"]["name"]
    seed_address = seed_project["customer"]["address"]
    seed_phone = seed_project["customer"]["phone"]
    numbers: dict[tuple[int, int], str] = {}
    projects: dict[int, dict[str, Any]] = {}
    cat = archive.catalog
    db = cat.db
    stamp = clock.fmt_instant
    try:
        with cat.write():
            for at, p, st in every:
                sd = seeds[st.doc]
                e, belongs = sd.events[st.event]
                when = stamp(at)
                os.environ["DOCGEN_NOW"] = when
                if p not in projects:  # the project's first document: its customer
                    code = f"P-{at.year}-{cat.next_seq('project', at.year):04d}"
                    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")
                    address = f"{rng.choice(CITIES)}{rng.choice(ESTATES)}{rng.randint(1, 30)}号{rng.randint(101, 2802)}室"
                    phone = f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"
                    data = json.loads(json.dumps(seed_project))
                    data.update(code=code)
                    data["customer"].update(name=name, address=address, phone=phone)
                    data["site"]["address"] = address
                    db.execute("INSERT INTO projects(code, customer, site_address, data, created, updated) "
                               "VALUES (?, ?, ?, ?, ?, ?)",
                               (code, name, address, json.dumps(data, ensure_ascii=False, sort_keys=True), when, when))
                    projects[p] = {"code": code, "name": name, "address": address, "phone": phone, "shifts": {}}
                pj = projects[p]
                key = (p, st.doc)
                if e.action == "create":
                    shift = (at.date() - sd.day).days
                    year = (sd.day + timedelta(days=shift)).year
                    numbers[key] = settings.number(sd.kind, year, cat.next_seq(sd.kind, year))
                    pj["shifts"][st.doc] = shift
                number = numbers[key]
                names = {seed_code: pj["code"], **{n: numbers.get((p, i), n) for i, n in enumerate(seed_numbers)}}
                shift = pj["shifts"][st.doc]
                if e.action == "create":
                    db.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (number, sd.kind, pj["code"], e.to_status, sd.title, when, when))
                else:
                    db.execute("UPDATE documents SET status = ?, updated = ? WHERE number = ?",
                               (e.to_status, when, number))
                made = next((v for v, i in sd.intro.items() if i == st.event), None)
                actor = {"review:submit": "sun", "review:approve": "qian", "sign": "zhao"}.get(e.action) or (
                    "zhou" if e.action.startswith("recheck") else ACTORS.get(sd.kind, "boss"))
                if made is not None:
                    v = next(x for x in sd.versions if x.version == made)
                    summary = renamed(shifted(v.summary, shift), names)
                    summary["project"] = pj["code"]
                    if "page_code" in summary:
                        summary["page_code"] = str(pagecode.make(number, int(summary["page_code"].split(".V")[1]
                                                                             .split(".")[0]), archive.key))
                    if isinstance(summary.get("scan"), dict):
                        summary["scan"] = {**summary["scan"], "received": when, "name": f"scan{rng.randint(1, 9999):04d}.pdf"}
                    summary["input_sha"] = hashlib.sha256(f"{number} v{made}".encode()).hexdigest()
                    text = sd.texts.get(made, "")
                    for old, new in ((seed_name, pj["name"]), (seed_address, pj["address"]), (seed_phone, pj["phone"]),
                                     *names.items()):
                        text = text.replace(old, new)
                    files = {f.role: (f.sha256, f.size) for f in v.files}
                    if "text" in files:
                        files["text"] = fast_put(archive.store, text.encode())
                    db.execute("INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (number, made, e.to_status or v.status, actor, when, v.note, v.template, v.pages,
                                json.dumps(summary, ensure_ascii=False, sort_keys=True)))
                    db.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?)",
                                   [(number, made, role, sha, size) for role, (sha, size) in files.items()])
                elif e.version is not None:
                    db.execute("UPDATE versions SET status = ? WHERE number = ? AND version = ?",
                               (e.to_status, number, belongs))
                note = e.note.replace(sd.number, number)
                cat.log(number, e.version, e.action, e.from_status, e.to_status, actor, note)
    finally:
        os.environ.pop("DOCGEN_NOW", None)
    cat.distributed(cat.distribution_queue())  # copies are not this benchmark's business
    t = time.perf_counter()
    indexed = archive.search_index().rebuild()
    took = time.perf_counter() - t
    total = len(cat.version_keys())
    archive.close()
    return {"versions": total, "projects": len(projects), "indexed": indexed, "index_seconds": took,
            "engine": engine}


# measuring ----------------------------------------------------------------------------------

def pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` columns, Chinese characters counted as two."""
    import unicodedata

    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Case:
    page: str
    role: str
    url: str
    floor: Callable[[], Any] | None
    floor_name: str
    extra: bool = False  # a role the issue does not name


@dataclass
class Figures:
    page: list[float]
    floor: list[float]
    size: int


def measure(client: Any, case: Case, requests: int) -> Figures:
    def get() -> int:
        r = client.get(case.url, follow_redirects=False)
        if r.status_code != 200:
            raise SystemExit(f"{case.role} {case.url}: HTTP {r.status_code}: {r.text[:300]}")
        return len(r.content)

    for _ in range(2):  # warm: templates compiled, caches filled
        size = get()
        if case.floor:
            case.floor()
    page, floor = [], []
    for _ in range(requests):  # interleaved, so that both see the same noise
        t = time.perf_counter()
        get()
        page.append((time.perf_counter() - t) * 1000)
        if case.floor:
            t = time.perf_counter()
            case.floor()
            floor.append((time.perf_counter() - t) * 1000)
    return Figures(page, floor, size)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--versions", type=int, default=10000, help="versions in the archive")
    ap.add_argument("--requests", type=int, default=30, help="requests per page and role")
    ap.add_argument("--quick", action="store_true", help="a small run: 400 versions, 5 requests")
    ap.add_argument("--keep", type=Path, help="make the archive once in this folder and reuse it")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--engine", choices=("whoosh", "tantivy"),
                    help="the archive's search engine ([search] engine; default: a new archive's)")
    args = ap.parse_args()
    if args.quick:
        args.versions, args.requests = min(args.versions, 400), min(args.requests, 5)
    os.environ.pop("DOCGEN_NOW", None)
    os.environ.pop("DOCGEN_TODAY", None)

    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="docgen-bench-pages-"))
    root = work / f"archive-{args.versions}"
    marker = root / "bench-pages.json"
    if marker.exists():
        made = json.loads(marker.read_text(encoding="utf-8"))
        print(f"reusing the archive in {root}", file=sys.stderr, flush=True)
    else:
        seed = work / "seed" / "archive"
        if not (work / "seed" / "done").exists():
            shutil.rmtree(work / "seed", ignore_errors=True)
            (work / "seed").mkdir(parents=True)
            print(f"making one project's life with docgen in {seed} ...", file=sys.stderr, flush=True)
            t = time.perf_counter()
            make_seed(work / "seed")
            print(f"  {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
        shutil.rmtree(root, ignore_errors=True)
        print(f"replaying it into {args.versions:,} versions in {root} ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        made = build(root, seed, args.versions, random.Random(args.seed))
        made["build_seconds"] = time.perf_counter() - t
        marker.write_text(json.dumps(made), encoding="utf-8")
        print(f"  {made['build_seconds']:.0f} s (search index {made['index_seconds']:.0f} s)", file=sys.stderr,
              flush=True)
    use_engine(root, args.engine or made.get("engine", "whoosh"))  # a kept archive: as this run asks
    run(root, made, args.requests)


def use_engine(root: Path, engine: str) -> None:
    """Set the archive's search engine, and build its index if it has none yet (`docgen reindex`)."""
    toml = root / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    if f'\nengine = "{engine}"' in text and (root / "index" / engine / "docgen-index.json").exists():
        return
    toml.write_text(re.sub(r'(?m)^engine = "\w+"', f'engine = "{engine}"', text, count=1), encoding="utf-8")
    if not (root / "index" / engine / "docgen-index.json").exists():
        print(f"building the {engine} index ...", file=sys.stderr, flush=True)
        docgen("reindex", env={**os.environ, "DOCGEN_ARCHIVE": str(root)})


def run(root: Path, made: dict[str, Any], requests: int) -> None:
    from fastapi.testclient import TestClient

    from docgen.accounts import Accounts
    from docgen.archive.core import Archive
    from docgen.archive.search import Filters
    from docgen.clock import today
    from docgen.service import Actor, Service
    from docgen.web import create_app

    archive = Archive.open(root)
    accounts = Accounts(archive)
    for role, name in PEOPLE.items():
        if accounts.get(name) is None:
            accounts.add(name, role, by="bench", password=PASSWORD)
    with archive.catalog.write():  # every run is each person's first visit (finance: the last 30 days)
        archive.catalog.db.execute("UPDATE accounts SET last_login = NULL, previous_login = NULL")
    cat = archive.catalog
    docs = cat.documents()
    counts: dict[str, int] = {}
    for d in docs:
        counts[d.kind, d.status] = counts.get((d.kind, d.status), 0) + 1  # type: ignore[index]
    # the richest signed contract: its project has the most documents (the newest of those)
    per_project: dict[str, int] = {}
    for d in docs:
        per_project[d.project] = per_project.get(d.project, 0) + 1
    signed = [d for d in docs if d.kind == "contract" and d.status == "signed"]
    contract = max(signed, key=lambda d: (per_project[d.project], d.created))
    day = today()
    since = day - timedelta(days=30)
    year_ago = day - timedelta(days=365)

    app = create_app(root)
    # one client (one event loop and its worker threads, as in the server) per person: a client
    # used outside `with` starts a loop, and so new threads with new archives, per request
    stack = contextlib.ExitStack()
    clients: dict[str, Any] = {}
    services: dict[str, Service] = {}
    for role, name in PEOPLE.items():
        client = stack.enter_context(TestClient(app))
        r = client.post("/login", data={"name": name, "password": PASSWORD, "next": "/"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        clients[role] = client
        a = accounts.get(name)
        services[role] = Service(archive, Actor(a.name, a.role, a.department, "testclient"))

    def home_floor(role: str) -> tuple[str, Callable[[], Any]]:
        s = services[role]
        a = s.actor
        calls: list[tuple[str, Callable[[], Any]]] = []
        if s.allows("read") and not hasattr(s, "listing"):  # docgen before the home page chose its rows
            calls.append(("documents()", s.documents))
        elif s.allows("read"):  # the catalog's list, then the rows of what the lists show (as docgen.web.pages)
            statuses = ("draft", "in_review", "issued")
            calls.append(("listing(statuses)", lambda: s.listing(statuses=statuses)))
            docs = s.listing(statuses=statuses)
            engineering = s.allows("recheck") or s.allows("step")
            from docgen.web.pages import HOME_ROWS

            drafts = sorted((d for d in docs if d.status == "draft" and s.allows("revise", d.kind)),
                            key=lambda d: (d.updated, d.number), reverse=True)  # as the page: the latest first
            shown = sorted({d.number for d in drafts[:HOME_ROWS]} | {
                d.number for d in docs if (d.status == "in_review" and s.allows("review:approve"))
                or (engineering and d.kind == "rectification" and d.status == "issued")})
            if shown:
                calls.append((f"documents({len(shown)})", lambda: s.documents(numbers=shown)))
        if s.allows("recheck") or s.allows("step"):
            calls.append(("overdue()", s.overdue))
            if hasattr(s, "awaiting_acceptance"):
                calls.append(("awaiting_acceptance(20)", lambda: s.awaiting_acceptance(limit=20)))
        if s.allows("quarantine"):
            calls.append(("quarantine()", s.quarantine))
            calls.append(("filed_on()", lambda: s.filed_on(today())))
        if a.department in ("finance", "archive"):
            from docgen.web.pages import _sum_kinds

            for kind in _sum_kinds():
                if s.allows("pull", kind):
                    calls.append((f"signed({kind})", lambda kind=kind: s.signed(kind, since)))
        if s.allows("verify"):
            calls.append(("status_counts()", s.status_counts))
            calls.append(("index_queue()", cat.index_queue))
        return "+".join(n for n, _ in calls), lambda: [f() for _, f in calls]

    def document_floor(role: str) -> tuple[str, Callable[[], Any]]:
        s = services[role]
        if s.allows("link", "contract"):
            return "show()+links()", lambda: (s.show(contract.number), s.links(contract.number))
        return "show()", lambda: s.show(contract.number)

    cases: list[Case] = [Case("framework: GET /login", "-", "/login", None, "(no session, no service)")]
    clients["-"] = stack.enter_context(TestClient(app))
    for role in PEOPLE:
        name, fn = home_floor(role)
        cases.append(Case("/", role, "/", fn, name, extra=role in ("sales", "admin")))
    query = "合同"
    for role in PEOPLE:
        s = services[role]
        cases.append(Case(f"/search?q={query}", role, f"/search?q={query}",
                          lambda s=s: s.search(query, Filters(), limit=21, offset=0), "search()"))
    filtered = f"/search?q={query}&kind=contract&date_from={year_ago}&page_no=2"
    for role in PEOPLE:
        s = services[role]
        cases.append(Case(f"/search?q={query}&kind=contract&date_from=…&page_no=2", role, filtered,
                          lambda s=s: s.search(query, Filters(kind="contract", date_from=year_ago), limit=21,
                                               offset=20), "search(filters, offset 20)"))
    for role in ("legal", "engineering", "finance", "archive", "sales"):
        name, fn = document_floor(role)
        cases.append(Case(f"/documents/{contract.number}", role, f"/documents/{contract.number}", fn, name))
    for role in ("engineering", "finance", "sales"):
        s = services[role]
        cases.append(Case(f"/projects/{contract.project}", role, f"/projects/{contract.project}",
                          lambda s=s: s.project(contract.project), "project()"))
    for role in ("frontdesk", "admin"):
        s = services[role]
        cases.append(Case("/scans", role, "/scans", s.quarantine, "quarantine()"))
    for role in ("finance", "legal", "engineering", "archive"):
        s = services[role]
        cases.append(Case(f"/copies?kind=contract&since={since}", role, f"/copies?kind=contract&since={since}",
                          lambda s=s: s.signed("contract", since, day), "signed(contract)"))
    for role in ("sales", "engineering", "admin"):
        cases.append(Case("/new", role, "/new", None, "(none: the kinds the role may make)"))
    s_admin = services["admin"]
    cases.append(Case("/accounts", "admin", "/accounts", lambda: (s_admin.accounts(), s_admin.tokens()),
                      "accounts()+tokens()"))

    shown = {k: n for k, n in sorted(counts.items())}
    print(f"archive: {made['versions']:,} versions, {len(docs):,} documents, {made['projects']:,} projects "
          f"(search: {archive.settings.search_engine}); today {day}")
    print("documents: " + ", ".join(f"{k}/{s} {n}" for (k, s), n in shown.items()))  # type: ignore[misc]
    print(f"document page: {contract.number} (project {contract.project}, {per_project[contract.project]} documents); "
          f"{requests} requests per row, after 2 warm-up requests; page and floor interleaved")
    print(f"target: every page under {TARGET_MS:.0f} ms server time (p95), in-process TestClient, no network")
    print()
    head = (f"{'page':<52} {'role':<12} {'page p50':>9} {'p95':>7}  {'floor p50':>9} {'p95':>7} {'ratio':>6} "
            f"{'KB':>6}  {'verdict':<7} floor")
    print(head)
    print("-" * len(head))
    misses = 0
    for case in cases:
        f = measure(clients[case.role], case, requests)
        p50, p95 = statistics.median(f.page), percentile(f.page, 95)
        if case.floor:
            f50, f95 = statistics.median(f.floor), percentile(f.floor, 95)
            floor = f"{f50:>9.1f} {f95:>7.1f} {p50 / f50:>5.1f}x"
        else:
            floor = f"{'—':>9} {'—':>7} {'—':>6}"
        ok = p95 < TARGET_MS
        misses += not ok
        verdict = "PASS" if ok else "MISS"
        role = case.role + ("*" if case.extra else "")
        print(f"{pad(case.page, 52)} {role:<12} {p50:>9.1f} {p95:>7.1f}  {floor} {f.size / 1024:>6.0f}  {verdict:<7} "
              f"{case.floor_name}", flush=True)
    print()
    stack.close()
    print(f"{len(cases) - misses} PASS, {misses} MISS of {len(cases)} (ms; ratio = page p50 / floor p50; "
          f"* a role the issue does not name)")


if __name__ == "__main__":
    main()
