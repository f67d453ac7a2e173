from docgen import pagecode

KEY = b"k" * 32


def test_round_trip() -> None:
    code = pagecode.make("HT-2026-0001", 2, KEY)
    text = str(code)
    assert text.startswith("HT-2026-0001.V2.")
    parsed = pagecode.parse(f"文件编码 {text} 第1页")
    assert parsed == code
    assert pagecode.verify(parsed, KEY)


def test_altered_or_forged_codes_fail() -> None:
    code = pagecode.make("HT-2026-0001", 2, KEY)
    assert not pagecode.verify(pagecode.PageCode("HT-2026-0001", 3, code.mac), KEY)
    assert not pagecode.verify(pagecode.PageCode("HT-2026-0002", 2, code.mac), KEY)
    assert not pagecode.verify(code, b"x" * 32)


def test_parse_finds_nothing_in_other_text() -> None:
    assert pagecode.parse("HT-2026-0001 第2版") is None
    assert pagecode.parse("") is None


def test_mac_is_stable() -> None:
    assert pagecode.mac("BJ-2026-0001", 1, KEY) == pagecode.mac("BJ-2026-0001", 1, KEY)
    assert len(pagecode.mac("BJ-2026-0001", 1, KEY)) == pagecode.MAC_LENGTH
