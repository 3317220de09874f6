"""Labels that name places: streets and towns in English on the English
pages (the names dim_subdistrict carries), and a district user's scope."""

import duckdb
import pandas as pd

from dashboards import subjects


def test_street_names_in_english_match_the_warehouse(warehouse_db):
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        streets = con.execute(
            "select subdistrict_name_zh, subdistrict_name_en from marts.dim_subdistrict order by 1 limit 20"
        ).fetchall()
    frame = pd.DataFrame({"key": [zh for zh, _ in streets] + ["不在名录的街道", None]})
    english = subjects.label_keys(frame, "subdistrict", "en", pd.DataFrame())
    assert list(english["label"][:-2]) == [en for _, en in streets]
    assert english["label"].iloc[-2] == "不在名录的街道"  # unknown names stay as written
    chinese = subjects.label_keys(frame, "subdistrict", "zh", pd.DataFrame())
    assert list(chinese["label"][:-2]) == [zh for zh, _ in streets]


def test_case_lists_show_streets_in_the_readers_language():
    cases = pd.DataFrame({"subdistrict": ["外滩街道", None], "dispute_type": ["工伤", "其他"]})
    shown = subjects.records_for_display(cases, "en")
    assert list(shown["subdistrict"][:1]) == ["Waitan Subdistrict"]
    assert shown["subdistrict"].isna().iloc[1]
    assert list(subjects.records_for_display(cases, "zh")["subdistrict"][:1]) == ["外滩街道"]


def test_a_district_users_scope_is_named_as_its_district_not_the_city(warehouse_db):
    from dashboards import queries

    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        districts = con.execute("select * from marts.dim_district").df()
    assert subjects.scope_label([], districts, "zh") == "全市"
    token = queries.SCOPE.set("310112")
    try:
        assert subjects.scope_label([], districts, "zh") == "闵行区"
        assert subjects.scope_label(["310101"], districts, "en") == "Minhang"
    finally:
        queries.SCOPE.reset(token)
