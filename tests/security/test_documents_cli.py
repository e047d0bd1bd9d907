"""`koc documents add FILE` registers a manifest or a .graphql file from the command line."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from koc.errors import DomainError
from koc.security.models import TrustedDocument
from koc.security.services import parse_manifest

ME = "query Me { me { id } }"


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def koc(settings, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "KOC_DATABASE_URL": settings.database_url,
        "KOC_ENV": "development",
    }
    return subprocess.run(
        [sys.executable, "-m", "koc.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_graphql_file_is_one_document_named_by_its_hash() -> None:
    assert parse_manifest(ME, "me.graphql") == [(sha(ME), ME)]
    assert parse_manifest(json.dumps({sha(ME): ME}), "persisted-documents.json") == [(sha(ME), ME)]


def test_a_manifest_must_be_a_json_object_of_strings() -> None:
    for text in ("{", "[]", json.dumps({sha(ME): 1})):
        with pytest.raises(DomainError) as refused:
            parse_manifest(text, "manifest.json")
        assert refused.value.field == "documents"


async def test_documents_add_registers_a_manifest_and_a_graphql_file(
    app, settings, tmp_path: Path
) -> None:
    # given a graphql-codegen manifest and a .graphql file
    other = "query Stages { lifecycleStages { code } }"
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({sha(ME): ME}))
    single = tmp_path / "stages.graphql"
    single.write_text(other)

    # when both are added
    first = koc(settings, "documents", "add", str(manifest))
    graphql_file = koc(settings, "documents", "add", str(single))

    # then each document is registered
    assert first.returncode == 0, first.stderr
    assert "Registered 1 new trusted documents (0 already known)" in first.stdout
    assert graphql_file.returncode == 0, graphql_file.stderr
    stored = {d.sha256: d.document for d in await TrustedDocument.all()}
    assert stored == {sha(ME): ME, sha(other): other}


async def test_documents_add_refuses_a_bad_manifest_and_registers_nothing(
    app, settings, tmp_path: Path
) -> None:
    manifest = tmp_path / "bad.json"
    manifest.write_text(json.dumps({sha(ME): ME, sha("x"): "{ nope }"}))
    result = koc(settings, "documents", "add", str(manifest))
    assert result.returncode == 1
    assert "error: documents.1.sha256:" in result.stderr
    assert not await TrustedDocument.exists()
