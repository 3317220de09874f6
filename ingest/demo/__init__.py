"""Realistic demo submissions from the 16 district unions (see generate.py)."""

from ingest.demo.generate import generate

__all__ = ["generate"]
