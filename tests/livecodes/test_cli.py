"""``koc live-codes check`` runs as a job an operator schedules."""

import os
import subprocess
import sys


def test_the_check_job_runs(tmp_path):
    env = {
        **os.environ,
        "KOC_DATABASE_URL": f"sqlite://{tmp_path}/lc.sqlite3",
        "KOC_ENV": "development",
    }
    run = [sys.executable, "-m", "koc.cli"]
    assert (
        subprocess.run([*run, "migrate"], env=env, capture_output=True, timeout=120).returncode == 0
    )
    result = subprocess.run(
        [*run, "live-codes", "check"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Checked 0 GROUP live codes" in result.stdout
