"""Every model, seed, source and column is described in Chinese and English;
the docs site is built into the home, with one exposure per dashboard page
that depends on every table the dashboards read; and the dimensions the
warehouse promises (industry among them) carry an unknown member."""

import json
import re
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


def bilingual(text: str) -> bool:
    return bool(CJK.search(text)) and bool(LATIN.search(text))


def test_every_model_and_column_is_documented_in_both_languages(demo_home):
    manifest = json.loads((demo_home / "dbt" / "target" / "manifest.json").read_text(encoding="utf-8"))
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] in {"model", "seed"}]
    assert len(nodes) >= 20
    undocumented = [n["name"] for n in nodes if not bilingual(n["description"])]
    assert undocumented == []
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        for node in nodes:
            if node["resource_type"] != "model" or node["config"]["materialized"] == "ephemeral":
                continue
            actual = {
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                    [node["schema"], node["name"]],
                ).fetchall()
            }
            documented = {name for name, c in node["columns"].items() if bilingual(c["description"])}
            assert actual - documented == set(), node["name"]


def test_every_source_is_documented_in_both_languages(demo_home):
    manifest = json.loads((demo_home / "dbt" / "target" / "manifest.json").read_text(encoding="utf-8"))
    sources = list(manifest["sources"].values())
    assert {s["name"] for s in sources} >= {"loads", "legal_aid", "wage_recovery", "certification", "target"}
    assert [s["name"] for s in sources if not bilingual(s["description"])] == []


def test_docs_site_and_exposures(demo_home):
    assert (demo_home / "dbt" / "target" / "static_index.html").stat().st_size > 100_000
    manifest = json.loads((demo_home / "dbt" / "target" / "manifest.json").read_text(encoding="utf-8"))
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    # one exposure per page, at the page's address in the router
    pages = {p.stem for p in (REPO / "dashboards" / "app_pages").glob("*.py") if not p.stem.startswith("_")}
    assert {f"dashboard_{page}" for page in pages} == set(exposures)
    router = (REPO / "dashboards" / "app.py").read_text(encoding="utf-8")
    for exposure in exposures.values():
        assert f'url_path="{exposure["url"].rsplit("/", 1)[-1]}"' in router, exposure["name"]
        assert bilingual(exposure["description"]), exposure["name"]
    nodes = {name: set(e["depends_on"]["nodes"]) for name, e in exposures.items()}
    assert "model.unionkpi.kpi_district_year" in nodes["dashboard_overview"]
    assert "model.unionkpi.fct_legal_aid_cases" in nodes["dashboard_legal_aid"]
    assert "model.unionkpi.fct_wage_recoveries" in nodes["dashboard_wages"]
    assert "model.unionkpi.fct_certifications" in nodes["dashboard_certifications"]
    assert "model.unionkpi.fct_submission_freshness" in nodes["dashboard_data"]
    assert "model.unionkpi.kpi_definitions" in nodes["dashboard_definitions"]
    assert "model.unionkpi.fct_quarantined_rows" in nodes["dashboard_data"]
    # every mart the data-access layer reads reaches a page (it reads no
    # landing table: tests/test_layout.py), and each page's marts are read
    queries = (REPO / "dashboards" / "queries.py").read_text(encoding="utf-8")
    read = {f"model.unionkpi.{name}" for name in re.findall(r"\bmarts\.(\w+)", queries)}
    assert read - set().union(*nodes.values()) == set()
    assert set().union(*nodes.values()) - read == set()


def test_industry_dimension_and_lookups(demo_home):
    """dim_industry holds the 20 GB/T 4754 sections and an unknown member;
    each fact's industry_code is the section its submitted name belongs to."""
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        sections = con.execute("select industry_code, is_known from marts.dim_industry order by 1").fetchall()
        assert [code for code, _ in sections] == [*"ABCDEFGHIJKLMNOPQRST", "X"]
        assert [code for code, known in sections if not known] == ["X"]
        for fact in ("fct_legal_aid_cases", "fct_wage_recoveries", "fct_certifications"):
            mismatched = con.execute(
                f"""
                select f.industry, f.industry_code, d.industry_name_zh
                from marts.{fact} as f
                left join marts.dim_industry as d using (industry_code)
                where d.industry_code is null
                    or (f.industry_code != 'X'
                        and f.industry not in (d.industry_name_zh, d.short_name_zh, d.industry_name_en))
                    or (f.industry_code = 'X' and f.industry in (
                        select unnest([industry_name_zh, short_name_zh, industry_name_en])
                        from marts.dim_industry where is_known))
                """
            ).fetchall()
            assert mismatched == [], fact
        # the demo writes full section names: manufacturing is C
        assert con.execute(
            "select distinct industry_code from marts.fct_legal_aid_cases where industry = '制造业'"
        ).fetchall() == [("C",)]


def test_every_name_dbt_makes_a_relation_of_fits_postgresql(demo_home):
    """PostgreSQL cuts identifiers at 63 bytes, and dbt stops a unit test
    whose name is longer (it makes a relation of that name): every model,
    seed and unit test name fits, so the project builds on both engines."""
    manifest = json.loads((demo_home / "dbt" / "target" / "manifest.json").read_text(encoding="utf-8"))
    named = [
        node["name"]
        for node in [*manifest["nodes"].values(), *manifest.get("unit_tests", {}).values()]
        if node["resource_type"] in {"model", "seed", "snapshot", "unit_test"}
    ]
    assert sum(1 for node in manifest.get("unit_tests", {}).values()) >= 8
    assert [name for name in named if len(name.encode("utf-8")) > 63] == []
