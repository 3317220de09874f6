"""Property-based tests: the normalisers read back what was written in any
of the forms districts use, and load / reload / correct never loses or
doubles a row."""

import csv
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import load
from ingest import normalise as n
from kernel.home import Home

TODAY = date(2026, 11, 22)
days = st.dates(min_value=date(2000, 1, 1), max_value=TODAY)
fen = st.integers(min_value=0, max_value=10_000_000_000)  # up to 1亿元 in fen


@given(days, st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}年{m}月{d}日", "{y}.{m}.{d}", "serial"]))
def test_dates_round_trip_in_every_form(day, form):
    if form == "serial":
        written: object = (day - date(1899, 12, 30)).days
    else:
        written = form.format(y=day.year, m=day.month, d=day.day)
    assert n.parse_date(written) == day


@given(fen, st.booleans(), st.booleans())
def test_money_round_trips_in_yuan_and_wan(cents, in_wan, with_separators):
    yuan = Decimal(cents) / 100
    text = f"{yuan / 10000:f}" if in_wan else f"{yuan:,.2f}" if with_separators else f"{yuan:.2f}"
    assert n.parse_money(text, 10000 if in_wan else 1) == yuan


@given(fen)
def test_full_width_digits_read_as_ascii(cents):
    text = f"{Decimal(cents) / 100:.2f}".translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    assert n.parse_money(text, 1) == Decimal(cents) / 100


HEADER = ["案件编号", "区", "受理日期", "争议类型", "涉及职工人数", "挽回经济损失", "办理结果"]
case_rows = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=40),  # case number: repeats across files
        st.integers(min_value=0, max_value=300),  # day offset in 2026
        st.integers(min_value=0, max_value=99_999_999),  # fen
    ),
    min_size=0,
    max_size=25,
    unique_by=lambda r: r[0],  # unique within one file
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(case_rows, min_size=1, max_size=4), st.booleans())
def test_load_reload_correct_never_loses_or_doubles(tmp_path_factory, files, reload):
    root = tmp_path_factory.mktemp("prop")
    home = Home(root / "home").ensure()
    expected: dict[str, Decimal] = {}
    seen: set[bytes] = set()
    paths = []
    for index, rows in enumerate(files):
        path = root / f"{index:02d}_黄浦_2026年1-10月.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for number, offset, cents in rows:
                received = date(2026, 1, 1) + timedelta(days=offset)
                writer.writerow([f"P-{number}", "黄浦", received.isoformat(), "其他", 1, f"{cents / 100:.2f}", "撤回"])
        # The contract: a file whose exact bytes were loaded before is
        # `unchanged` and stores nothing, so it does not supersede.
        if path.read_bytes() not in seen:
            seen.add(path.read_bytes())
            expected.update({f"P-{number}": Decimal(cents) / 100 for number, _, cents in rows})
        paths.append(path)
    con = load.connect(home)
    try:
        for path in paths + (paths if reload else []):
            for entry in load.ingest_file(con, home, path, today=TODAY):
                assert entry.status in {"loaded", "unchanged"}
                assert entry.rows_quarantined == 0
        latest = con.execute(
            "select case_id, amount_recovered from legal_aid "
            "qualify row_number() over (partition by district_code, case_id order by load_seq desc) = 1"
        ).fetchall()
        stored = con.execute("select count(*) from legal_aid").fetchone()[0]
    finally:
        con.close()
    assert dict(latest) == expected
    # every version kept once; a file whose bytes were loaded before adds none
    distinct = {path.read_bytes(): len(rows) for path, rows in zip(paths, files, strict=True)}
    assert stored == sum(distinct.values())
