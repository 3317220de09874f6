"""Run the Great Expectations suites (expectations/suites/*.json) on a
warehouse file and build the Data Docs into the home folder. Each
expectation carries a severity (blocking or warning) and a Chinese and
English description in its meta."""

import json
import logging
from pathlib import Path
from typing import Any

import duckdb

from ingest.paths import Home

SUITES = Path(__file__).resolve().parent / "suites"


def load_suites(prefix: str = "") -> list[dict[str, Any]]:
    """The suites whose names start with prefix: `landing_` guard what
    arrived, `marts_` the published figures."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SUITES.glob(f"{prefix}*.json"))]


def check_warehouse(warehouse: Path, home: Home, prefix: str = "") -> list[dict[str, Any]]:
    """One result per expectation: suite, type, severity, success, descriptions.
    The warehouse is only ever opened read-only."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(
        site_name="unionkpi",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(home.data_docs)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    source = context.data_sources.add_pandas("warehouse")
    results: list[dict[str, Any]] = []
    # Whole tables are read at once: uniqueness and sums need all the rows.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for spec in load_suites(prefix):
            meta = spec["meta"]
            frame = con.execute(meta["query"] if "query" in meta else f"select * from {meta['table']}").df()
            asset = source.add_dataframe_asset(spec["name"])
            batch = asset.add_batch_definition_whole_dataframe("whole_table")
            suite = context.suites.add(
                gx.ExpectationSuite(
                    name=spec["name"],
                    meta=spec["meta"],
                    expectations=[
                        ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e["meta"])
                        for e in spec["expectations"]
                    ],
                )
            )
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=spec["name"], data=batch, suite=suite)
            )
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(
                    name=f"{spec['name']}_checkpoint",
                    validation_definitions=[definition],
                    actions=[UpdateDataDocsAction(name="docs", site_names=["unionkpi"])],
                    # name the offending rows (districts, months), not just values
                    result_format={
                        "result_format": "COMPLETE",
                        "unexpected_index_column_names": meta.get("index_columns", []),
                    }
                    if meta.get("index_columns")
                    else "SUMMARY",
                )
            )
            run = checkpoint.run(batch_parameters={"dataframe": frame})
            for validation in run.run_results.values():
                for outcome in validation.results:
                    config = outcome.expectation_config
                    column = config.kwargs.get("column")
                    results.append(
                        {
                            "name": f"{spec['name']}.{config.type}" + (f"({column})" if column else ""),
                            "message": f"{config.meta.get('description_zh', '')} / "
                            f"{config.meta.get('description_en', '')}",
                            "suite": spec["name"],
                            "type": config.type,
                            "column": config.kwargs.get("column"),
                            "severity": config.meta.get("severity", "blocking"),
                            "success": bool(outcome.success),
                            "description_zh": config.meta.get("description_zh", ""),
                            "description_en": config.meta.get("description_en", ""),
                            "unexpected_count": outcome.result.get("unexpected_count"),
                            "offending": [
                                {k: str(v) for k, v in row.items()}
                                for row in (outcome.result.get("unexpected_index_list") or [])[:50]
                            ],
                            "partial_unexpected_list": [
                                str(v) for v in (outcome.result.get("partial_unexpected_list") or [])[:10]
                            ],
                        }
                    )
    return results


def record_run(home: Home, results: list[dict[str, Any]], target: str) -> str:
    """Append one checkpoint run to the home's history (check_runs.jsonl);
    builds carry the whole history into the warehouse they publish."""
    from datetime import datetime

    from ingest.paths import SHANGHAI

    at = datetime.now(SHANGHAI).isoformat(timespec="seconds")
    run_id = f"{at}-{target}"
    with (home.root / "check_runs.jsonl").open("a", encoding="utf-8") as handle:
        for result in results:
            handle.write(
                json.dumps({"run_id": run_id, "at": at, "target": target, **result}, ensure_ascii=False) + "\n"
            )
    return run_id
