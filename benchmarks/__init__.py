"""Benchmarks of the Yantra gate against real PyPI releases (not tests: they measure and print tables).

Run each script from the repository root, e.g. `python -m benchmarks.false_positives` or
`python benchmarks/false_positives.py`; see `benchmarks/README.md`.
"""
