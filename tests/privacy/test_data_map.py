"""The data map (koc/privacy/catalog.py) knows every table that holds a member's data."""

from __future__ import annotations

from typing import Any

from koc.privacy.catalog import CATALOG, Erase
from tests.privacy.datamap import member_tables


async def test_every_member_table_is_in_the_data_map(app: Any) -> None:
    # given every model of every app with a foreign key to Member or a member id column
    found = member_tables()
    assert {"member", "order", "referral_report_day", "survey_response"} <= found.keys()
    # then each one says what export and erasure do with it
    mapped = {table.model for table in CATALOG}
    missing = sorted(name for name, model in found.items() if model not in mapped)
    assert missing == [], f"add these member tables to koc/privacy/catalog.py: {missing}"


def test_what_erasure_blanks_exists_and_what_it_keeps_says_why() -> None:
    for table in CATALOG:
        columns = table.model._meta.fields_db_projection
        assert all(column in columns for column, _ in table.scrub), table.name
        assert bool(table.scrub) == (table.erase is Erase.SCRUB), table.name
        assert all(c in columns for c in table.columns), table.name
        if not table.export:
            assert table.note, f"{table.name}: say why it is not exported"
