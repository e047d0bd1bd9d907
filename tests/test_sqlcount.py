"""The statement counter sees what the API runs, so query-count assertions can fail."""

from tests.sqlcount import count_statements


async def test_counter_sees_each_statement(app):
    from koc.members.models import Member

    with count_statements() as counter:
        await Member.create(nickname="a")
        await Member.filter(nickname="a").count()
    assert counter.count == 2, counter.statements
    assert "member" in counter.statements[0].lower()
