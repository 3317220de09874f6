"""Every model, seed, source and column is described in Chinese and English,
and the docs site (with the dashboards as exposures) is built into the home."""

import json
import re

import duckdb

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


def test_docs_site_and_exposures(demo_home):
    assert (demo_home / "dbt" / "target" / "static_index.html").stat().st_size > 100_000
    manifest = json.loads((demo_home / "dbt" / "target" / "manifest.json").read_text(encoding="utf-8"))
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert "model.unionkpi.kpi_district_year" in exposures["dashboard_overview"]["depends_on"]["nodes"]
