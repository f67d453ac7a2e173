"""Spreadsheets: a quote's or a change order's lines read from the sheet a designer keeps, and
documents and lists written out as sheets for finance.

Reading (:func:`read`) finds the table the way a person does: the header row by its names
(项目名称 / 名称 / 项目, 数量 / 工程量, 单价 / 综合单价 and 主材 / 辅材 / 人工 under it, 损耗,
金额 / 合价, 工艺及材料说明 / 备注 / 品牌型号 …, or the columns docgen.toml
``[spreadsheet.KIND]`` names), the sections as rows with a name and no figures (一、拆除工程,
merged across the row or not), the items under them, and the 小计 / 合计 / 管理费 / 税金 / 总计
rows with the figures the sheet printed; blank and hidden rows are passed over. Every figure
the sheet shows is kept with its cell, so that a kind can check its own arithmetic against
the sheet's to the fen and name the cell that differs (``报价!G14``). A formula is read by the
value Excel or WPS saved with it; a file saved without those values (by a program that does
not calculate) is refused with the reason.

A sheet is a file from outside like any other: only .xlsx/.xlsm (an .xls or .et file is
refused with how to save it as .xlsx), no larger than a document's data may be, its zip
checked before it is opened (no member expanding more than :data:`MAX_RATIO` times, no more
than :data:`MAX_UNPACKED` bytes in all) and its XML read through defusedxml (openpyxl uses it
when it is installed, and docgen requires it), so an entity bomb is refused.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from docgen.errors import ConfigError, DocgenError, InputError
from docgen.i18n import _

SHEET_SUFFIXES = (".xlsx", ".xlsm")
OLD_FORMATS = {".xls": "Excel 97-2003 (.xls)", ".et": "WPS 表格 (.et)", ".ods": "OpenDocument (.ods)",
               ".csv": "CSV", ".numbers": "Numbers"}
MAX_UNPACKED = 256 * 1024 * 1024  # all members of the zip, unpacked
MAX_RATIO = 200  # unpacked / packed, for a member of more than a megabyte (a sheet's XML is ~10x)
MAX_MEMBERS = 5000
MAX_ROWS = 100_000
MAX_COLUMNS = 200
HEADER_SEARCH_ROWS = 40  # the header row is looked for in the sheet's first rows

# what a column is called in the header row, per field, after normalising (full-width to
# half-width, spaces and a bracketed unit such as （元/㎡） left out)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "no": ("序号", "编号", "No", "NO", "No.", "序"),
    "name": ("项目名称", "名称", "项目", "工程项目", "施工项目", "分项名称", "分项工程", "工程名称", "项目内容",
             "施工内容", "工程内容", "品名", "变更项目", "变更内容"),
    "unit": ("单位", "计量单位"),
    "quantity": ("数量", "工程量", "工程数量", "数量合计"),
    "unit_price": ("单价", "综合单价", "单价合计", "合计单价", "报价单价"),
    "materials": ("主材", "主材费", "主材单价", "主材价"),
    "auxiliary": ("辅材", "辅料", "辅材费", "辅料费", "辅材单价", "辅材价", "材料费"),
    "labour": ("人工", "人工费", "人工单价", "人工价", "工费"),
    "loss": ("损耗", "损耗率", "损耗系数", "损耗%"),
    "amount": ("金额", "合价", "总价", "金额合计", "合计金额", "小计金额", "价格"),
    "note": ("工艺及材料说明", "工艺说明", "材料说明", "施工工艺", "材料及工艺", "工艺做法", "工艺及材料",
             "材料工艺说明", "工艺材料说明", "备注", "说明", "品牌型号", "品牌", "规格型号", "材料品牌", "品牌及型号",
             "规格", "施工工艺及材料说明"),
}
SPLIT = ("materials", "auxiliary", "labour")
FIELDS = tuple(SYNONYMS)
FIELD_NAMES = {"no": "序号", "name": "项目名称", "unit": "单位", "quantity": "数量", "unit_price": "单价",
               "materials": "主材", "auxiliary": "辅材", "labour": "人工", "loss": "损耗", "amount": "金额",
               "note": "说明"}
# labels of the cells around the table (客户：张三 / 项目编号 | P-2026-0001)
LABELS: dict[str, tuple[str, ...]] = {
    "project": ("项目编号", "工程编号", "项目代码", "项目号"),
    "contract": ("合同编号", "合同号", "原合同编号"),
    "date": ("报价日期", "日期", "制表日期", "编制日期", "变更日期"),
    "designer": ("设计师", "设计", "主案设计师"),
    "valid_days": ("有效期", "报价有效期"),
    "customer": ("客户", "客户姓名", "业主", "业主姓名", "甲方", "客户名称"),
    "reason": ("变更原因", "变更类别", "变更类型"),
    "reason_text": ("变更说明", "变更内容说明", "原因说明"),
    "schedule_days": ("工期顺延", "工期影响", "顺延天数", "工期顺延天数"),
    "payment": ("付款方式", "支付方式"),
    "payment_days": ("付款期限", "支付期限"),
}
_BRACKETS = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]")
_NUMBERING = re.compile(r"^\s*(?:第?[一二三四五六七八九十百零〇]+(?:部分|项)?|[（(][一二三四五六七八九十\d]+[)）]|\d+|[A-Za-z])"
                        r"\s*[、.．:：)）]?\s*")
_NUMBER_TEXT = re.compile(r"^[+-]?(?:\d+(?:,\d{3})*|\d*)(?:\.\d+)?$")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_REMARK = re.compile(r"^\s*(备注|说明|注|附注)\s*[:：]?\s*")
_LINE_NUMBER = re.compile(r"^\s*(?:\d+|[一二三四五六七八九十]+|[（(]\d+[)）])\s*[、.．)）]")


def label_of(value: object) -> str:
    """A header cell's text as the synonyms are written: half-width, no spaces, no bracketed unit."""
    text = unicodedata.normalize("NFKC", str(value))
    text = _BRACKETS.sub("", text)
    return re.sub(r"\s+", "", text).rstrip(":：")


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    n = 0
    for c in letters.upper():
        n = n * 26 + ord(c) - 64
    return n


@dataclass
class Figure:
    """A figure the sheet printed: its value (to the fen), its cell and what the row called it."""

    value: Decimal
    cell: str
    label: str


@dataclass
class Line:
    """An item row: its values by field (Decimals for figures, text for the rest) and cells."""

    row: int
    values: dict[str, Any]
    cells: dict[str, str]


@dataclass
class Section:
    name: str
    row: int | None  # None: the items before any section row
    lines: list[Line] = field(default_factory=list)
    subtotal: Figure | None = None


@dataclass
class Table:
    """What :func:`read` found in a sheet."""

    path: Path
    sheet: str
    header_row: int
    columns: dict[str, list[int]]  # field -> column numbers (several for note)
    labels: dict[str, tuple[Any, str]]  # header cells: field -> (value, cell)
    sections: list[Section]
    totals: dict[str, Figure]  # works, fee, tax, total: the first of each
    rates: dict[str, tuple[Decimal, str]]  # management_fee_rate / tax_rate the sheet printed
    remarks: list[str]
    hidden: list[int]  # rows passed over because they are hidden
    figures: list[tuple[str, Figure]] = field(default_factory=list)  # every totals row, in order

    def cell(self, column: str | int, row: int) -> str:
        letter = column if isinstance(column, str) else column_letter(column)
        return f"{self.sheet}!{letter}{row}"

    def error(self, cell: str, message: str) -> InputError:
        return InputError(f"{self.path.name}: {cell}: {message}")

    def place(self, message: str) -> str:
        """A model error's data path (sections[0].items[2].name, additions[1].quantity) given as
        the sheet's cell, and the file by its name."""
        def line_cell(line: Line | None, key: str, path: str) -> str:
            if line is None:
                return path
            return line.cells.get(key) or line.cells.get("name") or f"{self.sheet}!{line.row}"

        def item(m: re.Match[str]) -> str:
            i, j = int(m.group(1)), int(m.group(2))
            lines = self.sections[i].lines if i < len(self.sections) else []
            return line_cell(lines[j] if j < len(lines) else None, m.group(3), m.group(0))

        def change(m: re.Match[str]) -> str:
            which = "增项" if m.group(1) == "additions" else "减项"
            lines = [x for s in self.sections if kind_of_change(s.name) == which for x in s.lines]
            i = int(m.group(2))
            return line_cell(lines[i] if i < len(lines) else None, m.group(3), m.group(0))

        text = re.sub(r"sections\[(\d+)\]\.items\[(\d+)\]\.(\w+)", item, message)
        text = re.sub(r"(additions|deductions)\[(\d+)\]\.(\w+)", change, text)
        return text.replace(str(self.path), self.path.name)


def kind_of_change(name: str) -> str | None:
    """增项 or 减项 for a change order's section row (增项 / 增加项目 / 一、增项部分 …)."""
    text = label_of(name)
    if text.startswith(("增", "新增", "追加")) or "增项" in text or "增加" in text:
        return "增项"
    if text.startswith(("减", "扣减", "取消")) or "减项" in text or "减少" in text:
        return "减项"
    return None


# ---------------------------------------------------------------------------------------
# the file


def is_sheet(path: Path) -> bool:
    return path.suffix.lower() in SHEET_SUFFIXES


def refuse_old_format(path: Path) -> None:
    """An .xls, .et or .ods file: refused with how to save it as .xlsx."""
    kind = OLD_FORMATS.get(path.suffix.lower())
    if kind:
        raise InputError(_("{path}: a {format} file; docgen reads .xlsx: open it in Excel or WPS and save it "
                           "as an Excel workbook (.xlsx) (文件 → 另存为 → Excel 工作簿)").format(path=path, format=kind))


def _check_zip(path: Path) -> None:
    from docgen.kinds.common import MAX_FILE_BYTES

    if not path.is_file():
        raise InputError(_("{path}: file does not exist").format(path=path))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(_("{path}: the file is {size} MB, more than the {limit} MB a document's data may be; "
                           "split the document").format(path=path, size=f"{size / 1024 / 1024:.1f}",
                                                        limit=MAX_FILE_BYTES // 1024 // 1024))
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError(_("{path}: not an .xlsx workbook (the file is damaged, or another format renamed); "
                           "open it in Excel or WPS and save it as .xlsx").format(path=path)) from None
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED or any(
            m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members):
        raise InputError(_("{path}: the workbook unpacks to far more than its size (a zip bomb, or not a "
                           "workbook a person made); docgen does not open it").format(path=path))


_NO_VALUE = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)>\s*<f(?:\s[^>]*)?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')


def _formula_without_value(xml: bytes) -> str | None:
    """The first cell of the sheet's XML holding a formula with no saved value, if any."""
    for m in _NO_VALUE.finditer(xml):
        if not re.search(rb'\st="(?:str|s|e|b|inlineStr)"', m.group(2)):  # an empty <v> of t="str" is a value: ""
            return m.group(1).decode()
    return None


def _sheet_part(ws: Any) -> str | None:
    """The zip member of a worksheet openpyxl read (its path inside the workbook)."""
    part = getattr(ws, "_docgen_part", None)
    return part


_MERGED = re.compile(rb'<mergeCell ref="([A-Z]{1,3})([0-9]+):([A-Z]{1,3})([0-9]+)"')
_ROW = re.compile(rb"<row\b([^>]*)>")


@dataclass
class _SheetXml:
    """What read-only openpyxl does not give: the merged ranges and the hidden rows (and the
    sheet's XML itself, for the formulas saved without a value)."""

    merged: list[tuple[int, int, int, int]]  # min_col, min_row, max_col, max_row
    hidden: set[int]
    data: bytes = b""


def _sheet_xml(path: Path, part: str | None) -> _SheetXml:
    if part is None:
        return _SheetXml([], set())
    with zipfile.ZipFile(path) as z:
        try:
            xml = z.read(part)
        except KeyError:
            return _SheetXml([], set())
    merged = [(column_index(a.decode()), int(b), column_index(c.decode()), int(d))
              for a, b, c, d in _MERGED.findall(xml)]
    hidden = set()
    for attrs in _ROW.findall(xml):
        if re.search(rb'\shidden="(?:1|true)"', attrs):
            m = re.search(rb'\sr="([0-9]+)"', attrs)
            if m:
                hidden.add(int(m.group(1)))
    return _SheetXml(merged, hidden, xml)


def _unreadable(path: Path, exc: Exception) -> InputError:
    """The one line for a workbook openpyxl's parsers could not read (or refused to)."""
    name = type(exc).__name__
    if "Entit" in name or "DTD" in name or "Forbidden" in name or "entity" in str(exc):
        return InputError(_("{path}: the workbook's XML declares entities (an entity bomb, not a sheet a "
                            "person made); docgen does not open it").format(path=path))
    return InputError(_("{path}: cannot be read as an .xlsx workbook ({problem}); open it in Excel or WPS "
                        "and save it as .xlsx").format(path=path, problem=name))


def _load(path: Path) -> Any:
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML, "openpyxl reads XML through defusedxml (a dependency of docgen)"
    _check_zip(path)
    try:
        # read-only: the rows streamed (twice as fast for a long sheet); merged cells and hidden
        # rows, which that mode does not keep, are read from the sheet's XML (_Layout)
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises whatever its parsers raise on a damaged file
        raise _unreadable(path, exc) from None
    # which zip member each sheet came from, to look at its formulas without a second load
    try:
        import posixpath

        from openpyxl.packaging.relationship import get_rels_path
        from openpyxl.reader.excel import ExcelReader  # noqa: F401  (the member names below are its)

        with zipfile.ZipFile(path) as z:
            import defusedxml.ElementTree as ET

            book = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read(get_rels_path("xl/workbook.xml")))
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
              "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
        targets = {r.get("Id"): r.get("Target") for r in rels}
        for s in book.iterfind("m:sheets/m:sheet", ns):
            target = targets.get(s.get(f"{{{ns['r']}}}id"), "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            if s.get("name") in wb.sheetnames:
                wb[s.get("name")]._docgen_part = part
    except Exception:  # noqa: BLE001  (only the formula check needs it; it then reads the sheet alone)
        pass
    return wb


# ---------------------------------------------------------------------------------------
# cells


def _decimal(value: object) -> Decimal | None:
    """A cell's number: a number cell, or text such as 1,234.50 / ¥45 / 45元 / １２.５; None if blank."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(value)
        # the binary noise of a formula's float (12.915000000000001) is not a figure anyone wrote
        return Decimal(repr(round(value, 8))).normalize()
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise ValueError(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"^(?:人民币|RMB|¥|￥)\s*", "", text).removesuffix("元").strip().replace(" ", "")
    if not text or text in ("-", "—", "/"):
        return None
    if not _NUMBER_TEXT.match(text):
        raise ValueError(value)
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(value) from None


def _rate(value: object, header: str) -> Decimal | None:
    """A 损耗 cell: 5% (text or a percent-formatted 0.05), 0.05, or a 系数 such as 1.05."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        m = _PERCENT.fullmatch(unicodedata.normalize("NFKC", value).strip())
        if m:
            return Decimal(m.group(1)) / 100
    number = _decimal(value)
    if number is None:
        return None
    if "系数" in header and Decimal(1) <= number <= Decimal("1.5"):
        return number - 1
    if Decimal(0) <= number <= Decimal("0.5"):
        return number
    if Decimal(1) <= number <= Decimal(50) and isinstance(value, (int, str)):  # "5" meaning 5%
        raise ValueError(value)
    raise ValueError(value)


def fen(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def shown(value: Decimal) -> str:
    """An amount as a person reads it in messages: 1,234.50."""
    return f"{fen(value):,.2f}"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return unicodedata.normalize("NFC", str(value)).strip()


def _date(value: object) -> dt.date | str | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?", unicodedata.normalize("NFKC", text))
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return text
    return text


# ---------------------------------------------------------------------------------------
# the table


@dataclass(frozen=True)
class Layout:
    """``[spreadsheet.KIND]`` of docgen.toml: the sheet, the header row, columns by letter or name."""

    sheet: str | None = None
    header_row: int | None = None
    columns: tuple[tuple[str, tuple[str, ...]], ...] = ()


def layout(settings: Any, kind: str) -> Layout:
    table = (getattr(settings, "spreadsheet", None) or {}).get(kind) or {}
    where = f"docgen.toml: [spreadsheet.{kind}]"
    if not isinstance(table, dict):
        raise ConfigError(_("{where} must be a table").format(where=where))
    unknown = sorted(set(table) - {"sheet", "header_row", "columns"})
    if unknown:
        raise ConfigError(_("{where}: unknown key {key}; the keys are sheet, header_row and columns").format(
            where=where, key=unknown[0]))
    sheet = table.get("sheet")
    if sheet is not None and not (isinstance(sheet, str) and sheet.strip()):
        raise ConfigError(_("{where}: sheet must be the name of a sheet").format(where=where))
    row = table.get("header_row")
    if row is not None and not (isinstance(row, int) and not isinstance(row, bool) and 1 <= row <= HEADER_SEARCH_ROWS * 10):
        raise ConfigError(_("{where}: header_row must be a row number (1 or more)").format(where=where))
    columns = table.get("columns", {})
    if not isinstance(columns, dict):
        raise ConfigError(_("{where}: columns must be a table of field = \"column\"").format(where=where))
    out = []
    for key, value in columns.items():
        if key not in FIELDS:
            raise ConfigError(_("{where}.columns: unknown field {key}; the fields are {fields}").format(
                where=where, key=key, fields=", ".join(FIELDS)))
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v.strip() for v in values):
            raise ConfigError(_("{where}.columns.{key}: give a column letter (\"B\") or the header's name "
                                "(\"工程量\")").format(where=where, key=key))
        out.append((key, tuple(v.strip() for v in values)))
    return Layout(sheet.strip() if sheet else None, row, tuple(out))


def _field_of(label: str) -> str | None:
    if not label:
        return None
    for key, names in SYNONYMS.items():
        if label in names:
            return key
    if label.endswith("说明") or label.startswith(("工艺", "材料说明", "品牌")):
        return "note"
    return None


def _columns_of(row: tuple[Any, ...]) -> dict[str, list[int]]:
    """A header row's columns by field, as its names say (several for note, the first for the rest)."""
    columns: dict[str, list[int]] = {}
    for c, value in enumerate(row, start=1):
        if isinstance(value, str):
            key = _field_of(label_of(value))
            if key and (key == "note" or key not in columns):
                columns.setdefault(key, []).append(c)
    return columns


def _header(rows: list[tuple[Any, ...]], merged_over: dict[tuple[int, int], int], first: int) -> tuple[int, dict[str, list[int]]] | None:
    """The best header row among ``rows`` (numbered from ``first``): (the last header row, columns)."""
    best: tuple[int, int, dict[str, list[int]]] | None = None
    for i, row in enumerate(rows):
        columns = _columns_of(row)
        last = first + i
        # a second header row: 主材 / 辅材 / 人工 (and 合计) under a 单价 merged over them
        if i + 1 < len(rows):
            below = rows[i + 1]
            for c, value in enumerate(below, start=1):
                if not isinstance(value, str):
                    continue
                label = label_of(value)
                key = _field_of(label)
                over = merged_over.get((first + i, c))
                if key in SPLIT or (over is not None and label in ("合计", "小计", "单价", "综合单价")):
                    key = key or "unit_price"
                    for k in list(columns):
                        if c in columns[k] and k != "note":
                            columns[k].remove(c)
                            if not columns[k]:
                                del columns[k]
                    if key not in columns:
                        columns[key] = [c]
                        last = first + i + 1
        if "name" in columns and "quantity" in columns and (
                "unit_price" in columns or any(k in columns for k in SPLIT)):
            score = len(columns)
            if best is None or score > best[0]:
                best = (score, last, columns)
    return (best[1], best[2]) if best else None


def _apply(columns: dict[str, list[int]], lay: Layout, header: tuple[Any, ...], where: str) -> None:
    names = {label_of(v): c for c, v in enumerate(header, start=1) if isinstance(v, str)}
    for key, refs in lay.columns:
        found = []
        for ref in refs:
            if re.fullmatch(r"[A-Za-z]{1,3}", ref):
                found.append(column_index(ref))
            elif label_of(ref) in names:
                found.append(names[label_of(ref)])
            else:
                raise InputError(_("{where}: no column is headed {name} ([spreadsheet] columns.{key} in docgen.toml); "
                                   "fix the header or docgen.toml").format(where=where, name=ref, key=key))
        for other in columns.values():  # a column moved to this field leaves the one it had
            for c in found:
                if c in other:
                    other.remove(c)
        columns[key] = found
    for key in [k for k, v in columns.items() if not v]:
        del columns[key]


def _total_kind(text: str) -> str | None:
    """What a totals row is by its words: subtotal, works, fee, tax, total or discount."""
    t = label_of(text)
    t = _NUMBERING.sub("", t) if not t.startswith(("合计", "小计", "总计")) else t
    if not t:
        return None
    if "小计" in t:
        return "subtotal"
    if any(w in t for w in ("优惠", "折扣", "让利", "抹零")):
        return "discount"
    if "管理费" in t:
        return "fee"
    if any(w in t for w in ("总计", "总价", "总造价", "工程造价", "含税", "报价总额", "总金额", "应付总额", "工程总额",
                            "合同总价", "净增减", "变更净额", "增减合计")):
        return "total"
    if t.startswith(("税金", "税费", "税额", "增值税", "税")) or t in ("税金", "税"):
        return "tax"
    if t.startswith(("合计", "工程合计", "直接费", "工程直接费", "直接工程费", "项目合计", "工程费合计", "增项合计",
                     "减项合计")) or t.endswith("合计"):
        return "works"
    return None


def _rate_in(values: tuple[Any, ...], texts: list[str], exclude: set[int]) -> Decimal | None:
    """A rate printed on a 管理费 / 税金 row: in its words (管理费（8%）, 费率 8%), or a number from 0 to
    0.5 in a cell of its own (8% typed in Excel is the number 0.08; no fee is half a yuan)."""
    for t in texts:
        m = _PERCENT.search(unicodedata.normalize("NFKC", t))
        if m:
            return Decimal(m.group(1)) / 100
    for c, value in enumerate(values, start=1):
        if c in exclude or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if 0 < value <= 0.5:
            return Decimal(repr(round(float(value), 8))).normalize()
    return None


def _labels(rows: list[tuple[int, tuple[Any, ...]]], sheet: str) -> dict[str, tuple[Any, str]]:
    """The labelled cells around the table: 项目编号：P-2026-0001, or 日期 | 2026-11-02."""
    found: dict[str, tuple[Any, str]] = {}
    for r, values in rows:
        for c, value in enumerate(values, start=1):
            if not isinstance(value, str):
                continue
            text = unicodedata.normalize("NFKC", value).strip()
            for part in re.split(r"\s{2,}|\n", text):
                m = re.match(r"^\s*([^:：]{1,12}?)\s*[:：]\s*(.*)$", part)
                label, rest = (m.group(1), m.group(2).strip()) if m else (part, "")
                key = next((k for k, names in LABELS.items() if label_of(label) in names), None)
                if key is None or key in found:
                    continue
                if rest:
                    found[key] = (rest, f"{sheet}!{column_letter(c)}{r}")
                    continue
                for c2 in range(c + 1, len(values) + 1):
                    v2 = values[c2 - 1]
                    if v2 is not None and _text(v2):
                        found[key] = (v2, f"{sheet}!{column_letter(c2)}{r}")
                        break
    return found


def read(path: Path, kind: str, settings: Any) -> Table:
    """The table of a quote's or a change order's sheet; InputError naming the cell otherwise."""
    refuse_old_format(path)
    if not is_sheet(path):
        raise InputError(_("{path}: not a spreadsheet (.xlsx)").format(path=path))
    lay = layout(settings, kind)
    wb = _load(path)
    try:
        return _read(path, wb, lay)
    except DocgenError:
        raise
    except Exception as exc:  # the rows are parsed as they are read (read-only mode): a damaged or hostile part
        raise _unreadable(path, exc) from None
    finally:
        wb.close()


def _read(path: Path, wb: Any, lay: Layout) -> Table:
    if lay.sheet is not None:
        if lay.sheet not in wb.sheetnames:
            raise InputError(_("{path}: has no sheet {sheet} ([spreadsheet] sheet in docgen.toml); its sheets are "
                               "{sheets}").format(path=path.name, sheet=lay.sheet, sheets="、".join(wb.sheetnames)))
        candidates = [wb[lay.sheet]]
    else:
        candidates = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] or list(wb.worksheets)
    for ws in candidates:
        if (ws.max_row or 0) > MAX_ROWS or (ws.max_column or 0) > MAX_COLUMNS:
            raise InputError(_("{path}: sheet {sheet} has {rows} rows and {columns} columns; docgen reads at most "
                               "{max_rows} rows of {max_columns} columns: delete the empty rows and columns below "
                               "and to the right of the table").format(
                path=path.name, sheet=ws.title, rows=ws.max_row, columns=ws.max_column, max_rows=MAX_ROWS,
                max_columns=MAX_COLUMNS))
        xml = _sheet_xml(path, _sheet_part(ws))
        merged_over: dict[tuple[int, int], int] = {}
        for min_col, min_row, max_col, _max_row in xml.merged:
            if min_row <= HEADER_SEARCH_ROWS and max_col > min_col:
                for c in range(min_col, max_col + 1):
                    merged_over[min_row, c] = min_col
        top = list(ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, values_only=True))

        def row_at(n: int) -> tuple[Any, ...]:
            if n <= len(top):
                return top[n - 1]
            return next(ws.iter_rows(min_row=n, max_row=n, values_only=True), ())

        if lay.header_row is not None:
            found = (lay.header_row, _columns_of(row_at(lay.header_row)))
        else:
            found = _header(top, merged_over, 1)
        if found is None:
            continue
        header_row, columns = found
        header_values = row_at(header_row)
        if header_row > 1 and lay.header_row is None:  # a two-row header: the names may be in the row above
            above = row_at(header_row - 1)
            header_values = tuple(b if b is not None else a for a, b in zip(above, header_values))
        _apply(columns, lay, header_values, f"{path.name}: {ws.title}!{header_row}")
        missing = [FIELD_NAMES[k] for k in ("name", "quantity") if k not in columns]
        if "unit_price" not in columns and not any(k in columns for k in SPLIT):
            missing.append(FIELD_NAMES["unit_price"])
        if missing:
            raise InputError(_("{path}: {sheet}!{row}: the header row has no column {names}; name it so, or set "
                               "[spreadsheet] columns in docgen.toml").format(
                path=path.name, sheet=ws.title, row=header_row, names="、".join(missing)))
        return _rows(path, ws, header_row, columns, top[:header_row - 1] if header_row > 1 else [], xml,
                     header_values)
    if lay.header_row is not None:
        raise InputError(_("{path}: row {row} ([spreadsheet] header_row in docgen.toml) is not a header row with "
                           "项目名称, 数量 and 单价").format(path=path.name, row=lay.header_row))
    raise InputError(_("{path}: no sheet has a header row with 项目名称, 数量 and 单价 (or 主材 / 辅材 / 人工) in its "
                       "first {n} rows; name the columns so, or set [spreadsheet] header_row and columns in "
                       "docgen.toml").format(path=path.name, n=HEADER_SEARCH_ROWS))


def _rows(path: Path, ws: Any, header_row: int, columns: dict[str, list[int]], above: list[tuple[Any, ...]],
          xml: _SheetXml, header_values: tuple[Any, ...]) -> Table:
    sheet = ws.title
    hidden = {r for r in xml.hidden if r > header_row}
    single = {k: v[0] for k, v in columns.items() if k != "note"}
    notes = columns.get("note", [])
    loss_header = ""
    if "loss" in single and single["loss"] <= len(header_values):
        loss_header = label_of(header_values[single["loss"] - 1] or "")
    table = Table(path, sheet, header_row, columns, {}, [], {}, {}, [], sorted(hidden))
    current: Section | None = None
    after_totals = False
    remarks_open = False
    label_rows: list[tuple[int, tuple[Any, ...]]] = [(r, v) for r, v in enumerate(above, start=1)]
    suspects: list[str] = []

    def number(key: str, r: int, values: tuple[Any, ...]) -> Decimal | None:
        c = single.get(key)
        if c is None or c > len(values):
            return None
        value = values[c - 1]
        try:
            return _decimal(value)
        except ValueError:
            if after_totals:  # 客户签字：, 日期： below the table
                return None
            raise table.error(table.cell(c, r), _("{field} {value} is not a number; write the figure alone "
                                                   "(12.5, 1,234.50)").format(field=FIELD_NAMES[key],
                                                                               value=repr(_text(value)))) from None

    for r, values in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1):
        if r in hidden:
            continue
        texts = [v for v in values if isinstance(v, str) and v.strip()]
        if not texts and all(v is None or v == "" for v in values):
            continue
        q = number("quantity", r, values)
        parts = {k: number(k, r, values) for k in SPLIT if k in single}
        price = number("unit_price", r, values)
        amount = number("amount", r, values)
        name = _text(values[single["name"] - 1]) if single["name"] <= len(values) else ""
        first_text = _text(texts[0]) if texts else ""
        if remarks_open or (first_text and _REMARK.match(first_text) and q is None and price is None):
            if q is None and price is None and amount is None:
                if _REMARK.match(first_text):
                    remarks_open = True
                    first_text = _REMARK.sub("", first_text)
                    lines = [first_text, *(_text(t) for t in texts[1:])]
                elif _LINE_NUMBER.match(first_text) or not after_totals:
                    lines = [_text(t) for t in texts]
                else:
                    label_rows.append((r, values))
                    remarks_open = False
                    continue
                # the document numbers its remarks itself: 1、 of the sheet's is left out
                table.remarks.extend(_LINE_NUMBER.sub("", x).strip() for line in lines for x in line.split("\n")
                                     if _LINE_NUMBER.sub("", x).strip())
                continue
            remarks_open = False
        if q is None and price is None and not any(v is not None for v in parts.values()):
            kind = _total_kind(first_text) if first_text else None
            if kind is None and first_text and amount is not None:
                kind = _total_kind(name)
            if kind is not None:
                cell = table.cell(single["amount"], r) if "amount" in single else table.cell(1, r)
                if amount is None and "amount" in single and values[single["amount"] - 1] is None:
                    suspects.append(cell)
                if kind == "discount":
                    raise table.error(cell, _("{label}: a docgen quote has no discount row; give the discounted "
                                              "unit prices instead, or delete the row").format(label=first_text))
                if kind == "subtotal":
                    if current is not None and current.lines and amount is not None:
                        current.subtotal = Figure(amount, cell, first_text)
                    continue
                if kind in ("fee", "tax"):
                    rate = _rate_in(values, texts, set(single.values()) - {single.get("loss", 0)})
                    if rate is not None:
                        table.rates["management_fee_rate" if kind == "fee" else "tax_rate"] = (rate, cell)
                if kind == "works" and ("fee" in table.totals or "tax" in table.totals):
                    kind = "total"
                if amount is not None:
                    table.figures.append((kind, Figure(amount, cell, first_text)))
                    table.totals.setdefault(kind, Figure(amount, cell, first_text))
                after_totals = True
                continue
            if after_totals or amount is not None:  # signature lines, dates, a figure without a label
                label_rows.append((r, values))
                continue
            title = _NUMBERING.sub("", first_text).strip().rstrip(":：") or first_text
            current = Section(title, r)
            table.sections.append(current)
            continue
        # an item row
        if after_totals:
            raise table.error(table.cell(single["name"], r), _("an item row below the totals; move it into its "
                                                                "section above them"))
        if current is None:
            current = Section("报价项目", None)
            table.sections.append(current)
        cells = {k: table.cell(c, r) for k, c in single.items()}
        if notes:
            cells["note"] = table.cell(notes[0], r)
        line_values: dict[str, Any] = {
            "name": name,
            "unit": _text(values[single["unit"] - 1]) if "unit" in single and single["unit"] <= len(values) else "",
            "quantity": q,
        }
        if any(v is not None for v in parts.values()):
            total = sum((v or Decimal(0) for v in parts.values()), Decimal(0))
            for k, v in parts.items():
                if v is not None:
                    line_values[k] = v
            if price is not None and fen(price) != fen(total):
                raise table.error(cells["unit_price"], _(
                    "单价 {price} but 主材 + 辅材 + 人工 = {total}; correct the price or its parts").format(
                        price=shown(price), total=shown(total)))
            price = total
        line_values["unit_price"] = price
        if "loss" in single:
            raw = values[single["loss"] - 1] if single["loss"] <= len(values) else None
            try:
                loss = _rate(raw, loss_header)
            except ValueError:
                raise table.error(cells["loss"], _("损耗 {value} is not a rate; write 5% or 0.05").format(
                    value=repr(_text(raw)))) from None
            if loss:
                line_values["loss"] = loss
        note = "；".join(t for t in (_text(values[c - 1]) for c in notes if c <= len(values)) if t)
        line_values["note"] = note
        if not name:
            raise table.error(cells["name"], _("项目名称 is empty; a row with 数量 or 单价 needs its name (or "
                                               "delete the row)"))
        if q is None:
            raise table.error(cells["quantity"], _("数量 is empty for {name}; give the quantity (or delete the row)")
                              .format(name=name))
        if amount is not None:
            line_values["amount"] = amount
        elif "amount" in single and values[single["amount"] - 1] is None:
            suspects.append(cells["amount"])
        current.lines.append(Line(r, line_values, cells))
    table.sections = [s for s in table.sections if s.lines]
    if not table.sections:
        raise InputError(_("{path}: {sheet}: no item rows under the header row {row}; a row needs 项目名称, 数量 and "
                           "单价").format(path=path.name, sheet=sheet, row=header_row))
    if suspects:
        cell = _formula_without_value(xml.data)
        if cell is not None:
            raise table.error(f"{sheet}!{cell}", _(
                "a formula saved without its value (the file was written by a program that does not calculate); "
                "open the file in Excel or WPS and save it once"))
    table.labels = _labels(label_rows, sheet)
    return table


def check_line_amounts(table: Table) -> None:
    """Each item's 金额 as the sheet printed it against 数量 × 单价 (× (1 + 损耗)) to the fen."""
    for s in table.sections:
        for line in s.lines:
            printed = line.values.get("amount")
            if printed is None:
                continue
            q, p, loss = line.values["quantity"], line.values["unit_price"], line.values.get("loss")
            if p is None:  # a 减项 priced as the quote priced it
                continue
            ours = fen(q * p * (1 + loss)) if loss else fen(q * p)
            if fen(printed) != ours:
                formula = "数量 × 单价 × (1 + 损耗)" if loss else "数量 × 单价"
                raise table.error(line.cells["amount"], _("金额 {printed} but {formula} = {ours}").format(
                    printed=shown(printed), formula=formula, ours=shown(ours)))


def check_figure(table: Table, figure: Figure | None, ours: Decimal, what: str) -> None:
    """A subtotal or total the sheet printed against docgen's, to the fen."""
    if figure is not None and fen(figure.value) != fen(ours):
        raise table.error(figure.cell, _("{label} {printed} but docgen's {what} is {ours}; correct the sheet's "
                                         "formula or figures").format(
            label=figure.label or what, printed=shown(figure.value), what=what, ours=shown(ours)))


def label_date(table: Table, key: str = "date") -> dt.date | None:
    found = table.labels.get(key)
    if found is None:
        return None
    value = _date(found[0])
    if not isinstance(value, dt.date):
        raise table.error(found[1], _("{value} is not a date; write it as 2026-11-02").format(value=repr(value)))
    return value


def label_text(table: Table, key: str) -> str | None:
    found = table.labels.get(key)
    return _text(found[0]) or None if found else None


def label_int(table: Table, key: str) -> int | None:
    found = table.labels.get(key)
    if found is None:
        return None
    text = unicodedata.normalize("NFKC", _text(found[0]))
    m = re.fullmatch(r"(\d+)\s*(?:天|日|个?工作日|days?)?", text)
    if not m:
        raise table.error(found[1], _("{value} is not a number of days; write 30 or 30天").format(value=repr(text)))
    return int(m.group(1))
