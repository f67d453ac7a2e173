"""Argument and option types shared by the commands, so each value is read one way everywhere.

A value that cannot be used is a usage error (``click.BadParameter``, exit code 2)
named after the option, never a document problem (exit code 1).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import click

from docgen.i18n import _
from docgen.kinds import registry

MAX_VERSION = 1_000_000  # no document has this many versions; a longer number is a typo


class KindParam(click.ParamType):
    """A document kind by its key (``contract``) or a Chinese name (``合同``, ``施工合同``)."""

    name = "kind"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        key = registry.kind_key(str(value))
        if key is None:
            chinese = ", ".join(n for k in registry.kinds() for n in k.names)
            self.fail(_("unknown kind {kind}; use one of: {kinds}, or in Chinese: {chinese}").format(
                kind=repr(str(value)), kinds=", ".join(registry.keys()), chinese=chinese), param, ctx)
        return key

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str:
        return "KIND"


class StatusParam(click.ParamType):
    """A document status, one of those the kinds' definitions give (``docgen kinds``)."""

    name = "status"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from docgen.i18n import status_word

        text = unicodedata.normalize("NFKC", str(value)).strip().lower()
        by_word = {status_word(s): s for s in registry.statuses()}  # 已签署 as well as signed
        text = by_word.get(text, text)
        if text not in registry.statuses():
            self.fail(_("unknown status {status}; use one of: {statuses}").format(
                status=repr(str(value)), statuses=", ".join(registry.statuses())), param, ctx)
        return text

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str:
        return "STATUS"


class VersionParam(click.ParamType):
    """A version number as people write it: ``2``, ``v2``, ``V2``, full-width ``ｖ２``."""

    name = "version"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        else:
            text = unicodedata.normalize("NFKC", str(value)).strip()
        m = re.fullmatch(r"[vV]?([0-9]{1,7})", text)
        if m is None or not 1 <= int(m.group(1)) <= MAX_VERSION:
            self.fail(_("{value} is not a version; write a version number from 1 up, as 2 or v2").format(
                value=repr(str(value))), param, ctx)
        return int(m.group(1))

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str:
        return "N" if isinstance(param, click.Option) else (param.name or "N").upper()


KIND = KindParam()
STATUS = StatusParam()
VERSION = VersionParam()
