"""What a brand installs: the wheel carries koc alone, migrations and GraphiQL included."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

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
