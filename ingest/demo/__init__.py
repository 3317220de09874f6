"""Realistic demo submissions from the 16 district unions (generate.py runs
the simulation and writes the files as each district would); the same
simulation written plainly at a large scale for benchmarks (bulk.py)."""

from ingest.demo.generate import generate

__all__ = ["generate"]
