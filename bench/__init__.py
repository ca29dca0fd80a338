"""Benchmarks of accelfleet: ``python -m bench NAME [NAME...] [--quick] [--json]``.

Each benchmark is a module of this package exposing ``run(quick: bool) -> dict``; the runner records
every result with the machine it ran on under ``bench/results/<name>.json``.
"""
