"""Benchmark modules of ``tools/bench.py`` (one module per area)."""
