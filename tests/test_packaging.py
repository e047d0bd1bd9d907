"""What a brand installs: the wheel carries koc alone, migrations and GraphiQL included; the
locks pin everything pyproject.toml asks for; CI and Docker install what the README says."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_installs_only_the_koc_package_with_its_migrations(tmp_path: Path) -> None:
    # given the project / when it is built into a wheel as the Dockerfile does
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("koc-*.whl")
    names = zipfile.ZipFile(wheel).namelist()

    # then its only top-level package is koc (no `migrations` to clash with other projects) ...
    top_level = {name.split("/", 1)[0] for name in names}
    assert {t for t in top_level if not t.endswith(".dist-info")} == {"koc"}
    # ... and it carries every committed migration and the offline GraphiQL
    committed = {str(p.relative_to(ROOT)) for p in (ROOT / "koc" / "migrations").rglob("0*.py")}
    assert committed and committed <= set(names)
    assert "koc/graphql/static/graphiql/graphiql.min.js" in names


def _pins(lock: Path) -> dict[str, Version]:
    """name -> pinned version of a lock file written by requirements/lock.sh."""
    pins = {}
    for line in lock.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)", line):
            pins[canonicalize_name(match[1])] = Version(match[2])
    return pins


def _requirements(extras: list[str]) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        for text in project["optional-dependencies"][extra]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == "koc":  # koc[tracing] inside test
                wanted += _requirements(sorted(requirement.extras))
            else:
                wanted.append(requirement)
    return wanted


@pytest.mark.parametrize(
    ("lock", "extras"),
    [("serve", []), ("tracing", ["tracing"]), ("test", ["test", "browser"])],
)
def test_each_lock_pins_every_dependency_within_its_range(lock: str, extras: list[str]) -> None:
    # given a lock file and the dependencies pyproject.toml declares for it
    pins = _pins(ROOT / "requirements" / f"{lock}.txt")
    lines = (ROOT / "requirements" / f"{lock}.txt").read_text()
    # then every one is pinned, inside the declared range, with hashes (re-run lock.sh if not)
    for requirement in _requirements(extras):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is missing from requirements/{lock}.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements/{lock}.txt pins {name}=={pins[name]}, outside {requirement}"
        )
    hashed = re.findall(r"^\S+==[^\\]+\\\n    --hash=sha256:", lines, re.M)
    assert len(hashed) == len(pins)
    if lock != "test":
        assert "pytest" not in pins, f"requirements/{lock}.txt installs test tools"


def test_the_readme_set_up_commands_are_what_ci_and_docker_run() -> None:
    readme = (ROOT / "README.md").read_text()
    (serve,) = re.findall(r"^    (python3 -m venv .*koc serve)$", readme, re.M)
    (test,) = re.findall(r"^    (python3 -m venv .*pytest)$", readme, re.M)
    # the serve command installs the runtime lock only; the test command the test lock
    assert "requirements/serve.txt" in serve and "[test]" not in serve
    assert "requirements/test.txt" in test
    # CI runs the README's test command, step by step
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    for step in test.split(" && "):
        assert step in ci, f".ci/run does not run the README's `{step}`"
    # and the image installs from the lock, on a base pinned by digest, keeping no wheels
    dockerfile = (ROOT / "Dockerfile").read_text()
    bases = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert bases and all(re.search(r"@sha256:[0-9a-f]{64}$", base) for base in bases)
    assert '--require-hashes -r "requirements/${KOC_REQUIREMENTS}.txt"' in dockerfile
    assert "/wheels" not in dockerfile
