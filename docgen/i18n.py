"""The language of what staff read: messages, help, reason files, log lines, status words.

Messages are written in English in the code, inside ``_()`` (``_("{number} has {n} pages")
.format(number=..., n=...)``: named fields, never an f-string inside ``_()``), and translated
through the gettext catalogs in ``docgen/locale/<lang>/LC_MESSAGES/docgen.po`` (compiled to
``.mo``, shipped with the package). ``scripts/catalogs`` extracts, updates and compiles them;
``tests/test_catalogs.py`` fails when a catalog is incomplete or a ``.mo`` is stale.

The active language, first that applies:

1. ``DOCGEN_LANGUAGE`` in the environment: the administrator's override (and how a test
   suite pins a language), whatever docgen.toml says;
2. ``[company] language`` in docgen.toml, given by :func:`configure` when the file is read;
3. ``zh-CN``.

Languages: ``zh-CN`` (Simplified Chinese, the default) and ``en``.
"""

from __future__ import annotations

import gettext as _gettext
import os
from pathlib import Path
from typing import Any

from docgen.errors import ConfigError

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "docgen"
DEFAULT = "zh-CN"
# the name written in docgen.toml or DOCGEN_LANGUAGE -> the catalog's folder
LANGUAGES = {"zh-CN": "zh_CN", "en": "en"}

_configured: str | None = None
_catalogs: dict[str, _gettext.NullTranslations] = {}


def known(name: str) -> str | None:
    """The canonical spelling of a language name (``zh_CN``, ``zh-cn``, ``EN`` too), or None."""
    wanted = str(name).strip().replace("_", "-").lower()
    return next((lang for lang in LANGUAGES if lang.lower() == wanted), None)


def _unknown(name: str, where: str) -> ConfigError:
    return ConfigError(
        _('{where}: language = "{name}" is not known; use "zh-CN" or "en"').format(where=where, name=name)
        if where.startswith("docgen.toml")
        else _('{where}={name} is not a known language; use zh-CN or en').format(where=where, name=repr(name))
    )


def configure(name: Any, where: str = "docgen.toml: [company]") -> str:
    """Set the language docgen.toml names (``[company] language``); ConfigError if unknown."""
    global _configured
    lang = known(name) if isinstance(name, str) else None
    if lang is None:
        raise _unknown(str(name), where)
    _configured = lang
    check_environment()
    return lang


def check_environment() -> None:
    """ConfigError when ``DOCGEN_LANGUAGE`` names a language docgen does not have."""
    env = os.environ.get("DOCGEN_LANGUAGE", "").strip()
    if env and known(env) is None:
        raise _unknown(env, "DOCGEN_LANGUAGE")


def reset() -> None:
    """Forget the language docgen.toml named (back to the environment or the default)."""
    global _configured
    _configured = None


def active() -> str:
    """The language messages are shown in now (see the module's docstring for the order)."""
    env = known(os.environ.get("DOCGEN_LANGUAGE", "").strip() or "-")
    return env or _configured or DEFAULT


def catalog(lang: str | None = None) -> _gettext.NullTranslations:
    lang = lang or active()
    if lang not in _catalogs:
        mo = LOCALE_DIR / LANGUAGES[lang] / "LC_MESSAGES" / f"{DOMAIN}.mo"
        try:
            with open(mo, "rb") as f:
                _catalogs[lang] = _gettext.GNUTranslations(f)
        except OSError:
            _catalogs[lang] = _gettext.NullTranslations()  # the English msgids themselves
    return _catalogs[lang]


def _(message: str) -> str:
    """``message`` (English) in the active language."""
    return catalog().gettext(message)


gettext = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the active language."""
    return catalog().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the active language, told apart by ``context`` from the same English word."""
    return catalog().pgettext(context, message)


class LazyString:
    """A message translated each time it is used, not when it is made: for texts evaluated at
    import time (click help, option help), before docgen.toml has been read."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return _(self.message)

    def __repr__(self) -> str:
        return f"lazy_gettext({self.message!r})"

    def __getattr__(self, name: str) -> Any:
        return getattr(str(self), name)

    def __len__(self) -> int:
        return len(str(self))

    def __iter__(self) -> Any:
        return iter(str(self))

    def __contains__(self, item: str) -> bool:
        return item in str(self)

    def __getitem__(self, key: Any) -> str:
        return str(self)[key]

    def __add__(self, other: str) -> str:
        return str(self) + str(other)

    def __radd__(self, other: str) -> str:
        return str(other) + str(self)

    def __mod__(self, other: Any) -> str:
        return str(self) % other

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def lazy_gettext(message: str) -> LazyString:
    """``message``, translated when it is shown (see :class:`LazyString`)."""
    return LazyString(message)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Marks ``message`` for the catalog without translating it (translate it where it is shown)."""
    return message


def NP_(context: str, message: str) -> str:  # noqa: N802 - after N_
    """Marks ``message`` with its context for the catalog without translating it; translate
    it where it is shown with ``pgettext(context, message)``. Tables of words (status words,
    action words, table headers) hold these, so the extractor finds every word in the table."""
    return message


# The status words: one table, the same word wherever a status is shown.
STATUS_WORDS: dict[str, str] = {
    # status -> its English word; the catalog (context "status") holds it in each language
    "draft": NP_("status", "draft"),
    "in_review": NP_("status", "in review"),
    "approved": NP_("status", "approved"),
    "rejected": NP_("status", "returned for changes"),
    "signed": NP_("status", "signed"),
    "void": NP_("status", "void"),
}
"""The statuses every kind shares; a kind's own statuses have their words in its definition
(``Kind.status_words``)."""

ACTION_WORDS: dict[str, str] = {
    # what an event or a ledger row records -> its English word (context "action")
    "create": NP_("action", "created"),
    "revise": NP_("action", "revised"),
    "review:submit": NP_("action", "sent for review"),
    "review:approve": NP_("action", "approved"),
    "review:reject": NP_("action", "returned"),
    "void": NP_("action", "voided"),
    "sign": NP_("action", "signed copy filed"),
    "recheck:passed": NP_("action", "re-inspected: passed"),
    "recheck:failed": NP_("action", "re-inspected: failed"),
    "delivered": NP_("action", "delivered"),
    "pulled": NP_("action", "pulled"),
    "downloaded": NP_("action", "downloaded"),
    "refused": NP_("action", "refused"),
    "superseded": NP_("action", "superseded"),
    "withdrawn": NP_("action", "withdrawn"),
    "account:add": NP_("action", "account added"),
    "account:disable": NP_("action", "account disabled"),
    "account:passwd": NP_("action", "password changed"),
    "account:role": NP_("action", "role changed"),
    "token:create": NP_("action", "token created"),
    "link:create": NP_("action", "customer link made"),
    "link:revoke": NP_("action", "customer link revoked"),
    "link:open": NP_("action", "customer link opened"),
    "link:failed": NP_("action", "customer link: wrong code"),
    "token:revoke": NP_("action", "token revoked"),
    "login": NP_("action", "logged in"),
    "logout": NP_("action", "logged out"),
    "login:failed": NP_("action", "login failed"),
    "login:locked": NP_("action", "login locked"),
}


def action_word(action: str) -> str:
    """The word for what an event or a copy's ledger row records (``review:submit`` ->
    ``提交审核`` in zh-CN) in tables a person reads; JSON and CSV keep the key. An action
    docgen does not know is shown as it is."""
    word = ACTION_WORDS.get(action)
    if word is None and action.startswith("step:"):
        from docgen.kinds import registry

        step = next((st for k in registry.kinds() for st in k.steps if st.name == action[5:]), None)
        return pgettext("step", step.word) if step else action
    return pgettext("action", word) if word else action


def status_word(status: str) -> str:
    """The word for a document's or version's status (``signed`` -> ``已签署`` in zh-CN);
    a status docgen does not know is shown as it is."""
    word = STATUS_WORDS.get(status)
    if word is None:
        from docgen.kinds import registry

        word = registry.status_words().get(status)
    return pgettext("status", word) if word else status


def _option_class() -> type:
    import click

    class TranslatedOption(click.Option):
        """A click option whose help is translated when shown: click cleans an option's help
        into a plain string when the option is made (at import time, before docgen.toml is
        read), so ``lazy_gettext`` alone cannot reach it. Mark the help with ``N_`` or
        ``lazy_gettext``: ``@click.option("--note", cls=TranslatedOption, help=N_("…"))``."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            message = kwargs.get("help")
            self.message = str(message.message if isinstance(message, LazyString) else message or "")
            super().__init__(*args, **kwargs)

        def get_help_record(self, ctx: Any) -> Any:
            shown, self.help = self.help, _(self.message) if self.message else self.help
            try:
                return super().get_help_record(ctx)
            finally:
                self.help = shown

    return TranslatedOption


def __getattr__(name: str) -> Any:  # TranslatedOption without importing click for every message
    if name == "TranslatedOption":
        cls = _option_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)
