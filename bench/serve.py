"""`docgen serve` under load: search, copies and creation over real HTTP, beside the floor, in one run.

    .venv/bin/python bench/serve.py [--versions 10000] [--requests 500] [--copies 100] [--runs 3]
                                    [--creates 10] [--workers 1] [--keep DIR]
    .venv/bin/python bench/serve.py --versions 500 --requests 50      # a quick run

Builds an archive of VERSIONS versions, starts `python -m docgen.cli serve --port N` on it
as a separate process (DOCGEN_ARCHIVE set, a free port, docgen.toml's defaults but
`[search] engine = "tantivy"`), and measures with clients in threads, each client
with its own keep-alive connection and a bearer token (`Authorization: Bearer …`): the GETs
through the standard library's http.client (the load generator shares the server's cores,
and an httpx request costs the client about 3 ms of CPU), the uploads through httpx:

1. search (GET /api/v1/search, four queries in turn: a term every quote has, a customer's
   name, a phrase, a term filtered by kind) with 1, 10 and 50 concurrent clients:
   requests/second, p50/p95 latency and failed requests (anything but 200), next to the
   same searches done in this process through `docgen.service.Service.search` (the floor:
   no HTTP, no server);
2. copies (GET /api/v1/documents/HT-2026-0001/copy) of the signed contract as a finance
   account (department finance), at 1, 10 and 50 clients; the first copy is made then
   (LibreOffice renders the masked copy, the label is stamped) and timed apart; the
   figures are of the copies after it (kept by docgen), as a department sees them;
3. 10 people creating a quote at once (POST /api/v1/documents: kind, data = the sample
   quote.yaml, files = its project.yaml) next to the same 10 one after another, the
   converter service's `[server] converters` (default 2) warm LibreOffices, which the server
   processes share, started first (by as many creations at once, twice); the service is the
   run's own (DOCGEN_CONVERTER_DIR) and is stopped at the end.

Each measurement runs RUNS times; the medians of the runs are printed (this machine is
noisy), with the targets beside them: search p95 <= 50 ms at 10 clients on 10,000
versions; no failed request at 50 clients; creation at once >= 1.8x the serial throughput.
The clients run on the same machine as the server and take CPU from it.

The archive: the sample project's quote and contract are made by docgen with LibreOffice,
the contract approved by legal review and signed (a scan of its PDF, tests/scanmaker.py,
filed by `docgen ingest`: v2). The other versions are quotes of 1,000 synthetic projects
(10 each, varied customers, addresses, items and quantities) made by docgen's own `new`
in this process (validation, numbering, the .docx and its text, blobs, catalog, index),
except that each one's PDF is a copy of one real conversion, so that 10,000 versions take
minutes rather than an hour of LibreOffice; search reads only the text and the catalog.
The archive is built by a process of its own, and the clients run in this one. With --keep
DIR the archive is built once into DIR and copied from there by later runs.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.common import docgen  # noqa: E402
from bench.search import CITIES, ESTATES, GIVEN, ROOMS, SURNAMES  # noqa: E402

SAMPLES = ROOT / "samples" / "zhangjiang"
CONTRACT = "HT-2026-0001"
PASSWORD = "bench-password-7"
LEVELS = (1, 10, 50)
QUERIES: list[dict[str, str]] = [
    {"q": "防水"},  # every quote: a full page of hits, each with its snippet
    {"q": "{customer}"},  # a customer's name: that project's quotes
    {"q": '"墙面腻子及乳胶漆"'},  # a phrase
    {"q": "吊顶", "kind": "quote"},  # a term filtered by kind
]


# the archive ------------------------------------------------------------------------------


class CopiedPdf:
    """A converter that writes one real conversion's PDF: the bulk quotes' PDFs (search never reads them)."""

    def __init__(self, pdf: bytes, pages: int) -> None:
        self.pdf, self.pages = pdf, pages

    def convert(self, docx: Path, pdf: Path) -> int:
        pdf.write_bytes(self.pdf)
        return self.pages

    def close(self) -> None:
        pass


def customer_of(project: int) -> str:
    rng = random.Random(project)
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def bulk_files(work: Path, n: int) -> list[Path]:
    """N quote files of synthetic projects (10 quotes each), varied like real ones."""
    import yaml

    base = yaml.safe_load((SAMPLES / "quote.yaml").read_text(encoding="utf-8"))
    project = yaml.safe_load((SAMPLES / "project.yaml").read_text(encoding="utf-8"))
    project.pop("code")
    rng = random.Random(7)
    files = []
    for i in range(n):
        p = i // 10
        pfile = work / f"project-{p:04d}.yaml"
        if not pfile.exists():
            prng = random.Random(p)
            address = f"{prng.choice(CITIES)}{prng.choice(ESTATES)}{prng.randint(1, 30)}号{prng.randint(101, 2802)}室"
            data = dict(project, customer={"name": customer_of(p), "phone": f"139{p:08d}", "address": address},
                        site=dict(project["site"], address=address, area=f"{prng.uniform(40, 180):.1f}"))
            pfile.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        sections = []
        for s in base["sections"]:
            items = [dict(it, quantity=f"{float(it['quantity']) * rng.uniform(0.5, 1.8):.1f}",
                          name=f"{rng.choice(ROOMS)}{it['name']}" if rng.random() < 0.3 else it["name"])
                     for it in s["items"] if rng.random() < 0.85]
            if items:
                sections.append(dict(s, items=items))
        data = dict(base, project=pfile.name, valid_days=10 + i % 80, sections=sections,
                    date=f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}")
        path = work / f"quote-{i:05d}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        files.append(path)
    return files


def build(root: Path, work: Path, versions: int, env: dict[str, str]) -> None:
    import scanmaker

    from docgen.archive.core import Archive
    from docgen.service import Actor, Service

    t = time.perf_counter()
    Archive.open(root).settings  # noqa: B018 - writes docgen.toml with its defaults
    toml = root / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r'(?m)^engine = "\w+"$', 'engine = "tantivy"', text), encoding="utf-8")
    docgen("new", "quote", str(SAMPLES / "quote.yaml"), env=env)
    docgen("new", "contract", str(SAMPLES / "contract.yaml"), env=env)
    docgen("review", CONTRACT, "submit", env=env)
    docgen("review", CONTRACT, "approve", "--note", "同意", env=env)
    scan = scanmaker.scan(root / f"documents/{CONTRACT}/{CONTRACT}-v1.pdf", work / "ht.pdf", 200)
    out = docgen("ingest", str(scan), env=env)
    archive = Archive.open(root)
    if len(archive.catalog.versions(CONTRACT)) != 2:
        raise SystemExit(f"the contract's scan was not filed as v2: {out}")
    print(f"archive: the sample quote and contract made, the contract signed ({time.perf_counter() - t:.0f} s)",
          file=sys.stderr, flush=True)
    real = root / "documents/BJ-2026-0001/BJ-2026-0001-v1.pdf"
    service = Service(archive, Actor("bench", "admin", console=True), CopiedPdf(real.read_bytes(), 2))
    files = bulk_files(work, max(0, versions - 3))
    t = time.perf_counter()
    for i in range(0, len(files), 500):
        service.new("quote", files[i: i + 500])
        done = min(i + 500, len(files))
        print(f"  made {done}/{len(files)} quotes ({done / (time.perf_counter() - t):.0f}/s)",
              file=sys.stderr, flush=True)
    missing = archive.search_index().missing()
    if missing[0] or missing[1]:
        raise SystemExit(f"the index lacks {len(missing[0]) + len(missing[1])} versions")


def accounts(root: Path) -> dict[str, str]:
    """A bearer token for each of finance (search, copies) and sales (creation)."""
    from docgen.accounts import Accounts
    from docgen.archive.core import Archive

    acc = Accounts(Archive.open(root))
    tokens = {}
    for name, role in (("li", "finance"), ("sun", "sales")):
        if acc.get(name) is None:
            acc.add(name, role, by="bench", password=PASSWORD)
        tokens[name] = acc.token_create(name, by="bench", note="bench/serve.py")[0]
    return tokens


# the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], log: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "docgen.cli", "serve", "--port", str(port),
                             "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"docgen serve exited ({proc.returncode}): {log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/api/v1/openapi.json", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"docgen serve did not answer within 60 s: {log.read_text(errors='replace')}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# measuring ----------------------------------------------------------------------------------


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Level:
    """One load level's runs: rps, p50 and p95 of each run, and the failures of all."""

    def __init__(self, clients: int) -> None:
        self.clients = clients
        self.rps: list[float] = []
        self.p50: list[float] = []
        self.p95: list[float] = []
        self.failed = 0
        self.requests = 0
        self.errors: dict[str, int] = {}

    def add(self, wall: float, latencies: list[float], failed: list[str]) -> None:
        self.rps.append(len(latencies) / wall)
        self.p50.append(percentile(latencies, 50) * 1000)
        self.p95.append(percentile(latencies, 95) * 1000)
        self.requests += len(latencies)
        self.failed += len(failed)
        for f in failed:
            self.errors[f] = self.errors.get(f, 0) + 1

    def row(self, label: str) -> str:
        m = statistics.median
        failed = f"{self.failed}/{self.requests}"
        return (f"{label:<34} {self.clients:>7} {m(self.rps):>8.1f} {m(self.p50):>8.1f} {m(self.p95):>8.1f} "
                f"{failed:>11}")


class Plain:
    """A client of one keep-alive connection through the standard library's http.client: the
    load generator runs on the server's own cores, so it spends as little of them as it can
    (an httpx request costs the client about 3 ms of CPU; this one a fraction of that)."""

    class Answer:
        def __init__(self, status: int, content: bytes) -> None:
            self.status_code, self.content = status, content

        @property
        def text(self) -> str:
            return self.content.decode("utf-8", "replace")

        def json(self) -> object:
            import json

            return json.loads(self.content)

    def __init__(self, base: str, token: str) -> None:
        import http.client
        from urllib.parse import urlsplit

        u = urlsplit(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, params: dict[str, str] | None = None) -> Answer:
        from urllib.parse import urlencode

        self.conn.request("GET", path + ("?" + urlencode(params) if params else ""), headers=self.headers)
        r = self.conn.getresponse()
        return self.Answer(r.status, r.read())

    def __enter__(self) -> Plain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def load(base: str, token: str, clients: int, requests: int,
         request: Callable[[object, int], object], check: Callable[[object], bool],
         plain: bool = False) -> tuple[float, list[float], list[str]]:
    """REQUESTS requests from CLIENTS threads, each with its own connection (``plain``: a
    :class:`Plain` one, for GETs); (wall, latencies, failures)."""
    import http.client as httplib

    import httpx

    latencies: list[float] = []
    failed: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    start = threading.Barrier(clients + 1)

    def client() -> None:
        opened = Plain(base, token) if plain else httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                                              timeout=120)
        with opened as http:
            http.get("/api/v1/me")  # the connection open before the clock runs
            start.wait()
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                t = time.perf_counter()
                try:
                    r = request(http, n)
                    ok = check(r)
                    why = "" if ok else f"{r.status_code} {r.text[:120]}"  # type: ignore[attr-defined]
                except (httpx.HTTPError, httplib.HTTPException, OSError) as exc:
                    why = f"{type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - t
                with lock:
                    latencies.append(elapsed)
                    if why:
                        failed.append(why)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for th in threads:
        th.start()
    start.wait()
    t = time.perf_counter()
    for th in threads:
        th.join()
    return time.perf_counter() - t, latencies, failed


def query(n: int, customers: list[str]) -> dict[str, str]:
    q = dict(QUERIES[n % len(QUERIES)])
    q["q"] = q["q"].format(customer=customers[(n // len(QUERIES)) % len(customers)])
    return q


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--versions", type=int, default=10000, help="versions in the archive")
    ap.add_argument("--requests", type=int, default=500, help="requests per load level and run")
    ap.add_argument("--runs", type=int, default=3, help="runs of each measurement (medians are printed)")
    ap.add_argument("--copies", type=int, default=100, help="copy requests per load level and run")
    ap.add_argument("--workers", type=int, default=1, help="docgen serve --workers (server processes)")
    ap.add_argument("--creates", type=int, default=10, help="documents created at once, and one after another")
    ap.add_argument("--keep", type=Path, help="build the archive into this folder once, and reuse it")
    ap.add_argument("--build-into", type=Path, help=argparse.SUPPRESS)  # the child process that builds
    args = ap.parse_args()
    if args.build_into:
        (args.build_into.parent / "work").mkdir()
        build(args.build_into, args.build_into.parent / "work", args.versions,
              {**os.environ, "DOCGEN_ARCHIVE": str(args.build_into)})
        return
    if args.versions < 3:
        raise SystemExit("--versions: at least 3 (the sample quote and the contract's two versions)")

    import httpx

    from docgen.archive.core import Archive
    from docgen.archive.search import Filters
    from docgen.service import Actor, Service

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: the server and the folder go too
    tmp = Path(tempfile.mkdtemp(prefix="docgen-bench-serve-"))
    proc = None
    try:
        root = tmp / "archive"
        # the run's own converter service (the server's conversions go there), stopped at the end
        env = {**os.environ, "DOCGEN_ARCHIVE": str(root), "DOCGEN_CONVERTER_DIR": str(tmp / "run")}
        for name in ("DOCGEN_FAILPOINT", "DOCGEN_NOW", "DOCGEN_TODAY", "DOCGEN_DEBUG"):
            env.pop(name, None)
        os.environ["DOCGEN_ARCHIVE"] = str(root)
        os.environ["DOCGEN_CONVERTER_DIR"] = str(tmp / "run")
        kept = args.keep / f"serve-{args.versions}" if args.keep else None
        if kept and (kept / "catalog.sqlite").is_file():
            shutil.copytree(kept, root, symlinks=True)
        else:
            t = time.perf_counter()  # built in a process of its own: this one only measures
            subprocess.run([sys.executable, __file__, "--build-into", str(root), "--versions", str(args.versions)],
                           env=env, check=True)
            print(f"archive: {args.versions:,} versions in {time.perf_counter() - t:.0f} s", file=sys.stderr)
            if kept:
                shutil.copytree(root, kept, symlinks=True)
        load_before = os.getloadavg()[0]
        tokens = accounts(root)
        archive = Archive.open(root)
        settings = archive.settings
        versions = len(archive.catalog.version_keys())
        customers = [customer_of(p) for p in range(0, max(1, (args.versions - 3) // 10), 7)] or ["张三"]

        # the floor: the same searches in this process, as finance, one after another
        service = Service(archive, Actor("li", "finance", "finance"))
        for n in range(8):
            q = query(n, customers)
            service.search(q["q"], Filters(kind=q.get("kind")), limit=20)
        floor = Level(1)
        hits: dict[str, set[int]] = {}
        for _run in range(args.runs):
            lat = []
            t0 = time.perf_counter()
            for n in range(args.requests):
                q = query(n, customers)
                t = time.perf_counter()
                found = service.search(q["q"], Filters(kind=q.get("kind")), limit=20)
                lat.append(time.perf_counter() - t)
                hits.setdefault(QUERIES[n % len(QUERIES)]["q"], set()).add(len(found.to_json()))
            floor.add(time.perf_counter() - t0, lat, [])
        print(f"floor: {floor.row('')}", file=sys.stderr, flush=True)

        proc, base = start_server(env, tmp / "serve.log", args.workers)
        finance, sales = tokens["li"], tokens["sun"]

        def search(http: object, n: int) -> object:
            return http.get("/api/v1/search", params=query(n, customers))  # type: ignore[attr-defined]

        def searched(r: object) -> bool:
            return r.status_code == 200 and isinstance(r.json(), list)  # type: ignore[attr-defined]

        def copy(http: object, n: int) -> object:
            return http.get(f"/api/v1/documents/{CONTRACT}/copy")  # type: ignore[attr-defined]

        def copied(r: object) -> bool:
            return r.status_code == 200 and r.content[:5] == b"%PDF-"  # type: ignore[attr-defined]

        _wall, cold, failed = load(base, finance, 1, len(QUERIES), search, searched)  # the fresh server's first
        if failed:
            raise SystemExit(f"search over HTTP failed: {failed[0]}")
        load(base, finance, 2, 8, search, searched)  # warm: the server's first threads have an archive each
        levels = {c: Level(c) for c in LEVELS}
        for run in range(args.runs):
            for c in LEVELS:
                levels[c].add(*load(base, finance, c, args.requests, search, searched, plain=True))
                print(f"search run {run + 1}: {levels[c].row('')}", file=sys.stderr, flush=True)

        t = time.perf_counter()
        first = httpx.get(f"{base}/api/v1/documents/{CONTRACT}/copy", headers={"Authorization": f"Bearer {finance}"},
                          timeout=300)
        first_s = time.perf_counter() - t
        if not copied(first):
            raise SystemExit(f"the first copy failed: {first.status_code} {first.text[:300]}")
        copies = {c: Level(c) for c in LEVELS}
        for run in range(args.runs):
            for c in LEVELS:
                copies[c].add(*load(base, finance, c, args.copies, copy, copied, plain=True))
                print(f"copy run {run + 1}: {copies[c].row('')}", file=sys.stderr, flush=True)

        # creation
        quote = (SAMPLES / "quote.yaml").read_bytes()
        project = (SAMPLES / "project.yaml").read_bytes()

        def create(http: object, n: int) -> object:
            return http.post("/api/v1/documents", data={"kind": "quote", "note": "bench"},  # type: ignore[attr-defined]
                             files=[("data", ("quote.yaml", quote, "application/yaml")),
                                    ("files", ("project.yaml", project, "application/yaml"))])

        def created(r: object) -> bool:
            return r.status_code == 201  # type: ignore[attr-defined]

        # as many at once as will be measured, twice: every server process gets some of the
        # connections and starts its [server] converters, so that no run pays a cold LibreOffice
        wall, _lat, failed = load(base, sales, args.creates, 2 * args.creates, create, created)
        if failed:
            raise SystemExit(f"creating a quote over the API failed: {failed[0]}")
        serial = Level(1)
        at_once = Level(args.creates)
        for run in range(args.runs):  # in turn, so that both see the same noise
            serial.add(*load(base, sales, 1, args.creates, create, created))
            at_once.add(*load(base, sales, args.creates, args.creates, create, created))
            print(f"create run {run + 1}: {serial.row('')}\n{'':15}{at_once.row('')}", file=sys.stderr, flush=True)
        stop_server(proc)
        proc = None

        m = statistics.median
        engine = settings.search_engine
        converters = settings.server.converters
        print(f"archive: {versions:,} versions ({args.versions - 3:,} bulk quotes of "
              f"{max(1, (args.versions - 3 + 9) // 10):,} projects, the sample quote, {CONTRACT} v1 and v2 signed); "
              f"search engine {engine}; docgen serve --workers {args.workers}, [server] converters = {converters}; "
              f"{os.cpu_count()} cores (1-minute load average {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after); {args.runs} runs each, medians")
        print("search queries in turn: " + ", ".join(
            f"{q['q'].format(customer='<customer>')}{' kind=' + q['kind'] if 'kind' in q else ''} "
            f"({'-'.join(str(x) for x in sorted({min(hits[q['q']]), max(hits[q['q']])}))} hits)"
            for q in QUERIES) + f"; limit 20; <customer>: {len(customers)} names in turn")
        print(f"{'':<34} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'failed':>11}")
        print(floor.row("search in-process (Service.search)"))
        for c in LEVELS:
            print(levels[c].row("search over HTTP"))
        print(f"  HTTP at 1 client: {m(levels[1].p50) / m(floor.p50):.2f}x the in-process p50; "
              f"at 10 clients {m(levels[10].rps) / m(floor.rps):.2f}x its req/s; the fresh server's first "
              f"search of each query (nothing found before): " + " / ".join(f"{x * 1000:.0f}" for x in cold) + " ms")
        for c in LEVELS:
            print(copies[c].row("copy over HTTP (warm)"))
        print(f"  the first copy (masked rendering by LibreOffice, label stamped): {first_s * 1000:.0f} ms; "
              f"every request is a download row in the ledger")
        s_wall = [args.creates / r for r in serial.rps]
        c_wall = [args.creates / r for r in at_once.rps]
        ratio = m(s_wall) / m(c_wall)
        print(f"create {args.creates} quotes one after another: {m(s_wall):6.2f} s  ({m(serial.rps):.2f} docs/s, "
              f"p50 {m(serial.p50):.0f} ms, failed {serial.failed}/{serial.requests})")
        print(f"create {args.creates} quotes at once:           {m(c_wall):6.2f} s  ({m(at_once.rps):.2f} docs/s, "
              f"p50 {m(at_once.p50):.0f} ms, failed {at_once.failed}/{at_once.requests})  "
              f"{ratio:.2f}x the serial throughput")
        for label, lv in (("search", levels), ("copy", copies)):
            for c in LEVELS:
                for why, count in sorted(lv[c].errors.items(), key=lambda kv: -kv[1])[:3]:
                    print(f"  failed {label} at {c} clients ({count}x): {why}")
        p95 = m(levels[10].p95)
        failed50 = levels[50].failed + copies[50].failed
        scale = "" if args.versions >= 10000 else f" (measured on {versions:,} versions)"
        print("targets:")
        print(f"  search p95 at 10 clients <= 50 ms on 10,000 versions: {p95:.1f} ms{scale}  "
              f"{'PASS' if p95 <= 50 and args.versions >= 10000 else 'MISS' if p95 > 50 else 'n/a'}")
        print(f"  failed requests at 50 clients = 0: search {levels[50].failed}, copy {copies[50].failed}  "
              f"{'PASS' if failed50 == 0 else 'MISS'}")
        print(f"  creation at once >= 1.8x serial: {ratio:.2f}x  {'PASS' if ratio >= 1.8 else 'MISS'}")
    finally:
        if proc is not None:
            stop_server(proc)
        from docgen.render.service import stop_service

        for sock in (tmp / "run").glob("*.sock"):
            stop_service(sock)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
