"""Benchmark harness for siting: ``python -m benchmarks --help``."""
