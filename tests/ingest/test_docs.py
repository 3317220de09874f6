"""The docs that list error codes and templates are the code's own."""

from ingest.docs import DOCS
from kernel.errors import CODES
from kernel.home import REPO


def test_generated_docs_are_current():
    for relative, render in DOCS.items():
        assert (REPO / relative).read_text(encoding="utf-8") == render(), f"run python -m ingest.docs ({relative})"


def test_every_error_code_is_listed_with_both_messages():
    text = (REPO / "docs/error-codes.md").read_text(encoding="utf-8")
    for code, (zh, en) in CODES.items():
        assert f"| `{code}` | {zh} | {en} |" in text
