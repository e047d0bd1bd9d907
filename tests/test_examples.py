"""The examples a developer copies are valid against the schema: examples/**/*.graphql and
every GraphQL operation written in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse, validate

from koc.graphql.schema import schema

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").rglob("*.graphql"))
CALLERS = {"member", "staff", "partner"}
OPERATION_START = re.compile(r"(query|mutation)\b|\{\s*[A-Za-z_]")


def readme_operations() -> list[str]:
    """The README's GraphQL: indented code blocks that start like an operation."""
    blocks = re.findall(r"(?:^|\n\n)((?:    .*\n?)+)", (ROOT / "README.md").read_text())
    texts = ["\n".join(line[4:] for line in block.splitlines()) for block in blocks]
    return [text for text in texts if OPERATION_START.match(text)]


def assert_valid(text: str, where: str) -> list[OperationDefinitionNode]:
    document = parse(text)
    errors = validate(schema._schema, document)
    assert not errors, f"{where}: " + "; ".join(e.message for e in errors)
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def test_there_are_examples_for_every_caller() -> None:
    assert {path.parent.name for path in EXAMPLES} == CALLERS


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT / "examples")))
def test_each_example_file_is_valid_and_its_operations_are_named(path: Path) -> None:
    operations = assert_valid(path.read_text(), str(path))
    # named, so a client can pick one (operationName) and register them as trusted documents
    assert operations and all(op.name for op in operations)


def test_every_graphql_operation_in_the_readme_is_valid() -> None:
    operations = readme_operations()
    assert len(operations) >= 7  # the extraction still finds them
    failures = []
    for text in operations:
        try:
            assert_valid(text, text.splitlines()[0])
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n".join(failures)
