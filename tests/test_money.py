from decimal import Decimal

import pytest

from docgen.money import fen, fmt, fmt_yuan, to_decimal, uppercase


@pytest.mark.parametrize(
    "amount, words",
    [
        # 《支付结算办法》附一, the six official examples
        ("1409.50", "人民币壹仟肆佰零玖元伍角"),
        ("6007.14", "人民币陆仟零柒元壹角肆分"),
        ("1680.32", "人民币壹仟陆佰捌拾元零叁角贰分"),
        ("107000.53", "人民币壹拾万柒仟元零伍角叁分"),
        ("16409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
        ("325.04", "人民币叁佰贰拾伍元零肆分"),
    ],
)
def test_official_examples(amount: str, words: str) -> None:
    assert uppercase(Decimal(amount)) == words


@pytest.mark.parametrize(
    "amount, words",
    [
        ("0", "人民币零元整"),
        ("0.50", "人民币伍角"),
        ("0.05", "人民币伍分"),
        ("10", "人民币壹拾元整"),
        ("15.00", "人民币壹拾伍元整"),
        ("100", "人民币壹佰元整"),
        ("1000.10", "人民币壹仟元零壹角"),
        ("100700", "人民币壹拾万零柒佰元整"),
        ("1000007", "人民币壹佰万零柒元整"),
        ("100001000", "人民币壹亿零壹仟元整"),
        ("86500", "人民币捌万陆仟伍佰元整"),
        ("51299.99", "人民币伍万壹仟贰佰玖拾玖元玖角玖分"),
        ("110000000", "人民币壹亿壹仟万元整"),
    ],
)
def test_uppercase_rules(amount: str, words: str) -> None:
    assert uppercase(Decimal(amount)) == words


def test_uppercase_rounds_half_up_to_the_fen() -> None:
    assert uppercase(Decimal("0.005")) == "人民币壹分"


def test_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError):
        uppercase(Decimal(-1))


def test_rounding_half_up() -> None:
    assert fen(Decimal("2.345")) == Decimal("2.35")
    assert fen(Decimal("2.344")) == Decimal("2.34")
    assert fen(Decimal("12.5") * Decimal("45.005")) == Decimal("562.56")  # 562.5625


def test_formatting() -> None:
    assert fmt(Decimal("1949.9")) == "1,949.90"
    assert fmt_yuan(Decimal("1234567.891")) == "¥1,234,567.89"


def test_to_decimal_never_accepts_float_or_bool() -> None:
    assert to_decimal("1,200.50") == Decimal("1200.50")
    assert to_decimal(3) == Decimal(3)
    for bad in (1.5, True, "abc", "NaN"):
        with pytest.raises(ValueError):
            to_decimal(bad)
