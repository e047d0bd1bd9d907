"""The benchmark runs end to end at tiny sizes, so it cannot rot unnoticed."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_runs_two_sizes_and_koc_answers_like_the_floor(tmp_path):
    # Given two tiny sizes, each seeded into its own SQLite database
    url = f"sqlite://{tmp_path / 'bench-{members}.sqlite3'}"
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--members", "40,60"]
    command += ["--database-url", url, "--duration", "0.3", "--connections", "1"]
    command += ["--ingest-orders", "5", "--ingest-workers", "2", "--timed-repeats", "1"]
    command += ["--out", str(tmp_path)]
    # When the whole benchmark runs at both sizes
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=480)
    assert done.returncode == 0, done.stderr[-3000:]
    # Then each size has its figures: koc and the hand-written floor agreed on the home JSON,
    # every report answered, ingestion ran on one and on two workers, and every list query
    # was measured at both page sizes
    for members in (40, 60):
        report = json.loads((tmp_path / f"sqlite-{members}.json").read_text())
        home = report["home"]
        assert home["same_json"] is True
        assert home["koc_c1"]["requests"] > 0 and home["koc_c1"]["failures"] == 0
        assert home["timed"] and all("error" not in row for row in home["timed"].values())
        assert home["ingestion"]["single"]["orders"] == 5
        assert home["ingestion"]["batch"]["orders"] == 20
        assert home["ingestion_workers"]["2"]["batch"]["orders"] == 20
        measured = [row for row in report["statements"].values() if "error" not in row]
        assert measured and all({"first10", "first100"} <= row.keys() for row in measured)
        assert (tmp_path / f"sqlite-{members}.md").read_text().startswith("## koc benchmark")
    # and one scale table holds a line per size, smallest first
    scale = (tmp_path / "scale-sqlite.md").read_text()
    lines = [line for line in scale.splitlines() if line.startswith(("| 40 |", "| 60 |"))]
    assert [line.split("|")[1].strip() for line in lines] == ["40", "60"]
