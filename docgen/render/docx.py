"""Render a .docx template with docxtpl: sandboxed, strict, escaped, with the page code.

A company template is data, never code: it renders in jinja's immutable sandbox
(no ``__class__``/``__globals__`` path to Python, no changing the data), may not
pull in other files (``include``, ``import``, ``extends``), and its work is bounded
(how far it counts, how long a text it makes, how many calls, how much it writes).
A template that breaks these rules is refused before a number is taken, with one
line naming the tag. The environment is strict (a field the data lacks is an error
naming it and the template) and autoescaping (``王五 & 赵六 <装饰>`` reaches the page
as written). Every page's footer shows the page code as a QR image and as text.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import threading
from collections.abc import Callable, Iterator
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox
from jinja2 import nodes
import segno
from docx.document import Document as DocxDocument
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from docgen.errors import TemplateError
from docgen.i18n import gettext
from docgen.pagecode import PageCode
from docgen.picture import Picture

QR_SIZE = Mm(15)


@dataclass(frozen=True)
class RenderedDocx:
    data: bytes
    text: str


def qr_png(code: PageCode) -> bytes:
    """The page code as a PNG QR code (error correction M, quiet zone kept)."""
    buf = io.BytesIO()
    # 4 px a module: about 250 dpi at the printed size, enough for any scanner or phone.
    segno.make(str(code), error="m", micro=False).save(buf, kind="png", scale=4, border=4)
    return buf.getvalue()


# What one render of a template may do. Generous for any real template (the bundled ones
# count to nothing and make texts of a few hundred characters), small enough that a hostile
# one cannot hang or exhaust the machine.
MAX_COUNT = 100_000  # range() elements in all, over one render (jinja's own cap is per call)
MAX_TEXT = 1_000_000  # characters (or list elements) one expression may make
MAX_CALLS = 1_000_000  # calls of functions, methods and macros in one render
MAX_PART = 64_000_000  # characters of one rendered part (the body, a header, a footer)
MAX_POWER = 1_000  # largest exponent of ``**``

# Attributes that lead from a value to Python's internals (jinja.sandbox.is_internal_attribute).
_INTERNAL = frozenset(
    {"mro", "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await",
     "ag_frame", "ag_code", "ag_await", "f_back", "f_globals", "f_locals", "tb_frame"}
)
_FORBIDDEN_TAGS = {
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "import",
    nodes.Extends: "extends",
}
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


class Refused(Exception):
    """A template broke a sandbox rule; ``text`` is the message after the tag, ``needle``
    what to look for in the tag."""

    def __init__(self, text: str, needle: str = "", lineno: int | None = None) -> None:
        super().__init__(text)
        self.text, self.needle, self.lineno = text, needle, lineno


def _count(r: range) -> int:
    """How many elements a range has (len() overflows past sys.maxsize)."""
    return max(0, (r.stop - r.start + r.step - (1 if r.step > 0 else -1)) // r.step)


def _internal(name: str) -> bool:
    return name.startswith("_") or name in _INTERNAL


def _uses(name: str) -> Refused:
    return Refused(gettext("uses {name}, which templates may not use; remove it from the template").format(name=name), name)


def _too_long(size: int, needle: str = "") -> Refused:
    return Refused(
        gettext("makes a text of {size} characters, more than the {most} a template may make; "
                "remove it from the template").format(size=f"{size:,}", most=f"{MAX_TEXT:,}"), needle,
    )


def _sized(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple | dict | set) else 0


def _check_args(args: tuple[Any, ...], kwargs: dict[str, Any], needle: str = "") -> None:
    """Counts and widths given to a function (``center(10**9)``) and texts passed on."""
    for arg in (*args, *kwargs.values()):
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_TEXT:
            raise Refused(
                gettext("passes {value} to a function, more than the {most} a template may; "
                        "remove it from the template").format(value=f"{arg:,}", most=f"{MAX_TEXT:,}"), f"{arg}"
            )
        if _sized(arg) > MAX_TEXT:
            raise _too_long(_sized(arg), needle)


def _check_result(value: Any, needle: str = "") -> Any:
    if _sized(value) > MAX_TEXT:
        raise _too_long(_sized(value), needle)
    return value


def _bounded_filter(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)  # keeps jinja's pass_context/pass_environment marks
    def bounded(*args: Any, **kwargs: Any) -> Any:
        skip = 2 if getattr(fn, "jinja_pass_arg", None) else 1  # the context, then the value
        name = getattr(fn, "__name__", "")
        _check_args(args[skip:], kwargs, name)
        return _check_result(fn(*args, **kwargs), name)

    return bounded


class _Namespace(jinja2.utils.Namespace):
    """``namespace()`` whose attributes cannot grow past the text bound (``ns.s = ns.s ~ ns.s``)."""

    def __setitem__(self, name: str, value: Any) -> None:
        _check_result(value, f".{name} =")
        super().__setitem__(name, value)


class _BoundedTemplate(jinja2.Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        ctx = self.new_context(dict(*args, **kwargs))
        out: list[str] = []
        size = 0
        try:
            for chunk in self.root_render_func(ctx):
                size += len(chunk)
                if size > MAX_PART:
                    raise Refused(
                        gettext("makes more than {most} characters of document; templates may not; "
                                "remove the loop that repeats it").format(most=f"{MAX_PART:,}")
                    )
                out.append(chunk)
        except Exception:
            self.environment.handle_exception()
        return self.environment.concat(out)  # type: ignore[attr-defined,no-any-return]


_COMPILED: dict[bytes, Any] = {}  # a template part's text (SHA-256) -> its compiled code
_COMPILED_LOCK = threading.Lock()


class Sandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """The environment every template renders in: immutable sandbox, strict, autoescaping,
    with a fresh budget of counts and calls."""

    intercepted_binops = frozenset({"*", "**", "%"})
    template_class = _BoundedTemplate

    def __init__(self) -> None:
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=True)
        self.counted = 0
        self.calls = 0
        self.source = ""
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}
        self.globals["range"] = self._range
        self.globals["namespace"] = _Namespace
        self.globals.pop("lipsum", None)  # makes any amount of text; no template needs it

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> jinja2.Template:
        """jinja's ``from_string``, with the compiled code of a template part kept for the
        process: docxtpl compiles each part of the .docx for every document, and every Sandbox
        compiles alike, so the quote template's parts are compiled once per process, not once
        per quote (about 10 ms a document)."""
        self.source = source if isinstance(source, str) else ""
        if not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        key = hashlib.sha256(source.encode()).digest()
        code = _COMPILED.get(key)
        if code is None:
            code = self.compile(source)
            with _COMPILED_LOCK:
                if len(_COMPILED) >= 64:  # the parts of a handful of templates; the oldest goes
                    _COMPILED.pop(next(iter(_COMPILED)))
                _COMPILED[key] = code
        cls = template_class or self.template_class
        return cls.from_code(self, code, self.make_globals(globals), None)

    def _range(self, *args: int) -> range:
        r = range(*args)
        self.counted += _count(r)
        if self.counted > MAX_COUNT:
            raise Refused(
                gettext("counts to {count} ({total} in all), more than the {most} a template may count to; "
                        "remove it from the template").format(
                    count=f"{_count(r):,}", total=f"{self.counted:,}", most=f"{MAX_COUNT:,}"), "range"
            )
        return r

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        # jinja would hand back an undefined value (``x|attr('__init__')``): refuse at once instead
        raise _uses(attribute)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        __self.calls += 1
        if __self.calls > MAX_CALLS:
            raise Refused(
                gettext("makes more than {most} calls, more than a template may; "
                        "remove the macro or loop that repeats it").format(most=f"{MAX_CALLS:,}")
            )
        name = getattr(__obj, "__name__", "")
        _check_args(args, kwargs, name)
        return _check_result(super().call(__context, __obj, *args, **kwargs), name)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            count = right if _sized(left) else left if _sized(right) else None
            if isinstance(count, int) and (_sized(left) or _sized(right)) * count > MAX_TEXT:
                raise _too_long((_sized(left) or _sized(right)) * count, "*")
        elif operator == "**":
            if isinstance(right, int | float) and abs(right) > MAX_POWER:
                raise Refused(
                    gettext("raises to the power {power}, more than the {most} a template may; "
                            "remove it from the template").format(power=f"{right:,}", most=f"{MAX_POWER:,}"), "**"
                )
        elif operator == "%" and isinstance(left, str):
            # '%0999999999d' % 1: the width is inside the format, so read it from there
            width = max((int(w) for w in re.findall(r"%[-+ #0]*(\d+)", left)), default=0)
            if width > MAX_TEXT:
                raise _too_long(width, left)
            _check_args(right if isinstance(right, tuple) else (right,), {}, left)
        return _check_result(super().call_binop(context, operator, left, right), operator)


def _environment() -> Sandbox:
    return Sandbox()


def _template_lines(exc: BaseException) -> list[int]:
    """The template lines an exception passed through (jinja rewrites its traceback so)."""
    lines = []
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            lines.append(tb.tb_lineno)
        tb = tb.tb_next
    return lines


def _short(tag: str, needle: str) -> str:
    """A tag as the message shows it: whitespace collapsed, long tags cut after what matters."""
    tag = " ".join(tag.split())
    opening, inner, closing = tag[:2], tag[2:-2].strip(), tag[-2:]
    if len(inner) > 40:
        at = inner.find(needle) + len(needle) if needle and needle in inner else 0
        inner = inner[: max(at, 27)] + "…"
    return f"{opening} {inner} {closing}"


def _find_tag(source: str, needle: str, lineno: int | None) -> str | None:
    lines = source.splitlines()
    candidates = [lines[lineno - 1]] if lineno and 0 < lineno <= len(lines) else []
    for text in [*candidates, source]:
        tags = _TAG.findall(text)
        hit = next((t for t in tags if needle and needle in t), None)
        if hit:
            return _short(hit, needle)
        if tags and text is not source:
            return _short(tags[0], needle)
    return None


def _refusal(name: str, source: str, refused: Refused) -> TemplateError:
    tag = _find_tag(source, refused.needle, refused.lineno)
    where = gettext("the template tag {tag}").format(tag=tag) if tag else gettext("the template")
    return TemplateError(gettext("{name}: {where} {problem}").format(name=name, where=where, problem=refused.text))


def _sources(tpl: DocxTemplate) -> Iterator[str]:
    """Every text of a template that docxtpl renders, prepared as docxtpl prepares it."""
    tpl.init_docx()
    doc = tpl.docx
    yield tpl.patch_xml(tpl.xml_to_string(doc._element.body))
    for rel in doc._part.rels.values():
        if rel.reltype in (tpl.HEADER_URI, tpl.FOOTER_URI) and rel.target_part.blob:
            yield tpl.patch_xml(tpl.get_part_xml(rel.target_part))
    for part in doc.part.package.parts:
        if part.content_type.endswith("wordprocessingml.footnotes+xml"):
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            yield tpl.patch_xml(blob)
    props = doc.core_properties
    for prop in ("author", "comments", "identifier", "language", "subject", "title"):
        yield getattr(props, prop) or ""


def _static(node: nodes.Node, source: str) -> None:
    """What the sandbox forbids, found before anything is rendered (so no number is taken);
    of several, the first in reading order is named."""
    found: list[Refused] = []
    try:
        _offences(node, found)
    except Refused as refused:
        found.append(refused)
    if found:
        lines = source.splitlines()

        def order(r: Refused) -> tuple[int, int]:
            line = lines[r.lineno - 1] if r.lineno and r.lineno <= len(lines) else ""
            at = line.find(r.needle) if r.needle else -1
            return (r.lineno or 0, at if at >= 0 else len(line))

        raise min(found, key=order)


def _offences(node: nodes.Node, found: list[Refused]) -> None:
    for n in node.find_all(nodes.Node):
        for kind, word in _FORBIDDEN_TAGS.items():
            if isinstance(n, kind):
                found.append(Refused(_uses(word).text, word, n.lineno))
        name: object = None
        if isinstance(n, nodes.Getattr):
            name = n.attr
        elif isinstance(n, nodes.Getitem) and isinstance(n.arg, nodes.Const):
            name = n.arg.value
        elif isinstance(n, nodes.Filter) and n.name == "attr" and n.args and isinstance(n.args[0], nodes.Const):
            name = n.args[0].value
        if isinstance(name, str) and _internal(name):
            found.append(Refused(_uses(name).text, name, n.lineno))
        if isinstance(n, nodes.Call) and isinstance(n.node, nodes.Name) and n.node.name == "range":
            consts = [a.value for a in n.args if isinstance(a, nodes.Const)]
            if len(consts) == len(n.args) and consts and all(isinstance(c, int) for c in consts):
                if _count(range(*consts)) > MAX_COUNT:
                    found.append(Refused(
                        gettext("counts to {count}, more than the {most} a template may count to; "
                                "remove it from the template").format(
                            count=f"{_count(range(*consts)):,}", most=f"{MAX_COUNT:,}"), "range", n.lineno,
                    ))
        if isinstance(n, nodes.Mul) and isinstance(n.left, nodes.Const) and isinstance(n.right, nodes.Const):
            text, count = sorted((n.left.value, n.right.value), key=lambda v: isinstance(v, int))
            if isinstance(count, int) and _sized(text) * count > MAX_TEXT:
                found.append(Refused(_too_long(_sized(text) * count).text, "*", n.lineno))


def _as_paragraph_lines(xml: str) -> str:
    # docxtpl starts every paragraph on a line of its own before rendering: the same line
    # numbers for the static check as for errors while rendering
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


@functools.lru_cache(maxsize=32)
def _checked(digest: str, name: str, data: bytes) -> None:
    tpl = DocxTemplate(io.BytesIO(data))
    env = _environment()
    for xml in _sources(tpl):
        source = _as_paragraph_lines(xml)
        try:
            tree = env.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(gettext("{name}: template syntax error near line {line}: {error}").format(
                name=name, line=exc.lineno, error=exc.message)) from None
        try:
            _static(tree, source)
        except Refused as refused:
            raise _refusal(name, source, refused) from None


@functools.cache
def _rules() -> str:
    """Names the rules a template was checked by: this module's text and the versions of jinja,
    docxtpl and python-docx, which read the template's parts (a template passed by another
    docgen or library is checked again)."""
    from importlib.metadata import version

    versions = " ".join(version(name) for name in ("Jinja2", "docxtpl", "python-docx"))
    return hashlib.sha256(Path(__file__).read_bytes() + versions.encode()).hexdigest()[:16]


def _passed_mark(digest: str) -> Path:
    """The user's record that a template of these bytes passed these rules: a command that
    makes one document does not parse the whole template twice (about 60 ms a contract)."""
    from docgen.render.pdf import user_cache

    return user_cache() / "templates" / f"{digest}-{_rules()}.passed"


def check(template: Path) -> None:
    """Refuse a template that uses what the sandbox forbids, naming the tag; reads nothing else."""
    if not template.is_file():
        raise TemplateError(gettext("template {template} does not exist").format(template=template))
    data = template.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    mark: Path | None
    try:
        mark = _passed_mark(digest)
        if mark.is_file():
            return
    except (OSError, RuntimeError):  # no home folder, an unreadable cache: the template is checked
        mark = None
    try:
        _checked(digest, template.name, data)
    except TemplateError:
        raise
    except Exception as exc:
        raise TemplateError(gettext("{template}: not a readable .docx template ({error})").format(
            template=template, error=exc)) from None
    if mark is not None:
        try:  # best effort: without the record the next command checks again
            mark.parent.mkdir(parents=True, exist_ok=True)
            mark.touch()
        except OSError:
            pass


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BREAKS = {W + "tab": "\t", W + "br": "\n", W + "cr": "\n"}


def _paragraph_text(p: Any) -> str:
    out = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr"):
        out.append(el.text or "" if el.tag == W + "t" else _BREAKS[el.tag])
    return "".join(out)


def _table_lines(tbl: Any) -> list[str]:
    lines = []
    for tr in tbl.iterchildren(W + "tr"):
        cells = [
            " ".join(_paragraph_text(p) for p in tc.iterchildren(W + "p")).strip()
            for tc in tr.iterchildren(W + "tc")
        ]
        lines.append(" | ".join(cells))
    return lines


def document_text(doc: DocxDocument) -> str:
    """The text of a document in reading order: paragraphs, then table rows as 'a | b'.

    Read straight from the XML (python-docx's objects cost a quarter of a render).
    """
    lines: list[str] = []
    for block in doc.element.body.iterchildren(W + "p", W + "tbl"):
        if block.tag == W + "p":
            lines.append(_paragraph_text(block))
        else:
            lines.extend(_table_lines(block))
    return "\n".join(line.rstrip() for line in lines).strip() + "\n"


# the parts of a .docx whose text a reader may see: the body (tables and text boxes
# included), headers, footers, footnotes, endnotes and comments
_SHOWN_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")


def docx_parts(data: bytes) -> dict[str, str]:
    """The XML of every part of a .docx (name -> text), for what must find data in any of them."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith((".xml", ".rels"))}


def shown_text(data: bytes) -> str:
    """The text of every part of a .docx that shows on a page, one line per paragraph.

    Unlike ``document_text`` (the body, which search and diff read) this also reads headers,
    footers, text boxes and notes: where a template may put a customer's data.
    """
    from lxml import etree

    lines: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if not _SHOWN_PARTS.fullmatch(name):
                continue
            root = etree.fromstring(z.read(name), etree.XMLParser(resolve_entities=False, huge_tree=True))
            for p in root.iter(W + "p"):
                # a text box's paragraphs sit inside a run of their anchor paragraph: each
                # paragraph gives only its own text
                own = [el for el in p.iter(W + "t", W + "tab", W + "br", W + "cr")
                       if next(el.iterancestors(W + "p")) is p]
                lines.append("".join(el.text or "" if el.tag == W + "t" else _BREAKS[el.tag] for el in own))
    return "\n".join(line.rstrip() for line in lines if line.strip()) + "\n"


def _pictures(tpl: DocxTemplate, value: Any) -> Any:
    """Replace every Picture in the context with an InlineImage fitted into its box."""
    if isinstance(value, Picture):
        from docx.image.image import Image

        img = Image.from_blob(value.data)
        aspect = img.px_height / img.px_width
        width = min(value.max_width_mm, value.max_height_mm / aspect)
        return InlineImage(tpl, io.BytesIO(value.data), width=Mm(width), height=Mm(width * aspect))
    if isinstance(value, dict):
        return {k: _pictures(tpl, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pictures(tpl, v) for v in value]
    return value


def render(template: Path, context: dict[str, Any], code: PageCode) -> RenderedDocx:
    """Render ``template`` with ``context`` plus ``page_code`` and its ``qr`` image."""
    check(template)
    try:
        tpl = DocxTemplate(template)
    except Exception as exc:
        raise TemplateError(gettext("{template}: not a readable .docx template ({error})").format(
            template=template, error=exc)) from None
    full = _pictures(tpl, dict(context))
    full["page_code"] = str(code)
    full["qr"] = InlineImage(tpl, io.BytesIO(qr_png(code)), width=QR_SIZE, height=QR_SIZE)
    env = _environment()
    try:
        tpl.render(full, env, autoescape=True)
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            gettext("{name}: the template uses a field the data does not have ({error}); "
                    "fix the template or add the field").format(name=template.name, error=exc.message)
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            gettext("{name}: template syntax error near line {line}: {error}").format(
                name=template.name, line=exc.lineno, error=exc.message)
        ) from None
    except jinja2.exceptions.SecurityError as exc:
        # what the static check cannot see: a name made at run time (``x|attr(a ~ b)``)
        found = re.search(r"attribute '([^']+)'", str(exc))
        refused = _uses(found.group(1)) if found else Refused(
            gettext("does what templates may not do ({error}); remove it").format(error=exc))
        lines = _template_lines(exc)
        refused.lineno = lines[-1] if lines else None
        raise _refusal(template.name, env.source, refused) from None
    except Refused as refused:
        lines = _template_lines(refused)
        refused.lineno = lines[-1] if lines else None
        raise _refusal(template.name, env.source, refused) from None
    except RecursionError:
        raise TemplateError(
            gettext("{name}: the template calls a macro within itself too deeply; remove the recursion").format(
                name=template.name)
        ) from None
    buf = io.BytesIO()
    tpl.save(buf)
    return RenderedDocx(buf.getvalue(), document_text(tpl.docx))
