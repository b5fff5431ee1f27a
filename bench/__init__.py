"""Benchmarks of the sync worker, kept outside the product package (not shipped with ``sync_worker``).

* :mod:`bench.datagen` - seeded, labelled raw records with realistic duplicates;
* :mod:`bench.matching` - ``python -m bench.matching``: this engine, Splink and recordlinkage
  on the same data, with precision, recall, F1, speed and memory;
* :mod:`bench.e2e` - ``python -m bench.e2e``: a purchased list into a live Odoo, the worker
  against Odoo's own import.

Run from the repository root. Not imported by the worker; the baselines need the ``bench`` extra.
"""
