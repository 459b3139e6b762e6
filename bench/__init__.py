"""Benchmarks and the terminal-fleet simulator (see docs/PERFORMANCE.md)."""
