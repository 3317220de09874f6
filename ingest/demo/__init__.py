"""Realistic demo submissions from the 16 district unions (see generate.py);
the same simulation written plainly at a large scale for benchmarks (bulk.py)."""

from ingest.demo.generate import generate

__all__ = ["generate"]
