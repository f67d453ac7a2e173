"""A company template is data: it cannot run code, read other files or exhaust the machine."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from conftest import ROOT, new, run


def company_template(archive: Path, *paragraphs: str, kind: str = "quote") -> Path:
    """A copy of the bundled template with paragraphs added, as the company's own template."""
    folder = archive / "templates"
    folder.mkdir(mode=0o700, exist_ok=True)  # owner-only, as verify wants the archive's files
    d = docx.Document(str(ROOT / "templates" / f"{kind}.docx"))
    for text in paragraphs:
        d.add_paragraph(text)
    dest = folder / f"{kind}.docx"
    d.save(str(dest))
    dest.chmod(0o600)
    return dest


def refused(archive: Path, work: Path, line: str, *, at_render: bool = False) -> None:
    """`docgen new quote` exits 1 with exactly ``line`` and archives nothing. A tag the check
    of the template finds takes no number; one found only while rendering (``at_render``)
    leaves its reserved number recorded as unused, which verify explains."""
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 1, r
    assert r.stderr.strip().splitlines() == [line], r.stderr
    listed = run("list", "--json")
    assert listed.exit_code == 0 and json.loads(listed.stdout) == [], listed
    (archive / "templates" / "quote.docx").unlink()
    assert new("quote", work / "quote.yaml")["number"] == ("BJ-2026-0002" if at_render else "BJ-2026-0001")
    if at_render:
        checked = run("verify")
        assert checked.exit_code == 0 and "BJ-2026-0001" in checked.stdout, checked


def test_template_cannot_run_a_shell_command(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    company_template(archive_dir, f"{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}")
    refused(
        archive_dir, work,
        "Error: quote.docx: the template tag {{ cycler.__init__.__globals__… }} uses __init__, "
        "which templates may not use; remove it from the template",
    )
    assert not marker.exists()


@pytest.mark.parametrize(
    ("tag", "shown", "name"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
         "__class__"),
        ("{{ customer['__class__'] }}", "{{ customer['__class__'] }}", "__class__"),
        ("{{ customer|attr('__class__') }}", "{{ customer|attr('__class__') }}", "__class__"),
        ("{{ self._TemplateReference__context }}", "{{ self._TemplateReference__context }}",
         "_TemplateReference__context"),
        ("{% include '/etc/passwd' %}", "{% include '/etc/passwd' %}", "include"),
        ("{% import 'macros.xml' as m %}", "{% import 'macros.xml' as m %}", "import"),
        ("{% from 'macros.xml' import x %}", "{% from 'macros.xml' import x %}", "import"),
        ("{% extends 'base.xml' %}", "{% extends 'base.xml' %}", "extends"),
    ],
)
def test_forbidden_tags_are_refused_by_name(tag: str, shown: str, name: str, work: Path, archive_dir: Path) -> None:
    company_template(archive_dir, tag)
    refused(
        archive_dir, work,
        f"Error: quote.docx: the template tag {shown} uses {name}, which templates may not use; "
        "remove it from the template",
    )


def test_attribute_made_at_run_time_is_refused(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    # the name is joined while rendering, so only the sandbox itself can see it
    company_template(
        archive_dir,
        "{% set a = '__' ~ 'init' ~ '__' %}{% set g = '__glo' ~ 'bals__' %}",
        f"{{{{ (cycler|attr(a)|attr(g)).os.popen('touch {marker}').read() }}}}",
    )
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 1, r
    assert r.stderr.strip().splitlines() == [
        "Error: quote.docx: the template tag {{ (cycler|attr(a)|attr(g)).os… }} uses __init__, "
        "which templates may not use; remove it from the template"
    ], r.stderr
    assert not marker.exists()
    assert json.loads(run("list", "--json").stdout) == []


def test_template_cannot_change_the_data(work: Path, archive_dir: Path) -> None:
    company_template(archive_dir, "{{ customer.update({'name': '李四'}) }}")
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 1, r
    assert r.stderr.strip().splitlines() == [
        "Error: quote.docx: the template tag {{ customer.update({'name': '李四'}) }} uses update, "
        "which templates may not use; remove it from the template"
    ], r.stderr


@pytest.mark.parametrize(
    ("tag", "line"),
    [
        ("{% for i in range(100000000) %}{% endfor %}",
         "the template tag {% for i in range(100000000) %} counts to 100,000,000, more than the 100,000 "
         "a template may count to; remove it from the template"),
        ("{{ 'x' * 1000000000 }}",
         "the template tag {{ 'x' * 1000000000 }} makes a text of 1,000,000,000 characters, more than "
         "the 1,000,000 a template may make; remove it from the template"),
    ],
)
def test_huge_loops_and_texts_are_refused(tag: str, line: str, work: Path, archive_dir: Path) -> None:
    company_template(archive_dir, tag)
    # 10 ** 30 is only known when the template runs: refused while rendering, after numbering
    refused(archive_dir, work, f"Error: quote.docx: {line}", at_render="10 ** 30" in tag)


@pytest.mark.parametrize(
    ("tag", "line"),
    [
        ("{% for i in range(10 ** 30) %}{% endfor %}",
         "the template tag {% for i in range(10 ** 30) %} passes 1,000,000,000,000,000,000,000,000,000,000 "
         "to a function, more than the 1,000,000 a template may; remove it from the template"),
        # counts made while rendering: each loop alone is allowed, all of them together are not
        ("{% for s in sections %}{% for i in range(60000) %}{% endfor %}{% endfor %}",
         "the template tag {% for i in range(60000) %} counts to 60,000 (120,000 in all), more than the 100,000 a template "
         "may count to; remove it from the template"),
        ("{% set n = 1000 %}{{ 'x' * (n * n * n) }}",
         "the template tag {{ 'x' * (n * n * n) }} makes a text of 1,000,000,000 characters, more than "
         "the 1,000,000 a template may make; remove it from the template"),
        ("{% set ns = namespace(s='xxxxxxxxxx') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
         "{% endfor %}",
         "the template tag {% set ns.s = ns.s ~ ns.s %} makes a text of 1,310,720 characters, more than "
         "the 1,000,000 a template may make; remove it from the template"),
        ("{{ 'x'|center(1000000000) }}",
         "the template tag {{ 'x'|center(1000000000) }} passes 1,000,000,000 to a function, more than the "
         "1,000,000 a template may; remove it from the template"),
        ("{{ 'x'.ljust(1000000000) }}",
         "the template tag {{ 'x'.ljust(1000000000) }} passes 1,000,000,000 to a function, more than the "
         "1,000,000 a template may; remove it from the template"),
        ("{{ '%0999999999d' % 1 }}",
         "the template tag {{ '%0999999999d' % 1 }} makes a text of 999,999,999 characters, more than "
         "the 1,000,000 a template may make; remove it from the template"),
        ("{{ 2 ** 100000000 }}",
         "the template tag {{ 2 ** 100000000 }} raises to the power 100,000,000, more than the 1,000 a "
         "template may; remove it from the template"),
        ("{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
         "the template tag {% macro f(n) %} makes more than 1,000,000 calls, more than a template may; "
         "remove the macro or loop that repeats it"),
    ],
)
def test_work_while_rendering_is_bounded(tag: str, line: str, work: Path, archive_dir: Path) -> None:
    company_template(archive_dir, tag)
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 1, r
    assert r.stderr.strip().splitlines() == [f"Error: quote.docx: {line}"], r.stderr
    assert json.loads(run("list", "--json").stdout) == []


def test_recursive_macro_is_refused(work: Path, archive_dir: Path) -> None:
    company_template(archive_dir, "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 1, r
    assert r.stderr.strip().splitlines() == [
        "Error: quote.docx: the template calls a macro within itself too deeply; remove the recursion"
    ], r.stderr


def test_tag_in_the_header_is_checked(work: Path, archive_dir: Path) -> None:
    dest = company_template(archive_dir)
    d = docx.Document(str(dest))
    d.sections[0].header.add_paragraph("{{ lipsum.__globals__ }}")
    d.save(str(dest))
    refused(archive_dir, work, "Error: quote.docx: the template tag {{ lipsum.__globals__ }} uses __globals__, "
            "which templates may not use; remove it from the template")


def test_tag_in_the_document_title_is_checked(work: Path, archive_dir: Path) -> None:
    dest = company_template(archive_dir)
    d = docx.Document(str(dest))
    d.core_properties.title = "{{ joiner.__init__ }}"
    d.save(str(dest))
    refused(archive_dir, work, "Error: quote.docx: the template tag {{ joiner.__init__ }} uses __init__, "
            "which templates may not use; remove it from the template")


def test_ordinary_template_logic_still_works(work: Path, archive_dir: Path) -> None:
    company_template(
        archive_dir,
        "{% set ns = namespace(n=0) %}{% for s in sections %}{% set ns.n = ns.n + s.rows|length %}{% endfor %}"
        "共{{ ns.n }}项；{% for i in range(3) %}{{ loop.index }}{% endfor %}；{{ customer.name|upper }}"
        "{{ '-' * 10 }}{{ '%05d'|format(42) }}",
    )
    made = new("quote", work / "quote.yaml")
    text = run("show", made["number"], "--json")
    assert text.exit_code == 0
    d = docx.Document(made["files"]["docx"])
    assert "共17项；123；张三----------00042" in "\n".join(p.text for p in d.paragraphs)


def test_a_template_part_is_compiled_once_and_each_render_keeps_its_own_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled code of a part is kept for the process; the limits are each render's own."""
    import jinja2

    from docgen.render import docx as render_docx

    compiled = []
    real = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile", lambda self, *a, **k: compiled.append(1) or real(self, *a, **k))
    source = "{% for i in range(n) %}{% endfor %}{{ n }} <!-- a part of its own -->"
    for _ in range(3):
        sandbox = render_docx.Sandbox()
        assert sandbox.from_string(source).render(n=10) == "10 <!-- a part of its own -->"
        with pytest.raises(render_docx.Refused, match="counts to"):
            sandbox.from_string(source).render(n=render_docx.MAX_COUNT + 1)
    assert len(compiled) == 1


def test_a_template_that_passed_is_not_parsed_again_and_a_refused_one_always_is(
        archive_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's cache records a template's bytes that passed the check; a changed byte, or
    a template that failed, is checked in full every time."""
    from docgen.errors import TemplateError
    from docgen.render import docx as render_docx

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    good = company_template(archive_dir, "一段普通的文字 {{ customer.name }}")
    render_docx._checked.cache_clear()
    render_docx.check(good)
    marks = list((tmp_path / "cache" / "docgen" / "templates").iterdir())
    assert len(marks) == 1
    parsed = []
    monkeypatch.setattr(render_docx, "_checked", lambda *a: parsed.append(a))
    render_docx.check(good)
    assert parsed == []  # passed before: not parsed again
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bad = company_template(archive_dir, "{{ cycler.__init__ }}")
    for _ in range(2):
        with pytest.raises(TemplateError, match="__init__"):
            render_docx.check(bad)
    assert len(list((tmp_path / "cache" / "docgen" / "templates").iterdir())) == 1
