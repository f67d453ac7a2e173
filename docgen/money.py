"""Money: Decimal amounts, rounding to the fen, and uppercase RMB (大写金额).

Amounts are never floats. Uppercase follows 《支付结算办法》附一 (正确填写票据和结算凭证的基本规定).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from docgen.i18n import _


FEN = Decimal("0.01")
DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
SECTION_UNITS = ("", "万", "亿", "万亿")
# The largest amount docgen accepts anywhere (9999亿): uppercase could write up to 9999万亿,
# but no renovation comes near, and a bound far below Decimal's precision keeps sums exact.
MAX_AMOUNT = Decimal("999999999999.99")


# A comma only separates thousands: 1,234.50 and 12,345, never a decimal comma (12,5).
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")


def _commas(text: str) -> str:
    """``text`` without its thousands separators; ValueError where a comma is anything else."""
    if "," not in text:
        return text
    if _GROUPED.fullmatch(text):
        return text.replace(",", "")
    head, _comma, tail = text.partition(",")
    if "," not in tail and "." not in text and tail.isdigit() and head.lstrip("+-").isdigit():
        raise ValueError(
            _('"{text}" is not a number: write {number} (a comma only separates thousands, as in 1,234.50)')
            .format(text=text, number=f"{head}.{tail}")
        )
    raise ValueError(
        _('"{text}" is not a number: a comma only separates thousands, one every three digits as in 1,234.50; '
          "write the number without commas").format(text=text)
    )


def to_decimal(value: object) -> Decimal:
    """Read a money or quantity value written as a string, int or Decimal (never float).

    Full-width digits and separators (１２．５, １，２３４) are the same characters (NFKC);
    a comma is accepted only as a thousands separator.
    """
    if isinstance(value, bool):
        raise ValueError(_("not a number"))
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        text = _commas(text)
        try:
            result = Decimal(text)
        except InvalidOperation:
            if text.lower().lstrip("+-.") in ("inf", "infinity", "nan"):
                raise ValueError(_('"{value}" is not a finite number: write digits, as in 12.5').format(
                    value=value.strip())) from None
            raise ValueError(_('"{value}" is not a number: write digits, as in 12.5').format(
                value=value.strip())) from None
    else:
        raise ValueError(_("{value} is not a number: write digits, as in 12.5").format(value=repr(value)))
    if not result.is_finite():
        raise ValueError(_('"{value}" is not a finite number: write digits, as in 12.5').format(value=value))
    return result


def to_rate(value: object) -> Decimal:
    """A rate written as a fraction (``0.08``) or a percentage (``"8%"``, ``"8％"``), for the
    data and docgen.toml alike; ``"8"`` alone is refused with a message suggesting ``"8%"``."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if text.endswith("%"):
            return to_decimal(text[:-1]) / 100
    rate = to_decimal(value)
    if rate > 1:
        shown = f"{rate.normalize():f}"
        raise ValueError(
            _('"{rate}" is a rate above 1: write "{rate}%" for {rate} percent, or a fraction such as 0.08').format(rate=shown))
    return rate


def fen(amount: Decimal) -> Decimal:
    """Round half-up to the fen (0.01 yuan)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def fmt(amount: Decimal) -> str:
    """1949.9 -> '1,949.90' (thousands separators, two decimals)."""
    return f"{fen(amount):,.2f}"


def fmt_yuan(amount: Decimal) -> str:
    """1949.9 -> '¥1,949.90'; a negative amount (a change order's net) -> '-¥721.50'."""
    value = fen(amount)
    return ("-¥" if value < 0 else "¥") + fmt(abs(value))  # abs: -0.001 is ¥0.00


def _integer_words(n: int) -> str:
    """Uppercase words of a whole number of yuan, without the 元."""
    digits = [int(c) for c in str(n)]
    out: list[str] = []
    zero_pending = False
    section_has_digit = False
    top = len(digits) - 1
    for i, d in enumerate(digits):
        pos = top - i
        small = pos % 4
        if d == 0:
            zero_pending = True
        else:
            # 支付结算办法 附一: several zeros in a row are written as one 零.
            if zero_pending and out:
                out.append("零")
            zero_pending = False
            out.append(DIGITS[d] + SMALL_UNITS[small])
            section_has_digit = True
        if small == 0 and pos > 0:
            if section_has_digit:
                out.append(SECTION_UNITS[pos // 4])
                # 万位 is 0 but 仟位 is not: 零 may be left out (壹拾万柒仟元…, official example).
                zero_pending = False
            section_has_digit = False
    return "".join(out)


def uppercase(amount: Decimal) -> str:
    """Uppercase RMB: Decimal('1680.32') -> '人民币壹仟陆佰捌拾元零叁角贰分'.

    Rules (支付结算办法 附一): 人民币 with no gap; 整 after an amount ending at 元 (not after
    角, as in the official examples, and never after 分); one 零 for a run of zeros; 零 after 元 when 元位 is 0 and 角 is not,
    or when 角 is 0 and 分 is not; 10-19 of a unit start with 壹拾.
    """
    amount = fen(amount)
    if amount < 0:
        raise ValueError(_("uppercase amounts are for non-negative sums"))
    if amount > MAX_AMOUNT:
        raise ValueError(_("uppercase amounts are for sums up to {max}").format(max=f"{MAX_AMOUNT:,}"))
    cents = int(amount * 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen_ = divmod(rest, 10)
    words = "人民币"
    if yuan == 0 and rest == 0:
        return words + "零元整"
    if yuan:
        words += _integer_words(yuan) + "元"
    if jiao:
        if yuan and yuan % 10 == 0:
            words += "零"
        words += DIGITS[jiao] + "角"
    elif fen_ and yuan:
        words += "零"
    if fen_:
        words += DIGITS[fen_] + "分"
    elif not jiao:
        # 整 after 元; after 角 it is optional and the official examples leave it out.
        words += "整"
    return words


def uppercase_signed(amount: Decimal) -> str:
    """Uppercase RMB of an amount that may be negative (a change order's net, a reduction):
    Decimal('-721.50') -> '人民币负柒佰贰拾壹元伍角', 负 after 人民币; others as :func:`uppercase`."""
    if fen(amount) < 0:
        return "人民币负" + uppercase(-amount).removeprefix("人民币")
    return uppercase(amount)
