"""Backup benchmark: `docgen backup` (first and incremental) and `docgen restore` beside the floor.

    .venv/bin/python bench/backup.py [--versions 300] [--repeat 5] [--keep DIR]

Makes an archive of VERSIONS quotes (real documents: docx, pdf, data, text), then times,
REPEAT times each, with medians:
  - docgen backup into an empty folder (first), and again into the same folder
    (incremental: nothing new, every blob already there);
  - docgen restore into a new root (checksums, readable copies, search index, verify);
  - the floor: `cp -a` and shutil.copytree of the archive folder, and SQLite's online
    backup of catalog.sqlite alone.
docgen runs as a process, as a user runs it; its start-up time is printed too.
With --keep DIR the archive is made once in DIR and reused by later runs (making 300
quotes takes minutes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import docgen  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "zhangjiang"


def size_of(path: Path) -> tuple[int, int]:
    """(bytes, files) under a folder."""
    total = count = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
            count += 1
    return total, count


def timed(fn: Callable[[int], None], repeat: int) -> list[float]:
    out = []
    for i in range(repeat):
        t = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t)
    return out


def make_archive(root: Path, work: Path, versions: int, env: dict[str, str]) -> None:
    shutil.copytree(SAMPLES, work)
    base = yaml.safe_load((work / "quote.yaml").read_text(encoding="utf-8"))
    files = []
    for i in range(versions):
        data = dict(base, valid_days=10 + i % 80, management_fee_rate=f"0.0{1 + i % 9}")
        data["sections"] = [dict(s) for s in base["sections"]]
        data["sections"][0] = dict(data["sections"][0], name=f"拆除工程（第{i + 1}期）")
        path = work / f"quote-{i:04d}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        files.append(str(path))
    t = time.perf_counter()
    for i in range(0, len(files), 50):
        docgen("new", "quote", *files[i : i + 50], env=env)
        print(f"  made {min(i + 50, len(files))}/{versions} quotes", file=sys.stderr)
    print(f"archive: {versions} quotes made in {time.perf_counter() - t:.0f} s", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--versions", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="Make the archive in this folder once, and reuse it.")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="docgen-bench-backup-"))
    try:
        root = tmp / "archive"
        env = {**os.environ, "DOCGEN_ARCHIVE": str(root)}
        env.pop("DOCGEN_FAILPOINT", None)
        kept = args.keep / f"archive-{args.versions}" if args.keep else None
        if kept and (kept / "catalog.sqlite").is_file():
            shutil.copytree(kept, root, symlinks=True)
        else:
            make_archive(root, tmp / "work", args.versions, env)
            if kept:
                shutil.copytree(root, kept, symlinks=True)
        r = args.repeat

        def first(i: int) -> None:
            docgen("backup", str(tmp / f"first-{i}"), env=env)

        def incremental(i: int) -> None:
            docgen("backup", str(tmp / "first-0"), env=env)

        def restore(i: int) -> None:
            docgen("restore", str(tmp / "first-0"), "--archive", str(tmp / f"restored-{i}"), env=env)

        def cp_a(i: int) -> None:
            subprocess.run(["cp", "-a", str(root), str(tmp / f"cp-{i}")], check=True)

        def copytree(i: int) -> None:
            shutil.copytree(root, tmp / f"tree-{i}", symlinks=True)

        def sqlite_backup(i: int) -> None:
            src = sqlite3.connect(root / "catalog.sqlite")
            dst = sqlite3.connect(tmp / f"catalog-{i}.sqlite")
            src.backup(dst)
            dst.close()
            src.close()

        def startup(i: int) -> None:
            docgen("--version", env=env)

        times = {
            "docgen backup (first)": timed(first, r),
            "docgen backup (incremental, nothing new)": timed(incremental, r),
            "docgen restore (+ copies, index, verify)": timed(restore, r),
            "cp -a of the archive folder": timed(cp_a, r),
            "shutil.copytree of the archive folder": timed(copytree, r),
            "sqlite3 backup of catalog.sqlite alone": timed(sqlite_backup, r),
            "docgen --version (process start-up)": timed(startup, r),
        }
        arch_bytes, arch_files = size_of(root)
        obj_bytes, obj_files = size_of(root / "objects")
        back_bytes, back_files = size_of(tmp / "first-0")
        snaps = len(list((tmp / "first-0" / "snapshots").iterdir()))
        print(f"archive: {args.versions} versions, {arch_files} files, {arch_bytes / 1e6:.1f} MB "
              f"(objects/ {obj_files} files, {obj_bytes / 1e6:.1f} MB; catalog.sqlite "
              f"{(root / 'catalog.sqlite').stat().st_size / 1e6:.2f} MB)")
        print(f"backup folder after 1 first + {r} incremental backups: {snaps} snapshots, {back_files} files, "
              f"{back_bytes / 1e6:.1f} MB")
        floor = statistics.median(times["cp -a of the archive folder"])
        print(f"{'':44} {'median':>9} {'min':>9} {'max':>9} {'x cp -a':>8}")
        for name, ts in times.items():
            med = statistics.median(ts)
            print(f"{name:44} {med:8.3f}s {min(ts):8.3f}s {max(ts):8.3f}s {med / floor:7.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
