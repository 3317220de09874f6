"""The cell parsers, on the forms district files really use."""

from datetime import date
from decimal import Decimal

import pytest

from ingest import normalise as n
from ingest.uscc import check_char, is_valid


@pytest.mark.parametrize(
    "cell",
    [
        "2024/3/5",
        "2024-03-05",
        "2024年3月5日",
        "2024.3.5",
        "２０２４-03-05",
        45356,
        45356.0,
        "45356",
        date(2024, 3, 5),
        "2024-03-05 00:00:00",
        "20240305",
    ],
)
def test_every_date_form_reads_as_the_same_day(cell):
    assert n.parse_date(cell) == date(2024, 3, 5)


@pytest.mark.parametrize("cell", ["2024-02-30", "2024.13.5", "昨天", 12, "3/5/2024"])
def test_impossible_dates_are_refused(cell):
    with pytest.raises(n.CellError) as caught:
        n.parse_date(cell)
    assert caught.value.code == "invalid_date"


@pytest.mark.parametrize(
    ("cell", "scale", "yuan"),
    [
        ("12,345.60", 1, Decimal("12345.60")),
        ("１２，３４５.６", 1, Decimal("12345.60")),
        ("1.234567", 10000, Decimal("12345.67")),
        (1.234567, 10000, Decimal("12345.67")),
        ("0.000005", 10000, Decimal("0.05")),
        ("0.0000005", 10000, Decimal("0.01")),  # half-up at the fen
        (0.1, 1, Decimal("0.10")),
        ("¥ 300元", 1, Decimal("300.00")),
    ],
)
def test_money_is_exact_yuan(cell, scale, yuan):
    value = n.parse_money(cell, scale)
    assert value == yuan and value.as_tuple().exponent == -2


def test_text_where_a_number_belongs():
    with pytest.raises(n.CellError) as caught:
        n.parse_money("约一万", 1)
    assert caught.value.code == "invalid_number"


@pytest.mark.parametrize(
    "cell", ["闵行区", "闵行", "310112", "Minhang", "minhang district", "闵行区总工会", "３１０１１２"]
)
def test_every_spelling_of_a_district(cell):
    assert n.parse_district(cell) == "310112"


def test_jingan_with_and_without_apostrophe():
    assert n.parse_district("Jing'an") == n.parse_district("Jingan") == "310106"


def test_unknown_district():
    with pytest.raises(n.CellError):
        n.parse_district("火星区")


def test_header_key_reads_units_and_brackets():
    assert n.header_key("挽回经济损失（万元）") == ("挽回经济损失", 10000)
    assert n.header_key("追回金额(元)") == ("追回金额", 1)
    assert n.header_key(" *案件编号 ") == ("案件编号", None)
    assert n.header_key("金额（千元）") == ("金额", 1000)


def test_flags():
    assert [n.parse_flag(v) for v in ("是", "否", "Y", "n", "Yes")] == [True, False, True, False, True]
    with pytest.raises(n.CellError):
        n.parse_flag("也许")


def test_uscc_check_character_and_excel_numbers():
    assert is_valid("91350100M000100Y43")
    assert not is_valid("91350100M000100Y44")
    first17 = "91310112MA1G00001"
    assert n.parse_uscc(first17.lower() + check_char(first17).lower()) == first17 + check_char(first17)
    for mangled in ("9.13101E+17", 9.13101e17):
        with pytest.raises(n.CellError) as caught:
            n.parse_uscc(mangled)
        assert caught.value.code == "uscc_as_number"
    with pytest.raises(n.CellError) as caught:
        n.parse_uscc("91350100M000100Y44")
    assert caught.value.code == "invalid_uscc"


def test_title_periods():
    from ingest.validate import title_period

    assert title_period(["2024年1-3月闵行区法律援助案件明细表"]) == ("2024-01", "2024-03")
    assert title_period(["2024年度目标"]) == ("2024-01", "2024-12")
    assert title_period(["2026年10月崇明区追讨欠薪情况表"]) == ("2026-10", "2026-10")
    assert title_period(["２０２５年１１月至２０２６年２月"]) == ("2025-11", "2026-02")
    assert title_period(["明细表"]) is None
