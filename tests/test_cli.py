"""The operator's command line: migrate, create-staff, partner-token, export-schema."""

import argparse
import contextlib
import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import pytest

from koc import demo
from koc.cli import build_parser
from tests.fakes import broken_seeder
from tests.live import koc_env


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


# --- help --------------------------------------------------------------------------------


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every (path, parser) of the command line, the root first."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, (*path, name))


def test_help_lists_every_command_and_explains_every_option(capsys):
    parser = build_parser()
    commands = list(_commands(parser))
    top = parser.format_help()
    for path, command in commands:
        if len(path) == 1:
            # koc --help names every command with what it does
            assert f"    {path[0]}" in top, path
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                # every subcommand says what it does
                assert all(choice.help for choice in action._choices_actions), path
                continue
            # every option and argument says what it is for ...
            assert action.help, (path, action.dest)
            # ... and shows its default when it has one
            if action.default not in (None, False) and action.option_strings:
                assert "default" in command.format_help().split(action.option_strings[-1], 1)[1]
    # and each command's own --help is its own
    for path, _ in commands[1:]:
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args([*path, "--help"])
        assert exit_.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: koc {' '.join(path)}")


# --- long jobs ---------------------------------------------------------------------------

JOB = """
import sys
from koc.cli import run_job
from koc.jobs import JobResult

async def work(progress):
    progress.expect(3)
    progress.advance(3)
    if sys.argv[1] == "raise":
        raise RuntimeError("the job broke")
    return JobResult("Did 3 things", {"things": 3}, failed=int(sys.argv[1]))

raise SystemExit(run_job("sample job", work))
"""


def _job(tmp_path, outcome: str, **kwargs):
    env = koc_env(
        KOC_ENV="production",
        KOC_JWT_SECRET="j" * 40,
        KOC_DATABASE_URL=f"sqlite://{tmp_path}/job.sqlite3",
    )
    code = "from koc.logs import configure_logging; from koc.settings import get_settings;"
    code += "configure_logging(get_settings())\n" + JOB
    return subprocess.run(
        [sys.executable, "-c", code, outcome], env=env, timeout=120, text=True, **kwargs
    )


def test_a_job_prints_its_summary_and_logs_one_line(tmp_path):
    result = _job(tmp_path, "0", capture_output=True)
    assert result.returncode == 0 and result.stdout == "Did 3 things\n"
    (line,) = [json.loads(x) for x in result.stderr.splitlines() if '"koc.jobs"' in x]
    assert (line["level"], line["job"], line["ok"], line["things"]) == (
        "INFO",
        "sample job",
        True,
        3,
    )


def test_a_job_with_failures_or_a_crash_exits_1(tmp_path):
    failed = _job(tmp_path, "2", capture_output=True)
    assert failed.returncode == 1
    (line,) = [json.loads(x) for x in failed.stderr.splitlines() if '"koc.jobs"' in x]
    assert (line["level"], line["ok"], line["failed"]) == ("ERROR", False, 2)
    crashed = _job(tmp_path, "raise", capture_output=True)
    assert crashed.returncode == 1 and "the job broke" in crashed.stderr


def test_a_job_shows_progress_on_a_terminal(tmp_path):
    # given an 80-column terminal on stderr / when a job runs
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        result = _job(tmp_path, "0", stdout=subprocess.PIPE, stderr=terminal)
        os.close(terminal)
        shown = b""
        with contextlib.suppress(OSError):
            while chunk := os.read(controller, 65536):
                shown += chunk
    finally:
        os.close(controller)
    # then a progress bar counted its work
    assert result.returncode == 0
    assert re.search(r"sample job: +\d+%\|.*\| [03]/3 ", shown.decode())


async def test_seed_demo_reports_a_failed_feature_seeder(app, settings, monkeypatch):
    # given a feature whose demo fails
    monkeypatch.setattr(demo, "FEATURE_SEEDERS", [*demo.FEATURE_SEEDERS, broken_seeder])
    # when the demo is seeded
    result = await demo.seed_demo(settings, members=3, seed=1)
    # then the others are seeded and the failure counts (so `koc seed-demo` exits 1)
    assert result.failed == 1
    assert "tests.fakes.broken_seeder: FAILED and rolled back" in result.summary
