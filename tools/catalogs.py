"""docgen's message catalogs: extract the messages from the code (Babel), bring every
``docgen/locale/<lang>/LC_MESSAGES/docgen.po`` up to date and compile each to ``docgen.mo``.

    python tools/catalogs.py          # extract, update both catalogs, compile
    python tools/catalogs.py --check  # only report what is missing, untranslated or stale

New messages arrive in the zh_CN catalog with an empty msgstr, to be translated there; the
en catalog's msgstr is the English msgid itself. Messages no longer in the code are dropped.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "docgen"
LOCALE = PACKAGE / "locale"
LANGUAGES = ("zh_CN", "en")
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "NP_": ((1, "c"), 2)}  # NP_(context, message)
METHOD_MAP = [("**.py", "python")]  # the same mapping as babel.cfg


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "docgen.po"


def mo_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "docgen.mo"


def extract() -> Catalog:
    """Every message the code marks, as a template catalog in memory."""
    template = Catalog(project="docgen", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE), METHOD_MAP, keywords=KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True
    ):
        template.add(message, None, [(f"docgen/{filename}", lineno)], auto_comments=comments, context=context)
    return template


def read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project="docgen", charset="utf-8")
    with open(path, "rb") as f:
        return read_po(f, locale=lang)


def write(lang: str, catalog: Catalog) -> None:
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    # no line numbers: a catalog changes only when a message does, so it merges like code
    write_po(buf, catalog, width=100, sort_output=True, omit_header=False, include_previous=False,
             include_lineno=False)
    path.write_bytes(buf.getvalue())
    compile_mo(lang, catalog)


def compile_mo(lang: str, catalog: Catalog) -> None:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    mo_path(lang).write_bytes(buf.getvalue())


def compiled(lang: str) -> dict:
    """The messages of the compiled ``.mo``: (msgid, context) -> [msgstr, …]."""
    with open(mo_path(lang), "rb") as f:
        mo = read_mo(f)
    return {
        (m.id if isinstance(m.id, str) else tuple(m.id), m.context):
        [m.string] if isinstance(m.string, str) else list(m.string)
        for m in mo if m.id
    }


def _translated(message) -> bool:
    strings = [message.string] if isinstance(message.string, (str, type(None))) else list(message.string)
    return all(strings)


def update() -> None:
    template = extract()
    for lang in LANGUAGES:
        catalog = read(lang)
        made = catalog.creation_date  # the catalog's own date, kept: a run that changes no message changes no file
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        if po_path(lang).exists():
            catalog.creation_date = made
        catalog.obsolete.clear()
        if lang == "en":
            for message in catalog:
                if message.id and not _translated(message):
                    message.string = message.id
                message.flags.discard("fuzzy")
        write(lang, catalog)
        missing = [m.id for m in catalog if m.id and (not _translated(m) or m.fuzzy)]
        print(f"{po_path(lang).relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} to translate")


def main(argv: list[str]) -> int:
    if "--check" in argv:
        sys.path.insert(0, str(ROOT / "tests"))
        import pytest

        return pytest.main(["-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "test_catalogs.py")])
    update()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
