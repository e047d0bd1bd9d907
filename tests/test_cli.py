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


def test_a_bad_setting_is_one_line_and_exit_status_2(tmp_path):
    cases = {
        "KOC_MAX_QUERY_COST": ("lots", "KOC_MAX_QUERY_COST: Input should be a valid integer"),
        "KOC_DATABASE_URL": ("mysql://koc@db/koc", "KOC_DATABASE_URL: use sqlite://PATH or"),
        "KOC_ENV": ("production", "KOC_JWT_SECRET must be set to a random string"),
    }
    for variable, (value, line) in cases.items():
        env = {**os.environ, "KOC_ENV": "development", "KOC_JWT_SECRET": "", variable: value}
        env = {k: v for k, v in env.items() if v != ""}
        result = koc("migrate", env=env)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"koc: {line}"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
