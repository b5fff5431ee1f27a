"""The matching benchmark: ``python -m bench.matching``.

Runs this engine, Splink (DuckDB backend) and recordlinkage on the same seeded, labelled data
(:mod:`bench.datagen`), prints one table and writes it, with every detail, as JSON.

Scenarios
=========
``dedupe-10k``  one incoming file of 10,000 records with duplicates inside it (mode a);
                every engine.
``link-10k``    10,000 incoming records against 100,000 existing partners (mode b); every engine.
``link-100k``   100,000 incoming records against 1,000,000 existing partners (mode b); this
                engine, and the baselines only with ``--large-baselines`` (each under
                ``--timeout``; "did not finish" is reported, not hidden).

Each (scenario, engine) runs in its own Python process, so its peak memory
(``ru_maxrss``) is its own: the process generates the data (not timed), then runs the engine
under the clock, records its peak memory, and only then scores the output against the
labels (:mod:`bench.metrics`). Speed is incoming records per second of engine
time; for this engine building the partner index (a cached step in production) is timed
and reported on its own and left out of the rate, for the baselines, which have no such
cache, everything they do counts.

Figures: pairs (precision, recall, F1 of the pairs put into one entity, every pair with at
least one incoming record), clusters (B-cubed), speed, peak memory, and for this engine the
candidate pairs and blocking recall. For the baselines the best threshold in hindsight (an
oracle) is also reported in the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench import metrics

ENGINES = ("ours", "splink", "recordlinkage")

#: The directory holding the ``bench`` package (the repository root). ``bench`` is not installed
#: with the worker, so the child processes get it on their path wherever they are started from.
ROOT = Path(__file__).resolve().parents[1]


def child_env() -> dict[str, str]:
    """This process's environment with :data:`ROOT` first on ``PYTHONPATH``, for the children."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


@dataclass(frozen=True)
class Scenario:
    name: str
    records: int  # incoming records
    index: int  # existing partners (0: a single file, deduplicated)
    engines: tuple[str, ...]  # engines run by default
    description: str


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("dedupe-10k", 10_000, 0, ENGINES, "one file of 10,000 records, deduplicated"),
        Scenario("link-10k", 10_000, 100_000, ENGINES, "10,000 incoming against 100,000 partners"),
        Scenario("link-100k", 100_000, 1_000_000, ("ours",), "100,000 incoming against 1,000,000 partners"),
    )
}


def _progress(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# -- one engine on one scenario (runs in a child process) -------------------------------------


def _load(scenario: Scenario, seed: int) -> tuple[list[dict[str, str]], np.ndarray]:
    """The incoming raw records and the true entity of every global record (index first)."""
    from bench import datagen

    if scenario.index:
        labelled = datagen.incoming_records(scenario.records, scenario.index, seed)
    else:
        labelled = datagen.file_records(scenario.records, seed)
    rows, entities = [], []
    for record in labelled:
        rows.append(record.raw)
        entities.append(record.entity)
    # the index holds entity i as partner P<i>
    entity = np.concatenate([np.arange(scenario.index, dtype=np.int64), np.asarray(entities, np.int64)])
    return rows, entity


def _score(
    entity: np.ndarray, cluster: np.ndarray, n_index: int, truth: np.ndarray
) -> dict[str, dict[str, float | int]]:
    return {
        "pairs": metrics.cluster_pair_scores(entity, cluster, n_index).as_dict(),
        "clusters": metrics.bcubed(
            entity, cluster, metrics.evaluated_records(entity, cluster, n_index)
        ).as_dict(),
        "true_pairs": {"count": len(truth)},
    }


def build_index_child(n: int, seed: int, folder: Path) -> dict[str, Any]:
    """Build and save the index of ``n`` generated partners (runs in its own process)."""
    from bench import datagen, ours

    _progress(f"ours: building the index of {n:,} partners")
    index, seconds = ours.build_index((r.raw for r in datagen.index_records(n, seed)), _progress)
    peak = peak_rss_mb()
    started = time.perf_counter()
    index.save(folder)
    return {
        "partners": n,
        "build_seconds": round(seconds, 2),
        "save_seconds": round(time.perf_counter() - started, 2),
        "build_peak_rss_mb": round(peak, 1),
        "memory_mb": round(index.nbytes / 2**20, 1),
        "disk_mb": round(sum(f.stat().st_size for f in folder.iterdir()) / 2**20, 1),
    }


def _build_index(n: int, seed: int, folder: Path) -> dict[str, Any]:
    """The index is built by a process of its own, as the worker builds it once and caches it;
    the matching process then opens the saved index memory-mapped, as the worker does."""
    command = [
        sys.executable,
        "-m",
        "bench.matching",
        "--build-index",
        str(n),
        "--seed",
        str(seed),
    ]
    command += ["--index-dir", str(folder)]
    # our own interpreter and module, arguments are numbers and a path we made
    done = subprocess.run(  # noqa: S603
        command, stdout=subprocess.PIPE, text=True, check=True, env=child_env()
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_ours(
    scenario: Scenario, seed: int, rows: list[dict[str, str]], entity: np.ndarray
) -> dict[str, Any]:
    import tempfile

    from sync_worker.matching import MatchConfig, MatchIndex

    config = MatchConfig(seed=seed)
    index: MatchIndex | None = None
    index_stats: dict[str, Any] = {"partners": 0}
    with tempfile.TemporaryDirectory(prefix="bench-index-") as folder:
        if scenario.index:
            index_stats = _build_index(scenario.index, seed, Path(folder))
            started = time.perf_counter()
            index = MatchIndex.load(folder)
            index_stats["load_seconds"] = round(time.perf_counter() - started, 3)
        return _match_ours(scenario, config, index, index_stats, rows, entity)


def _match_ours(
    scenario: Scenario,
    config: Any,
    index: Any,
    index_stats: dict[str, Any],
    rows: list[dict[str, str]],
    entity: np.ndarray,
) -> dict[str, Any]:
    from bench import ours

    rss_before = current_rss_mb()
    started = time.perf_counter()
    output, records = ours.run_ours(index, rows, scenario.index, config, _progress)
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    truth = metrics.true_pairs(entity, scenario.index)
    result: dict[str, Any] = _score(entity, output.cluster, scenario.index, truth)
    left, right = ours.candidate_pairs(records, index, scenario.index, config)
    candidates = metrics.encode_pairs(left, right, scenario.index, len(entity))
    result["blocking"] = {
        "candidate_pairs": len(candidates),
        "recall": round(metrics.pair_scores(candidates, truth).recall, 5),
        "pairs_per_record": round(len(candidates) / max(scenario.records, 1), 2),
    }
    links = metrics.encode_pairs(*output.links, scenario.index, len(entity))
    result["asserted_links"] = metrics.pair_scores(links, truth).as_dict()
    result["review_pairs"] = len(output.reviews[0])
    # what a person sees: pairs linked or queued for review (a missed duplicate is in neither)
    reviews = metrics.encode_pairs(*output.reviews, scenario.index, len(entity))
    result["linked_or_reviewed"] = metrics.pair_scores(np.union1d(links, reviews), truth).as_dict()
    result["index"] = {**index_stats, "rss_after_load_mb": round(rss_before, 1)}
    result.update(seconds=seconds, peak_rss_mb=peak, details=output.stats)
    return result


def _run_baseline(
    engine: str, scenario: Scenario, seed: int, rows: list[dict[str, str]], entity: np.ndarray, threads: int
) -> dict[str, Any]:
    import pandas as pd

    from bench import baselines, datagen

    incoming = pd.DataFrame.from_records(rows)
    index = None
    if scenario.index:
        _progress(f"{engine}: loading {scenario.index:,} partners")
        index = pd.DataFrame.from_records(r.raw for r in datagen.index_records(scenario.index, seed))
    run = baselines.run_splink if engine == "splink" else baselines.run_recordlinkage
    started = time.perf_counter()
    output = run(index, incoming, threads, seed, _progress)
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    truth = metrics.true_pairs(entity, scenario.index)
    threshold = output.stats["threshold"]
    chosen = output.probability >= threshold
    cluster = metrics.connected_components(len(entity), output.left[chosen], output.right[chosen])
    result: dict[str, Any] = _score(entity, cluster, scenario.index, truth)
    codes = metrics.encode_pairs(output.left[chosen], output.right[chosen], scenario.index, len(entity))
    result["asserted_links"] = metrics.pair_scores(codes, truth).as_dict()
    all_codes, order = np.unique(
        metrics.encode_pairs_unsorted(output.left, output.right, len(entity)), return_index=True
    )
    in_scope = all_codes % len(entity) >= scenario.index
    oracle_threshold, oracle = metrics.best_threshold(
        all_codes[in_scope], output.probability[order][in_scope], truth
    )
    result["oracle"] = {"threshold": round(oracle_threshold, 5), **oracle.as_dict()}
    if "candidate_pairs" in output.stats:
        result["blocking"] = {"candidate_pairs": output.stats["candidate_pairs"]}
    result.update(seconds=seconds, peak_rss_mb=peak, details=output.stats)
    return result


def run_one(engine: str, scenario: Scenario, seed: int, threads: int) -> dict[str, Any]:
    """One engine on one scenario, in this process; the result as a JSON-able dict."""
    _progress(f"{engine} / {scenario.name}: generating {scenario.records:,} incoming records")
    rows, entity = _load(scenario, seed)
    rss_data = current_rss_mb()
    if engine == "ours":
        result = _run_ours(scenario, seed, rows, entity)
    else:
        result = _run_baseline(engine, scenario, seed, rows, entity, threads)
    seconds = result.pop("seconds")
    return {
        "engine": engine,
        "scenario": scenario.name,
        "status": "ok",
        "records": scenario.records,
        "index": scenario.index,
        "seconds": round(seconds, 3),
        "records_per_second": round(scenario.records / seconds, 1) if seconds else None,
        "peak_rss_mb": round(result.pop("peak_rss_mb"), 1),
        "input_rss_mb": round(rss_data, 1),
        **result,
    }


# -- the runner ---------------------------------------------------------------------------------


def run_child(engine: str, scenario: Scenario, seed: int, threads: int, timeout: float) -> dict[str, Any]:
    """Run :func:`run_one` in a fresh interpreter; a crash or timeout becomes a status."""
    command = [
        sys.executable,
        "-m",
        "bench.matching",
        "--child",
        engine,
        "--scenario",
        scenario.name,
        "--seed",
        str(seed),
        "--threads",
        str(threads),
    ]
    base = {"engine": engine, "scenario": scenario.name, "records": scenario.records, "index": scenario.index}
    started = time.perf_counter()
    try:
        # our own interpreter and module, arguments from argparse choices and numbers
        done = subprocess.run(  # noqa: S603
            command, stdout=subprocess.PIPE, text=True, timeout=timeout, check=False, env=child_env()
        )
    except subprocess.TimeoutExpired:
        return {**base, "status": f"did not finish in {timeout:.0f} s"}
    if done.returncode != 0:
        return {**base, "status": f"failed (exit {done.returncode}, see the log above)"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    return result


def _fmt(value: Any, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def table(results: Sequence[dict[str, Any]]) -> str:
    """The results as a Markdown table (also what the command prints)."""
    head = (
        "| scenario | engine | pair P | pair R | pair F1 | cluster P | cluster R | cluster F1 "
        "| rec/s | seconds | peak MiB | candidates | blocking recall |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in results:
        if r.get("status") != "ok":
            lines.append(f"| {r['scenario']} | {r['engine']} | {r['status']} |" + " |" * 10)
            continue
        pairs, clusters, blocking = r["pairs"], r["clusters"], r.get("blocking", {})
        lines.append(
            f"| {r['scenario']} | {r['engine']} | {_fmt(pairs['precision'])} | {_fmt(pairs['recall'])} "
            f"| {_fmt(pairs['f1'])} | {_fmt(clusters['precision'])} | {_fmt(clusters['recall'])} "
            f"| {_fmt(clusters['f1'])} | {_fmt(r['records_per_second'], ',.0f')} "
            f"| {_fmt(r['seconds'], '.1f')} "
            f"| {_fmt(r['peak_rss_mb'], ',.0f')} | {_fmt(blocking.get('candidate_pairs'), ',')} "
            f"| {_fmt(blocking.get('recall'), '.4f') if 'recall' in blocking else '-'} |"
        )
    return "\n".join(lines)


def targets(results: Sequence[dict[str, Any]]) -> list[str]:
    """The issue's targets, each met or missed, with the figures that decide it."""
    by = {(r["scenario"], r["engine"]): r for r in results if r.get("status") == "ok"}
    lines: list[str] = []
    for name in ("dedupe-10k", "link-10k"):
        mine = by.get((name, "ours"))
        if not mine:
            continue
        f1 = mine["pairs"]["f1"]
        lines.append(f"{name}: pair F1 {f1:.4f} {'>=' if f1 >= 0.97 else '<'} 0.97 -> {_met(f1 >= 0.97)}")
        others = [by[(name, e)] for e in ENGINES[1:] if (name, e) in by]
        for other in others:
            ok = f1 > other["pairs"]["f1"]
            lines.append(
                f"{name}: pair F1 above {other['engine']} ({other['pairs']['f1']:.4f}) -> {_met(ok)}"
            )
        if others:
            fastest = max(others, key=lambda o: o["records_per_second"])
            ratio = mine["records_per_second"] / fastest["records_per_second"]
            lines.append(
                f"{name}: speed {mine['records_per_second']:,.0f} rec/s = {ratio:.2f}x the fastest baseline "
                f"({fastest['engine']}, {fastest['records_per_second']:,.0f} rec/s) -> {_met(ratio >= 1)}"
            )
    large = by.get(("link-100k", "ours"))
    if large:
        ok = large["seconds"] < 180 and large["peak_rss_mb"] < 2048
        lines.append(
            f"link-100k: {large['seconds']:.0f} s (target < 180 s), peak {large['peak_rss_mb']:,.0f} MiB "
            f"(target < 2048 MiB); index built once in {large['index']['build_seconds']:.0f} s, "
            f"loaded in {large['index']['load_seconds']:.2f} s -> {_met(ok)}"
        )
    return lines


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as info:
            mem_kib = int(next(line.split()[1] for line in info if line.startswith("MemTotal")))
    except (OSError, StopIteration):
        mem_kib = 0
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 2**20, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("rapidfuzz", "numpy", "pandas", "splink", "duckdb", "recordlinkage"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def main(argv: Sequence[str] | None = None, run: Callable[..., dict[str, Any]] = run_child) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="scenario to run (repeatable; default: all three)",
    )
    parser.add_argument("--engine", action="append", choices=ENGINES, help="engine to run (repeatable)")
    parser.add_argument("--large-baselines", action="store_true", help="also run the baselines on link-100k")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads", type=int, default=2, help="threads granted to the baselines (DuckDB, n_jobs)"
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds per engine run before it is stopped"
    )
    parser.add_argument("--output", type=Path, default=Path("bench-results/matching.json"))
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--build-index", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--index-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.build_index:
        print(json.dumps(build_index_child(args.build_index, args.seed, args.index_dir)))
        return 0

    if args.child:
        result = run_one(args.child, SCENARIOS[args.scenario[0]], args.seed, args.threads)
        print(json.dumps(result, default=float))
        return 0

    results = []
    for name in args.scenario or list(SCENARIOS):
        scenario = SCENARIOS[name]
        engines = ENGINES if args.large_baselines else scenario.engines
        for engine in args.engine or engines:
            if engine not in engines and not args.engine:
                continue
            print(f"== {scenario.name} ({scenario.description}): {engine}", file=sys.stderr, flush=True)
            results.append(run(engine, scenario, args.seed, args.threads, args.timeout))
            print(f"   {results[-1].get('status')}", file=sys.stderr, flush=True)
    report = {
        "generated": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "seed": args.seed,
        "machine": machine(),
        "versions": versions(),
        "results": results,
        "targets": targets(results),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=float) + "\n")
    print(table(results))
    print()
    for line in report["targets"]:
        print(line)
    print(f"\nJSON: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
