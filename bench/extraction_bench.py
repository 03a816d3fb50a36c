"""Benchmark: reading articles into drafts (issue 7), on one core.

Texts: the labelled sets (tests/data/extraction/*.jsonl) and the two sample articles,
read round after round for --seconds. Baseline in the same run: tokenizing the same
texts (the one pass every extractor has to make), so the figure is reported as
"extraction costs N× a tokenizer pass". Also: the one-off cost of building the
dictionaries (gazetteer names, groups, triggers) and the peak memory.

    python bench/extraction_bench.py                 # 10 s per measure
    python bench/extraction_bench.py --seconds 30 --json-only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hoggar.extraction.evaluation import read_set
from hoggar.extraction.extractor import default_extractor
from hoggar.extraction.tokens import tokenize

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "src" / "hoggar" / "demo" / "data"  # the two sample articles


def texts() -> list[tuple[str, date | None]]:
    out = []
    for name in ("dev", "heldout"):
        path = ROOT / "tests" / "data" / "extraction" / f"{name}.jsonl"
        if path.exists():
            out += [(t.text, t.published) for t in read_set(path)]
    for file, day in (
        ("ar-2010-cemoc-launch.txt", date(2010, 4, 21)),
        ("ar-2015-tamanrasset-summit.txt", date(2015, 1, 15)),
    ):
        if (ARTICLES / file).exists():
            out.append(((ARTICLES / file).read_text(encoding="utf-8"), day))
    return out


def rate(
    corpus: list[tuple[str, date | None]],
    work: Callable[[str, date | None], object],
    seconds: float,
) -> tuple[float, int]:
    done = 0
    chars = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text, day in corpus:
            work(text, day)
            done += 1
            chars += len(text)
    elapsed = time.perf_counter() - start
    return done / elapsed, chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json-only", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    corpus = texts()
    t0 = time.perf_counter()
    extractor = default_extractor()
    build_s = time.perf_counter() - t0
    extractor.extract(corpus[0][0], corpus[0][1])  # warm caches
    base, _ = rate(corpus, lambda text, _day: tokenize(text), args.seconds)
    per_s, _ = rate(corpus, lambda text, day: extractor.extract(text, day), args.seconds)
    avg_chars = sum(len(t) for t, _ in corpus) / len(corpus)
    sample = [(t, d) for t, d in corpus if len(t) > 2000] or corpus[:1]
    long_rate, _ = rate(sample, lambda text, day: extractor.extract(text, day), args.seconds / 2)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "bench": "extraction",
        "texts": len(corpus),
        "avg_chars": round(avg_chars),
        "articles_per_s": round(per_s, 1),
        "long_articles": len(sample),
        "long_articles_per_s": round(long_rate, 1),
        "chars_per_s": round(per_s * avg_chars),
        "tokenize_per_s": round(base, 1),
        "cost_vs_tokenize": round(base / per_s, 1),
        "build_s": round(build_s, 2),
        "peak_rss_mb": round(peak_mb),
        "cores": 1,
    }
    if not args.json_only:
        table = Table("measure", "value", title="Open-source extraction, one core")
        table.add_row(
            "texts (labelled sets + sample articles)", f"{len(corpus)} (avg {avg_chars:,.0f} chars)"
        )
        table.add_row("articles per second", f"{per_s:,.1f}")
        table.add_row("long articles (>2,000 chars) per second", f"{long_rate:,.1f}")
        table.add_row("baseline: tokenizer passes per second", f"{base:,.1f}")
        table.add_row("extraction cost vs tokenizing", f"{base / per_s:,.1f}×")
        table.add_row("building the dictionaries (once)", f"{build_s:.2f} s")
        table.add_row("peak memory", f"{peak_mb:,.0f} MB")
        Console().print(table)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
