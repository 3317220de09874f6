"""The docs that list error codes and templates are the code's own."""

from kernel.errors import CODES
from kernel.home import REPO
from unionkpi.docs import DOCS


def test_generated_docs_are_current():
    for relative, render in DOCS.items():
        assert (REPO / relative).read_text(encoding="utf-8") == render(), f"run python -m unionkpi.docs ({relative})"


def test_every_error_code_is_listed_with_both_messages():
    text = (REPO / "docs/error-codes.md").read_text(encoding="utf-8")
    for code, (zh, en) in CODES.items():
        assert f"| `{code}` | {zh} | {en} |" in text


def test_every_code_has_one_scope_and_every_code_raised_is_in_the_catalogue():
    """Each code sits under exactly one scope (row, file or app), which
    decides its section of docs/error-codes.md; and every code the source
    raises by name is catalogued, so none reaches a user without both
    messages and a documented scope."""
    import re

    from kernel.errors import SCOPES

    scoped = [code for codes in SCOPES.values() for code in codes]
    assert len(scoped) == len(set(scoped)) == len(CODES)
    raised = {
        match
        for package in ("kernel", "ingest", "unionkpi", "dashboards", "trust", "expectations")
        for path in (REPO / package).rglob("*.py")
        for match in re.findall(r'(?:UnionKpiError|CellError)\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8"))
    }
    assert len(raised) > 30 and raised <= set(CODES), raised - set(CODES)
    docs = (REPO / "docs/error-codes.md").read_text(encoding="utf-8")
    row_section = docs.split("## Row errors")[1].split("## ")[0]
    assert "no_earlier_publish" not in row_section and "checks_failed_to_run" not in row_section
