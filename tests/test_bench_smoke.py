"""The benchmark runs end to end at a tiny size, so it cannot rot unnoticed."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_runs_and_koc_answers_like_the_floor(tmp_path):
    # Given a tiny seeded SQLite database (the benchmark always runs its own servers)
    url = f"sqlite://{tmp_path / 'bench.sqlite3'}"
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--members", "60"]
    command += ["--database-url", url, "--duration", "0.3", "--connections", "1"]
    command += ["--ingest-orders", "5", "--timed-repeats", "1", "--out", str(tmp_path)]
    # When the whole benchmark runs
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    # Then it wrote its figures, koc and the hand-written floor agreed on the home JSON,
    # and every list query was measured at both page sizes
    report = json.loads((tmp_path / "sqlite-60.json").read_text())
    home = report["home"]
    assert home["same_json"] is True
    assert home["koc_c1"]["requests"] > 0 and home["koc_c1"]["failures"] == 0
    assert home["ingestion"]["single"]["orders"] == 5
    assert home["ingestion"]["batch"]["orders"] == 20
    assert report["statements"], "no list query was measured"
    measured = [row for row in report["statements"].values() if "error" not in row]
    assert measured and all({"first10", "first100"} <= row.keys() for row in measured)
    assert (tmp_path / "sqlite-60.md").read_text().startswith("## koc benchmark")
