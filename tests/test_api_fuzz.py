"""Property-based fuzzing of the JSON API from its own OpenAPI spec (schemathesis).

Every operation in /api/v1/openapi.json gets generated requests, valid and invalid, against a
real archive (a copy of the base archive: BJ-2026-0001, HT-2026-0001, HT-2026-0002, ZG-2026-0001,
which half the number, kind, role and version parameters name) with a bearer token: as an
admin, who reaches every route, and as a finance clerk, refused most of them (403). No answer
may be a 500; each must have a status and media type the spec documents and match its schema;
a request the spec calls invalid must be refused; a method a path does not have is a 405 that
names those it has; and the same request without the token, or with a wrong one, is a 401.

Bounded whatever the machine: 20 generated examples per operation (besides schemathesis's
fixed coverage cases), no deadline, derandomized and without an example database, so every
run sends the same requests. About a minute on two cores, a third of it the base archive.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from conftest import keyed_archive
from hypothesis import HealthCheck, settings

from docgen.accounts import Accounts
from docgen.archive.core import Archive
from docgen.web import create_app

# Half the values of these parameters are the archive's own, so requests reach documents
# that exist as well as ones that do not.
REAL = {
    "number": ["BJ-2026-0001", "HT-2026-0001", "HT-2026-0002", "ZG-2026-0001"],
    "kind": ["quote", "contract", "合同", "rectification"],
    "role": ["pdf", "data", "docx"],
    "version": [1],
}
WHERE = {"number": ("path", "query", "body"), "kind": ("query", "body"), "role": ("path",),
         "version": ("path", "query")}
CONFIG = schemathesis.Config.from_dict({
    "dictionaries": {name: {"values": values} for name, values in REAL.items()},
    "parameters": {f"{where}.{name}": {"dictionary": name, "probability": 0.5}
                   for name, places in WHERE.items() for where in places},
    # A request the schema allows may still be refused with a documented 400 for what no schema
    # can say (the rows of an uploaded data file, a search query's syntax, a kind's name): so no
    # check that schema-valid data is always accepted; every other check of schemathesis runs.
    "checks": {"positive_data_acceptance": {"enabled": False}},
})
FUZZ = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.function_scoped_fixture])  # one archive per operation


def _spec() -> schemathesis.BaseSchema:
    """The spec as the app serves it (the same for any archive: read from an empty one)."""
    umask = os.umask(0o022)  # opening an archive sets the process's umask
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return schemathesis.openapi.from_asgi("/api/v1/openapi.json",
                                                  create_app(keyed_archive(Path(tmp) / "archive")), config=CONFIG)
    finally:
        os.umask(umask)


schema = _spec()


def caller(archive_dir: Path, name: str, role: str) -> dict[str, Any]:
    """How a case is sent: to the app over this test's archive, as ``name`` (a ``role``) with a token."""
    accounts = Accounts(Archive.open(archive_dir))
    accounts.add(name, role, by="test")
    secret, _token = accounts.token_create(name, by="test")
    return {"app": create_app(archive_dir), "headers": {"Authorization": f"Bearer {secret}"}}


@pytest.fixture
def archive(base: Path, archive_dir: Path) -> Path:
    """This test's copy of the base archive (that of the ``scans`` fixture, without the scans)."""
    shutil.copytree(base / "archive", archive_dir, dirs_exist_ok=True)
    return archive_dir


@pytest.fixture
def admin(archive: Path) -> dict[str, Any]:
    return caller(archive, "wang", "admin")


@pytest.fixture
def finance(archive: Path) -> dict[str, Any]:
    return caller(archive, "li", "finance")


@FUZZ
@schema.parametrize()
def test_an_admin_never_gets_a_500_or_an_answer_off_the_spec(case: schemathesis.Case, admin: dict[str, Any]) -> None:
    case.call_and_validate(**admin)


@FUZZ
@schema.parametrize()
def test_a_finance_clerk_never_gets_a_500_or_an_answer_off_the_spec(case: schemathesis.Case,
                                                                   finance: dict[str, Any]) -> None:
    case.call_and_validate(**finance)
