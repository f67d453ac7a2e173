"""The 联次 stamp of a copy: drawn without LibreOffice, in the SC face, as text, at the top right."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from docgen.render.stamp import COMMON, stamp_pdf

MM = 72 / 25.4


def words(pdf: Path) -> list[tuple[str, float, float, float, float]]:
    """(text, xMin, yMin, xMax, yMax) in mm of every word poppler reads on page 1."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)
    return [(w, float(a) / MM, float(b) / MM, float(c) / MM, float(d) / MM) for a, b, c, d, w in found]


def fonts(pdf: Path) -> str:
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout


def test_a_stamp_is_text_in_the_sc_face_at_the_top_right(tmp_path: Path) -> None:
    path = tmp_path / "stamp.pdf"
    path.write_bytes(stamp_pdf("第二联 财务", "签字原件存档备查（HT-2026-0001 第2版扫描件）", tmp_path / "fonts"))
    text = "".join(w[0] for w in words(path))
    assert "第二联" in text and "财务" in text and "HT-2026-0001" in text and "签字原件存档备查" in text
    listed = fonts(path)
    assert "NotoSansCJKSC" in listed and "NotoSansCJKSCBold" in listed  # the SC face, embedded
    assert "jp" not in listed.lower()
    for _w, x0, y0, x1, y1 in words(path):  # one line in the top margin, right of the middle, inside the page
        assert y1 < 12 and x1 <= 210 - 10 + 0.5 and x0 > 60
    label = [w for w in words(path) if w[0] == "财务"][0]
    note = [w for w in words(path) if "HT-2026-0001" in w[0]][0]
    assert note[3] < label[1]  # the note comes before the label, on its line
    assert abs((note[2] + note[4]) / 2 - (label[2] + label[4]) / 2) < 1.5


def test_the_stamp_font_is_cut_once_and_a_rare_character_gets_its_own(tmp_path: Path) -> None:
    cache = tmp_path / "fonts"
    stamp_pdf("第一联 客户留存", "", cache)
    stamp_pdf("第三联 工程", "个人信息已按公司规定隐去", cache)
    made = sorted(p.name for p in cache.iterdir())
    assert len(made) == 2  # one regular, one bold: every character of both texts is a common one
    assert all(ch in COMMON for ch in "第一联 客户留存第三联 工程个人信息已按公司规定隐去")

    path = tmp_path / "rare.pdf"
    path.write_bytes(stamp_pdf("第五联 监察（外聘）", "", cache))
    assert len(list(cache.iterdir())) == 3  # a bold font holding 监察外聘 as well
    assert sorted(p.name for p in cache.iterdir() if p.name in made) == made  # the others kept
    assert "监察（外聘）" in "".join(w[0] for w in words(path))


def test_a_copy_stamp_needs_no_converter(archive_dir: Path) -> None:
    """Copier.stamp_pdf draws the stamp: a converter that refuses every document is never asked."""
    from docgen.archive.core import Archive
    from docgen.distribute import Copier

    class Refuses:
        def convert(self, src: Path, dst: Path) -> int:
            raise AssertionError("a stamp went through LibreOffice")

    archive = Archive.open(archive_dir)
    copier = Copier(archive, Refuses())  # type: ignore[arg-type]
    first = copier.stamp_pdf("第二联 财务", "")
    assert first.startswith(b"%PDF-")
    assert copier.stamp_pdf("第二联 财务", "") == first  # kept by its text
    assert len(list((archive_dir / "cache" / "stamps").glob("*.pdf"))) == 1


def test_without_the_face_the_error_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.errors import DocgenError
    from docgen.render import stamp

    stamp._source.cache_clear()
    monkeypatch.setattr(stamp, "FACE", "No Such Face SC")
    try:
        with pytest.raises(DocgenError, match="fonts-noto-cjk"):
            stamp.stamp_pdf("第二联 财务", "", tmp_path)
    finally:
        stamp._source.cache_clear()


def test_stamp_fonts_are_kept_for_the_user_else_in_the_archive(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.render.stamp import fonts_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    assert fonts_dir(tmp_path / "archive-fonts") == tmp_path / "home-cache" / "docgen" / "fonts"
    (tmp_path / "blocked").write_text("a file where the cache would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "blocked"))
    assert fonts_dir(tmp_path / "archive-fonts") == tmp_path / "archive-fonts"


def test_pdfium_is_called_by_one_thread_at_a_time(tmp_path: Path) -> None:
    """The leak check reads pages with PDFium, which is not thread-safe: it waits for the lock
    another thread holds (the server makes copies and checks scans in threads)."""
    import threading

    from docgen.distribute import page_texts
    from docgen.pdfium import LOCK

    data = stamp_pdf("第二联 财务", "", tmp_path)
    got: list[list[str]] = []
    reader = threading.Thread(target=lambda: got.append(page_texts(data)))
    with LOCK:
        reader.start()
        reader.join(0.5)
        assert reader.is_alive() and not got  # waiting, not reading
    reader.join(60)
    assert got and "财务" in got[0][0]


def test_a_stamp_naming_a_document_is_not_kept(archive_dir: Path) -> None:
    """The cache holds the departments' few texts, not one stamp per signed document."""
    from docgen.archive.core import Archive
    from docgen.distribute import Copier

    copier = Copier(Archive.open(archive_dir), None)  # type: ignore[arg-type]
    note = "签字原件存档备查（HT-2026-0001 第2版扫描件）"
    assert copier.stamp_pdf("第三联 工程", note).startswith(b"%PDF-")
    copier.stamp_pdf("第三联 工程", "个人信息已按公司规定隐去")
    kept = list((archive_dir / "cache" / "stamps").glob("*.pdf"))
    assert len(kept) == 1
    assert "HT-2026-0001" not in subprocess.run(["pdftotext", str(kept[0]), "-"], capture_output=True, text=True,
                                                check=True).stdout


def test_a_damaged_stamp_font_is_cut_again(tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    first = stamp_pdf("第二联 财务", "", fonts)
    for path in fonts.iterdir():
        path.write_bytes(path.read_bytes()[:200])  # cut short, as by a full disk
    assert stamp_pdf("第二联 财务", "", fonts)[:5] == first[:5] == b"%PDF-"
    assert all(p.stat().st_size > 1000 for p in fonts.iterdir())
