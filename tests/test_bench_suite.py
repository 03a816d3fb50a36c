"""The benchmark suite runs end to end and its figures hold together (a small run).

The figures themselves are for bench/ and docs/performance.md, never asserted as
times here; this checks that one command still measures every workload.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_suite_measures_every_workload(tmp_path: Path) -> None:
    out = tmp_path / "suite.json"
    options = ["--sizes", "1200", "--backends", "sqlite", "--no-medallion", "--post", "400"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "suite.py"), *options, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    [cell] = result["cells"]
    assert cell["backend"] == "sqlite" and cell["size"] == 1200
    assert cell["bulk_import"]["objects"] >= 1200 and cell["bulk_import"]["objects_per_s"] > 0
    assert cell["taxii_post"]["objects"] == 408  # 400 incidents and their 8 release sets
    assert cell["taxii_get_page"]["objects"] > 1200  # the partner's pages, start and middle
    assert cell["sync"]["objects"] == 400 and cell["sync"]["rejected"] == 0
    assert cell["sync"]["wire_over_xz9"] < 1.5  # the bound on bytes per object
    assert cell["dashboard_year"]["incidents"] > 0
    assert cell["search"]["median_rows"] > 0
    for measure in ("filtered_query", "search", "dashboard_year", "assessment_year"):
        assert 0 < cell[measure]["p50_ms"] <= cell[measure]["p95_ms"]
    assert 0 < cell["node_peak_rss_mb"] < 2000
    # The table names every measure (one row each) and the last line is the JSON.
    assert "TAXII page of 1,000" in done.stdout and "node peak RSS" in done.stdout
    assert json.loads(done.stdout.strip().splitlines()[-1])["cells"][0]["size"] == 1200
