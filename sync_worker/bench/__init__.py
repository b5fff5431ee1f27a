"""Benchmarks: labelled data generation and the matching benchmark against established libraries.

* :mod:`sync_worker.bench.datagen` - seeded, labelled raw records with realistic duplicates;
* :mod:`sync_worker.bench.matching` - ``python -m sync_worker.bench.matching``: this engine,
  Splink and recordlinkage on the same data, with precision, recall, F1, speed and memory.

Not imported by the worker; the baselines need the ``bench`` extra.
"""
