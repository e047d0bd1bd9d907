"""Who something is for (a survey, a privilege, a campaign): a rule of koc.segments' rule
language or a saved segment, one audience language for every feature. What ``everyone`` (neither
given) means is the feature's: every member for a survey or a campaign, staff grants only for a
privilege.

Segments sits above the features that take an audience (its rules read survey answers and KOC
profiles), so those features cannot import it. koc.wiring hands its implementation down at
start-up (``use_language``), the way member filters get their rule compiler.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tortoise.expressions import Case, F, Q, When

from koc.db import table_of
from koc.members.models import Member
from koc.rows import fetch_by_keys


@dataclass(frozen=True)
class Audience:
    """A rule (its JSON form) or a saved segment's id; neither means every member."""

    rule: dict[str, Any] | None = None
    segment_id: int | None = None

    @property
    def everyone(self) -> bool:
        return self.rule is None and self.segment_id is None


class Language(Protocol):
    """What koc.segments provides."""

    def condition(self, rule: dict[str, Any], at: datetime) -> Q:
        """The condition on members a (checked) rule states at ``at``."""
        ...

    async def segment_rules(self, segment_ids: Collection[int]) -> dict[int, dict[str, Any]]:
        """The rules of the saved segments, by id (one statement)."""
        ...

    def facts_read(self, rule: dict[str, Any]) -> set[str]:
        """The kinds of member facts a (checked) rule reads (``tags``, ``stage``, ...)."""
        ...

    async def check(self, rule: dict[str, Any] | None, segment_id: int | None, path: str) -> None:
        """Raise a DomainError naming the field at fault (the path inside the rule, or
        ``<path>.segmentId``) unless exactly one of them is given and valid."""
        ...


_language: list[Language] = []


def use_language(language: Language) -> None:
    """Install the audience language (koc.wiring.connect_all does it)."""
    _language[:] = [language]


def _installed() -> Language:
    if not _language:
        raise RuntimeError("an audience rule needs koc.wiring.connect_all()")
    return _language[0]


def rule_condition(rule: dict[str, Any], at: datetime) -> Q:
    """The condition on members a rule states at ``at``."""
    return _installed().condition(rule, at)


async def check(audience: Audience, path: str = "audience") -> None:
    """Refuse an audience whose rule is malformed or names what does not exist, or whose saved
    segment does not exist, with segments' typed codes (INVALID_RULE, NOT_FOUND, INVALID) at
    the field inside ``path``. Every member (neither given) is always valid."""
    if not audience.everyone:
        await _installed().check(audience.rule, audience.segment_id, path)


async def _rules(audiences: Sequence[Audience]) -> list[dict[str, Any] | None]:
    """Each audience's rule (a saved segment's as it is now; None: everyone, or a deleted
    segment, told apart by the caller): at most one statement."""
    wanted = {a.segment_id for a in audiences if a.segment_id is not None}
    rules = await _installed().segment_rules(wanted) if wanted else {}
    return [a.rule if a.segment_id is None else rules.get(a.segment_id) for a in audiences]


async def facts_read(audiences: Sequence[Audience]) -> list[set[str]]:
    """The kinds of member facts each audience reads (empty for everyone): a change of another
    kind cannot change who it holds. At most one statement."""
    language = _installed()
    return [set() if r is None else language.facts_read(r) for r in await _rules(audiences)]


async def conditions(audiences: Sequence[Audience], at: datetime) -> list[Q | None]:
    """The condition on members each audience states at ``at`` (None: every member), a saved
    segment's rule as it is now: at most one statement whatever the number of audiences."""
    found: list[Q | None] = []
    for a, rule in zip(audiences, await _rules(audiences), strict=True):
        if a.segment_id is not None and rule is None:
            found.append(Q(id__in=[]))  # a deleted segment holds nobody
        else:
            found.append(None if rule is None else rule_condition(rule, at))
    return found


async def holders(
    member_ids: Sequence[int], keyed: Sequence[tuple[int, Q | None]], *, known: bool = False
) -> dict[int, set[int]]:
    """Per member, the keys (a survey's, a campaign's id) whose condition holds them (None:
    every member; an empty set for a member held by none, or unknown): one statement whatever
    the number of keys and members. ``known``: the caller has just read these members (a
    request's viewer, checked when it was authenticated, or rows it loaded), so when every
    key is for every member no statement is needed to tell that they exist."""
    found: dict[int, set[int]] = {m: set() for m in member_ids}
    if not found or not keyed:
        return found
    everyone = [key for key, condition in keyed if condition is None]
    if len(everyone) == len(keyed):
        if known:
            for keys in found.values():
                keys.update(everyone)
            return found
        # Every key is for every member (the usual survey): which of them exist, by a fixed
        # statement rather than one the ORM builds on every call.
        table, _ = table_of(Member)
        for (member_id,) in await fetch_by_keys(
            f'SELECT "id" FROM "{table}" WHERE "id" IN ({{keys}})', list(found)
        ):
            found[member_id].update(everyone)
        return found
    # the member's own id when held, NULL when not (a constant would be a parameter PostgreSQL
    # cannot type)
    held = {
        f"held_{key}": Case(When(condition, then=F("id")))
        for key, condition in keyed
        if condition is not None
    }
    for row in await Member.filter(id__in=list(found)).annotate(**held).values("id", *held):
        found[row["id"]].update(everyone)
        found[row["id"]].update(int(k[5:]) for k in held if row[k] is not None)
    return found
