"""The established record-linkage libraries the engine is measured against, configured as a
competent user of each would configure them, on the same raw records.

Light cleaning (:func:`clean`), the same for every baseline, and nothing more: no legal-form
table, no pinyin, no Traditional-to-Simplified, no phone library, no identifier checksums.

============  ==========================================================================
column        from the raw record
============  ==========================================================================
``name``      ``name``: whitespace stripped and collapsed, case-folded (``str.casefold``)
``company``   ``company`` (a person's employer), the same
``tax_id``    ``uscc``, else ``vat``: letters and digits only, upper case (Odoo keeps a
              Chinese company's USCC in its VAT field, so a user merges the two columns)
``lei``       ``lei``, the same
``phone``     ``phone``, else ``mobile``: digits only, the last nine kept (so ``+86 138…``,
              ``0086-138…`` and ``138…`` meet; without this one step no phone written two
              ways would ever match, and the baseline would be a straw man)
``email``     ``email``: stripped, lower case
``city``      ``city``: stripped, case-folded
``address``   ``address``, else ``state city district street`` joined: stripped, case-folded
``zip``       ``zip``: spaces removed, upper case
``kind``      ``kind`` (company / person)
============  ==========================================================================

Each baseline reports every pair it scores with its match probability; the runner applies the
baseline's threshold (:data:`SPLINK_THRESHOLD`, :data:`RECORDLINKAGE_THRESHOLD`) and also
reports the best threshold in hindsight (an oracle the baselines are granted, our engine not).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from bench.datagen import RAW_FIELDS

#: Splink: pairs at or above this match probability are matches (its docs' usual choice)
SPLINK_THRESHOLD = 0.9
#: recordlinkage ECM: its own classification cut-off
RECORDLINKAGE_THRESHOLD = 0.5
#: pairs scored below this are not even returned (to bound the output)
KEEP_ABOVE = 0.01

Progress = Callable[[str], None]


@dataclass
class BaselineOutput:
    left: np.ndarray  # global ids
    right: np.ndarray
    probability: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict)


_SPACES = re.compile(r"\s+")


def _text(series: pd.Series) -> pd.Series:
    return (
        series.astype("string")
        .str.strip()
        .str.replace(_SPACES, " ", regex=True)
        .str.casefold()
        .replace("", pd.NA)
    )


def _first(df: pd.DataFrame, *columns: str) -> pd.Series:
    out = pd.Series(pd.NA, index=df.index, dtype="string")
    for column in reversed(columns):
        if column in df:
            value = df[column].astype("string").replace("", pd.NA)
            out = value.fillna(out)
    return out


def clean(df: pd.DataFrame, first_id: int) -> pd.DataFrame:
    """The light cleaning of the module docstring; ``unique_id`` numbers rows from ``first_id``."""
    df = df.reindex(columns=[c for c in df.columns] + [c for c in _RAW if c not in df.columns])
    address = _first(df, "address")
    parts = df[["state", "city", "district", "street"]].astype("string").fillna("")
    joined = (
        parts["state"] + " " + parts["city"] + " " + parts["district"] + " " + parts["street"]
    ).str.strip()
    address = address.fillna(joined.replace("", pd.NA))
    phone = _first(df, "phone", "mobile").str.replace(r"\D", "", regex=True).str[-9:].replace("", pd.NA)
    return pd.DataFrame(
        {
            "unique_id": np.arange(first_id, first_id + len(df), dtype=np.int64),
            "kind": _text(df["kind"]).fillna("company"),
            "name": _text(df["name"]),
            "company": _text(df["company"]),
            "tax_id": _first(df, "uscc", "vat")
            .str.replace(r"[^0-9A-Za-z]", "", regex=True)
            .str.upper()
            .replace("", pd.NA),
            "lei": df["lei"]
            .astype("string")
            .str.replace(r"[^0-9A-Za-z]", "", regex=True)
            .str.upper()
            .replace("", pd.NA),
            "phone": phone,
            "email": _text(df["email"]),
            "city": _text(df["city"]),
            "address": _text(address),
            "zip": df["zip"].astype("string").str.replace(" ", "").str.upper().replace("", pd.NA),
        }
    )


_RAW = tuple(f for f in RAW_FIELDS if f != "key")


# -- Splink ----------------------------------------------------------------------------------


def splink_settings(link_type: Literal["link_and_dedupe", "dedupe_only"]) -> Any:
    """Blocking rules and comparisons (Splink 4/5 API); see docs/benchmarks.md for the reasoning."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("tax_id"),
            block_on("lei"),
            block_on("phone"),
            block_on("email"),
            block_on("name"),
            block_on("substr(name, 1, 6)", "city"),
            block_on("substr(name, 1, 4)", "phone"),
        ],
        comparisons=[
            cl.ExactMatch("kind"),
            cl.JaroWinklerAtThresholds("name", [0.95, 0.88, 0.75]),
            cl.ExactMatch("tax_id"),
            cl.ExactMatch("lei"),
            cl.ExactMatch("phone"),
            cl.EmailComparison("email"),
            cl.JaroWinklerAtThresholds("company", [0.92, 0.8]),
            cl.ExactMatch("city"),
            cl.JaroWinklerAtThresholds("address", [0.92, 0.8]),
            cl.ExactMatch("zip"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def run_splink(
    index: pd.DataFrame | None, incoming: pd.DataFrame, threads: int, seed: int, progress: Progress
) -> BaselineOutput:
    """Train (u by random sampling, m by EM, as Splink's tutorials do) and predict.

    A file: ``dedupe_only`` and ``predict()``. Incoming against existing partners: the model
    is trained on both (``link_and_dedupe``), then ``predict_between(incoming, index)`` and
    ``predict_within(incoming)``, Splink's documented incremental-linkage calls, so the
    existing partners are never compared among themselves.
    """
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    started = time.perf_counter()
    n_index = 0 if index is None else len(index)
    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    db_api = DuckDBAPI(con)
    new = clean(incoming, n_index)
    tables = [db_api.register(new, dataset_display_name="incoming")]
    if index is not None:
        old = clean(index, 0)
        tables.insert(0, db_api.register(old, dataset_display_name="existing"))
    cleaned = time.perf_counter()
    progress("splink: training")
    linker = Linker(
        tables if len(tables) > 1 else tables[0],
        splink_settings("link_and_dedupe" if index is not None else "dedupe_only"),
        log_level=logging.WARNING,
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("tax_id"), block_on("email")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
    notes = []
    for rule in ("name", "phone", "tax_id"):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(rule))
        except ValueError as exc:  # on small data Splink's EM can drive an m to 0 and refuse it
            notes.append(f"EM session blocked on {rule} skipped: {str(exc)[:120]}")
            progress(f"splink: {notes[-1]}")
    trained = time.perf_counter()
    progress("splink: predicting")
    if index is None:
        frames = [linker.inference.predict(threshold_match_probability=KEEP_ABOVE)]
    else:
        # within the incoming list: the trained model, re-loaded as a dedupe_only model on that
        # table alone (Splink 5.0's predict_within on one table of a link_and_dedupe model
        # fails for want of a source_dataset column)
        model = linker.misc.save_model_to_json()
        model["link_type"] = "dedupe_only"
        within = Linker(tables[1], model, log_level=logging.WARNING)
        frames = [
            linker.inference.predict_between(tables[1], tables[0], threshold_match_probability=KEEP_ABOVE),
            within.inference.predict(threshold_match_probability=KEEP_ABOVE),
        ]
    lefts, rights, probabilities = [], [], []
    for frame in frames:
        pairs = con.sql(
            # a table name Splink generated, not user input
            f"select unique_id_l, unique_id_r, match_probability from {frame.physical_name}"  # noqa: S608
        ).fetchnumpy()
        lefts.append(np.asarray(pairs["unique_id_l"], dtype=np.int64))
        rights.append(np.asarray(pairs["unique_id_r"], dtype=np.int64))
        probabilities.append(np.asarray(pairs["match_probability"], dtype=np.float64))
    done = time.perf_counter()
    return BaselineOutput(
        np.concatenate(lefts),
        np.concatenate(rights),
        np.concatenate(probabilities),
        {
            "threshold": SPLINK_THRESHOLD,
            "notes": notes,
            "timings": {
                "cleaning": round(cleaned - started, 3),
                "training": round(trained - cleaned, 3),
                "predicting": round(done - trained, 3),
            },
        },
    )


# -- recordlinkage ---------------------------------------------------------------------------


def _rl_indexer() -> Any:
    import recordlinkage as rl
    from recordlinkage.index import Block, SortedNeighbourhood

    indexer = rl.Index()
    for key in ("tax_id", "lei", "phone", "email", "name"):
        indexer.add(Block(key))
    indexer.add(Block(["name6", "city"]))
    indexer.add(SortedNeighbourhood("name", window=5))
    return indexer


def _rl_compare(threads: int) -> Any:
    import recordlinkage as rl

    compare = rl.Compare(n_jobs=threads)
    compare.exact("kind", "kind", label="kind")
    compare.string("name", "name", method="jarowinkler", threshold=0.88, label="name")
    for column in ("tax_id", "lei", "phone", "email", "city", "zip"):
        compare.exact(column, column, label=column)
    compare.string("company", "company", method="jarowinkler", threshold=0.88, label="company")
    compare.string("address", "address", method="jarowinkler", threshold=0.88, label="address")
    return compare


def run_recordlinkage(
    index: pd.DataFrame | None, incoming: pd.DataFrame, threads: int, seed: int, progress: Progress
) -> BaselineOutput:
    """Index (blocks and a sorted neighbourhood), compare, and classify without labels (ECM).

    The same blocking keys as Splink's rules plus a sorted neighbourhood on the name (window
    5) for typos; binary comparison vectors (Jaro-Winkler >= 0.88 for names and addresses,
    exact for the rest); the unsupervised Expectation-Conditional-Maximisation classifier,
    the Fellegi-Sunter model recordlinkage offers without training labels.
    """
    del seed  # ECM is deterministic
    started = time.perf_counter()
    n_index = 0 if index is None else len(index)
    new = clean(incoming, n_index).set_index("unique_id")
    new["name6"] = new["name"].str[:6]
    old = None
    if index is not None:
        old = clean(index, 0).set_index("unique_id")
        old["name6"] = old["name"].str[:6]
    cleaned = time.perf_counter()
    progress("recordlinkage: indexing")
    indexer = _rl_indexer()
    candidate_sets = [(indexer.index(new), new, new)]
    if old is not None:
        candidate_sets.append((indexer.index(new, old), new, old))
    indexed = time.perf_counter()
    progress(f"recordlinkage: comparing {sum(len(c[0]) for c in candidate_sets):,} pairs")
    compare = _rl_compare(threads)
    features = [compare.compute(pairs, left, right) for pairs, left, right in candidate_sets]
    vectors = pd.concat(features)
    compared = time.perf_counter()
    progress("recordlinkage: ECM")
    import recordlinkage as rl

    classifier = rl.ECMClassifier(binarize=None)
    classifier.fit(vectors)
    probability = np.asarray(classifier.prob(vectors), dtype=np.float64)
    done = time.perf_counter()
    keep = probability >= KEEP_ABOVE
    pairs = vectors.index[keep]
    return BaselineOutput(
        np.asarray(pairs.get_level_values(0), dtype=np.int64),
        np.asarray(pairs.get_level_values(1), dtype=np.int64),
        probability[keep],
        {
            "threshold": RECORDLINKAGE_THRESHOLD,
            "candidate_pairs": len(vectors),
            "timings": {
                "cleaning": round(cleaned - started, 3),
                "indexing": round(indexed - cleaned, 3),
                "comparing": round(compared - indexed, 3),
                "classifying": round(done - compared, 3),
            },
        },
    )
