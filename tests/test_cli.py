"""The operator's command line: migrate, create-staff, partner-token, export-schema."""

import os
import subprocess
import sys


def koc(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "koc.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_first_admin_and_partner_tokens(tmp_path):
    env = {
        **os.environ,
        "KOC_DATABASE_URL": f"sqlite://{tmp_path}/cli.sqlite3",
        "KOC_ENV": "development",
    }
    assert koc("migrate", env=env).returncode == 0
    created = koc("create-staff", "root", "--password", "a-long-password", env=env)
    assert created.returncode == 0 and "Created ADMIN root" in created.stdout
    short = koc("create-staff", "root2", "--password", "short", env=env)
    assert short.returncode == 1 and "at least 10" in short.stderr
    token = koc("partner-token", "create", "POS", "--scope", "privileges:redeem", env=env)
    assert token.returncode == 0
    secret = token.stdout.strip().splitlines()[-1]
    assert secret.startswith("koc_pt_")
    listed = koc("partner-token", "list", env=env)
    assert "POS" in listed.stdout and secret not in listed.stdout and "active" in listed.stdout
    assert koc("partner-token", "revoke", "1", env=env).returncode == 0
    assert "revoked" in koc("partner-token", "list", env=env).stdout
    bad = koc("partner-token", "create", "X", "--scope", "everything", env=env)
    assert bad.returncode == 1


def test_export_schema_to_stdout():
    result = koc("export-schema", "-", env={**os.environ, "KOC_ENV": "development"})
    assert (
        result.returncode == 0 and "type Query" in result.stdout and "memberLogin" in result.stdout
    )


def test_daily_benefits_job_runs(tmp_path):
    env = {
        **os.environ,
        "KOC_DATABASE_URL": f"sqlite://{tmp_path}/jobs.sqlite3",
        "KOC_ENV": "development",
    }
    assert koc("migrate", env=env).returncode == 0
    result = koc("benefits-refresh", env=env)
    assert result.returncode == 0, result.stderr
    assert (
        "Awarded 0 badges by rule; privileges: 0 granted, 0 withdrawn, 0 expired" in result.stdout
    )
