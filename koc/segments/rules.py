"""The rule language, pure: a tree of all / any / not over member facts, parsed from its JSON
form (what the API sends and what a segment stores) and checked with the path of every problem
inside the tree (``rule.any[2].events.withinDays``). Compiling it to SQL is
``koc.segments.compile``'s job; this module touches no database, so every shape rule has a unit
test without one.

The JSON form mirrors the GraphQL input ``SegmentRuleInput`` (camelCase keys, one branch set per
node); IDs are the database ids (the adapter decodes the global IDs).

About 510 lines on purpose: one parser per fact kind, side by side, so the whole language and
its error paths read in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from koc.errors import DomainError, DomainErrors
from koc.segments.errors import SegmentErrorCode

MAX_NODES = 100  # facts and connectives in one rule
MAX_DEPTH = 8
MAX_VALUES = 100  # values in one list (tags, codes, categories)
MAX_DAYS = 3650
MAX_COUNT = 10_000
TEXT = 64
CODE = 32  # stage codes and KOC roles

EVENT_KINDS = (
    "TEST_DRIVE",
    "EVENT_ATTENDED",
    "CONTENT_POSTED",
    "ARTICLE_READ",
    "DEPOSIT_PAID",
    "STORE_VISIT",
    "COMPLAINT",
)
KOC_STATUSES = ("CANDIDATE", "ACTIVE", "PAUSED", "RETIRED")


@dataclass(frozen=True)
class Window:
    """A time range: the last ``within_days`` days before evaluation, and/or [start, end)."""

    within_days: int | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class All:
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class AnyOf:
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Not:
    rule: Rule


@dataclass(frozen=True)
class Tags:
    all: tuple[int, ...] = ()
    any: tuple[int, ...] = ()
    none: tuple[int, ...] = ()


@dataclass(frozen=True)
class Stage:
    codes: tuple[str, ...] = ()
    at_least: str | None = None


@dataclass(frozen=True)
class Koc:
    statuses: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Badges:
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()


@dataclass(frozen=True)
class Orders:
    count_at_least: int = 1
    amount_at_least_cents: int | None = None
    categories: tuple[str, ...] = ()
    window: Window = field(default_factory=Window)


@dataclass(frozen=True)
class Events:
    kind: str
    count_at_least: int = 1
    window: Window = field(default_factory=Window)
    payload_key: str | None = None
    payload_value: str | None = None


@dataclass(frozen=True)
class Referrals:
    converted_at_least: int = 1
    window: Window = field(default_factory=Window)


@dataclass(frozen=True)
class Survey:
    option_ids: tuple[int, ...]


@dataclass(frozen=True)
class Advisor:
    """The member's owner advisor is one of ``ids``, or (``unassigned``) they have none."""

    ids: tuple[int, ...] = ()
    unassigned: bool = False


@dataclass(frozen=True)
class Text:
    """A member column equal to one of the values (region, source channel)."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Time:
    """A member time column inside a window (created, last active)."""

    column: str
    window: Window


Rule = All | AnyOf | Not | Tags | Stage | Koc | Badges | Orders | Events | Referrals | Survey
Rule = Rule | Advisor | Text | Time  # type: ignore[misc]

CONNECTIVES = ("all", "any", "not")
FACTS = (
    "tags",
    "stage",
    "koc",
    "badges",
    "orders",
    "events",
    "referrals",
    "survey",
    "advisor",
    "region",
    "sourceChannel",
    "created",
    "lastActive",
)


class _Problems:
    """Problems found so far, each a DomainError naming its path."""

    def __init__(self) -> None:
        self.found: list[DomainError] = []
        self.nodes = 0

    def add(self, path: str, message: str) -> None:
        self.found.append(DomainError(SegmentErrorCode.INVALID_RULE, message, path))


def parse_rule(data: Any, path: str = "rule") -> Rule:
    """The rule tree of ``data`` (its JSON form). Raises ``DomainErrors`` with every problem,
    each naming its path inside the tree."""
    problems = _Problems()
    rule = _node(data, path, 1, problems)
    if problems.nodes > MAX_NODES:
        problems.add(path, f"A rule has at most {MAX_NODES} conditions and connectives.")
    if problems.found or rule is None:
        raise DomainErrors(problems.found or [DomainError(SegmentErrorCode.INVALID_RULE, "", path)])
    return rule


def _node(data: Any, path: str, depth: int, p: _Problems) -> Rule | None:
    p.nodes += 1
    if not isinstance(data, Mapping):
        p.add(path, "A rule is an object with one of: " + ", ".join(CONNECTIVES + FACTS) + ".")
        return None
    given = [k for k, v in data.items() if v is not None]
    unknown = [k for k in given if k not in CONNECTIVES + FACTS]
    if unknown:
        p.add(f"{path}.{unknown[0]}", f"{unknown[0]!r} is not a rule kind.")
        return None
    if len(given) != 1:
        p.add(path, f"Set exactly one of the rule's fields; {len(given)} are set.")
        return None
    key = given[0]
    value = data[key]
    at = f"{path}.{key}"
    if key in ("all", "any"):
        if depth >= MAX_DEPTH:
            p.add(at, f"Rules nest at most {MAX_DEPTH} levels deep.")
            return None
        if not isinstance(value, list) or not value:
            p.add(at, "Give at least one rule.")
            return None
        children = [_node(child, f"{at}[{i}]", depth + 1, p) for i, child in enumerate(value)]
        rules = tuple(c for c in children if c is not None)
        return All(rules) if key == "all" else AnyOf(rules)
    if key == "not":
        if depth >= MAX_DEPTH:
            p.add(at, f"Rules nest at most {MAX_DEPTH} levels deep.")
            return None
        child = _node(value, at, depth + 1, p)
        return Not(child) if child is not None else None
    if not isinstance(value, Mapping):
        p.add(at, "A condition is an object.")
        return None
    return _FACT_PARSERS[key](_Reader(value, at, p))


class _Reader:
    """Reads the fields of one fact, recording each problem under the field's path."""

    def __init__(self, data: Mapping[str, Any], path: str, problems: _Problems) -> None:
        self.data, self.path, self.p = data, path, problems
        self.ok = True

    def fail(self, name: str | None, message: str) -> None:
        self.ok = False
        self.p.add(f"{self.path}.{name}" if name else self.path, message)

    def ints(self, name: str) -> tuple[int, ...]:
        values = self.data.get(name) or []
        if not isinstance(values, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values
        ):
            self.fail(name, "A list of IDs.")
            return ()
        if len(values) > MAX_VALUES:
            self.fail(name, f"At most {MAX_VALUES} values.")
        return tuple(dict.fromkeys(values))

    def texts(self, name: str, allowed: tuple[str, ...] = (), limit: int = TEXT) -> tuple[str, ...]:
        values = self.data.get(name) or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self.fail(name, "A list of strings.")
            return ()
        if len(values) > MAX_VALUES:
            self.fail(name, f"At most {MAX_VALUES} values.")
        for v in values:
            if not 1 <= len(v.strip()) <= limit:
                self.fail(name, f"Values are 1-{limit} characters.")
                break
            if allowed and v not in allowed:
                self.fail(name, f"{v!r} is not one of {', '.join(allowed)}.")
                break
        return tuple(dict.fromkeys(v.strip() for v in values))

    def text(self, name: str, allowed: tuple[str, ...] = (), limit: int = TEXT) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not 1 <= len(value.strip()) <= limit:
            self.fail(name, f"A text of 1-{limit} characters.")
            return None
        if allowed and value not in allowed:
            self.fail(name, f"{value!r} is not one of {', '.join(allowed)}.")
        return value.strip()

    def count(self, name: str, default: int | None, low: int = 1, high: int = MAX_COUNT) -> Any:
        value = self.data.get(name)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(name, f"A whole number from {low} to {high}.")
            return default
        return value

    def window(self) -> Window:
        days = self.count("withinDays", None, 1, MAX_DAYS)
        start, end = self.time("from"), self.time("to")
        if start and end and start >= end:
            self.fail("to", "'to' must be after 'from'.")
        return Window(days, start, end)

    def time(self, name: str) -> datetime | None:
        value = self.data.get(name)
        if value is None:
            return None
        try:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(name, "An ISO 8601 date and time.")
            return None
        if moment.tzinfo is None:
            self.fail(name, "Give a time zone (UTC: ...Z).")
            return None
        return moment

    def unknown(self, known: tuple[str, ...]) -> None:
        for key, value in self.data.items():
            if value is not None and key not in known:
                self.fail(key, f"{key!r} is not a field of this condition.")

    def done(self, rule: Rule) -> Rule | None:
        return rule if self.ok else None


def _tags(r: _Reader) -> Rule | None:
    r.unknown(("all", "any", "none"))
    rule = Tags(r.ints("all"), r.ints("any"), r.ints("none"))
    if r.ok and not (rule.all or rule.any or rule.none):
        r.fail(None, "Give tags in all, any or none.")
    return r.done(rule)


def _stage(r: _Reader) -> Rule | None:
    r.unknown(("in", "atLeast"))
    rule = Stage(r.texts("in", limit=CODE), r.text("atLeast", limit=CODE))
    if r.ok and not rule.codes and rule.at_least is None:
        r.fail(None, "Give stage codes in 'in' or a stage in 'atLeast'.")
    return r.done(rule)


def _koc(r: _Reader) -> Rule | None:
    r.unknown(("statuses", "roles"))
    rule = Koc(r.texts("statuses", KOC_STATUSES), r.texts("roles", limit=CODE))
    if r.ok and not (rule.statuses or rule.roles):
        r.fail(None, "Give KOC statuses or roles.")
    return r.done(rule)


def _badges(r: _Reader) -> Rule | None:
    r.unknown(("all", "any"))
    rule = Badges(r.texts("all"), r.texts("any"))
    if r.ok and not (rule.all or rule.any):
        r.fail(None, "Give badge codes in all or any.")
    return r.done(rule)


def _orders(r: _Reader) -> Rule | None:
    r.unknown(("countAtLeast", "amountAtLeastCents", "categories", "withinDays", "from", "to"))
    amount = r.count("amountAtLeastCents", None, 1, 10**15)
    return r.done(Orders(r.count("countAtLeast", 1), amount, r.texts("categories"), r.window()))


def _events(r: _Reader) -> Rule | None:
    r.unknown(("kind", "countAtLeast", "withinDays", "from", "to", "payloadKey", "payloadValue"))
    kind = r.text("kind", EVENT_KINDS)
    if kind is None and r.ok:
        r.fail("kind", "Give the kind of event.")
    key, value = r.text("payloadKey"), r.text("payloadValue")
    if (key is None) != (value is None):
        r.fail(
            "payloadValue" if key else "payloadKey", "Give payloadKey and payloadValue together."
        )
    if key is not None and not key.replace("_", "").isalnum():
        r.fail("payloadKey", "A payload key is letters, digits and underscores.")
    rule = Events(kind or "", r.count("countAtLeast", 1), r.window(), key, value)
    return r.done(rule)


def _referrals(r: _Reader) -> Rule | None:
    r.unknown(("convertedAtLeast", "withinDays", "from", "to"))
    return r.done(Referrals(r.count("convertedAtLeast", 1), r.window()))


def _survey(r: _Reader) -> Rule | None:
    r.unknown(("optionIds",))
    rule = Survey(r.ints("optionIds"))
    if r.ok and not rule.option_ids:
        r.fail("optionIds", "Give at least one survey option.")
    return r.done(rule)


def _advisor(r: _Reader) -> Rule | None:
    r.unknown(("ids", "unassigned"))
    ids = r.ints("ids")
    unassigned = r.data.get("unassigned")
    if unassigned is not None and not isinstance(unassigned, bool):
        r.fail("unassigned", "true or false.")
    elif r.ok and bool(ids) == bool(unassigned):
        r.fail(None, "Give advisor ids or unassigned: true, one of them.")
    return r.done(Advisor(ids, bool(unassigned)))


def _text(column: str) -> Callable[[_Reader], Rule | None]:
    def parse(r: _Reader) -> Rule | None:
        r.unknown(("in",))
        rule = Text(column, r.texts("in"))
        if r.ok and not rule.values:
            r.fail("in", "Give at least one value.")
        return r.done(rule)

    return parse


def _time(column: str) -> Callable[[_Reader], Rule | None]:
    def parse(r: _Reader) -> Rule | None:
        r.unknown(("withinDays", "from", "to"))
        window = r.window()
        if r.ok and window == Window():
            r.fail(None, "Give withinDays, from or to.")
        return r.done(Time(column, window))

    return parse


_FACT_PARSERS: dict[str, Callable[[_Reader], Rule | None]] = {
    "tags": _tags,
    "stage": _stage,
    "koc": _koc,
    "badges": _badges,
    "orders": _orders,
    "events": _events,
    "referrals": _referrals,
    "survey": _survey,
    "advisor": _advisor,
    "region": _text("region"),
    "sourceChannel": _text("source_channel"),
    "created": _time("created_at"),
    "lastActive": _time("last_active_at"),
}


def walk(rule: Rule) -> Iterator[Rule]:
    """Every node of the tree, the root first."""
    yield rule
    if isinstance(rule, All | AnyOf):
        for child in rule.rules:
            yield from walk(child)
    elif isinstance(rule, Not):
        yield from walk(rule.rule)


def tags_read(rule: Rule) -> set[int]:
    """The tags the rule reads (a tag rule that sets one of them would trigger itself)."""
    return {
        t for node in walk(rule) if isinstance(node, Tags) for t in node.all + node.any + node.none
    }


# Which member facts a rule reads, by the name the reacting handlers use.
_READS = {
    Tags: "tags",
    Stage: "stage",
    Koc: "koc",
    Badges: "badges",
    Orders: "orders",
    Events: "events",
    Referrals: "referrals",
    Survey: "survey",
    Advisor: "profile",  # the owner is a member column; a change is caught by the recompute
    Text: "profile",
    Time: "profile",
}


def facts_read(rule: Rule) -> set[str]:
    """The kinds of member facts the rule reads: a change of another kind cannot change it."""
    return {_READS[type(node)] for node in walk(rule) if type(node) in _READS}


def has_relative_window(rule: Rule) -> bool:
    """Whether time alone changes who matches (``withinDays``): only a periodic recompute
    catches a member who ages out of the window."""
    return any(getattr(getattr(node, "window", None), "within_days", None) for node in walk(rule))


# (fact, field) -> the kind of thing its values name, checked against the database.
_REFERENCES = {
    ("tags", "all"): "tag",
    ("tags", "any"): "tag",
    ("tags", "none"): "tag",
    ("stage", "in"): "stage",
    ("stage", "atLeast"): "stage",
    ("badges", "all"): "badge",
    ("badges", "any"): "badge",
    ("survey", "optionIds"): "option",
    ("advisor", "ids"): "advisor",
}


def references(data: Any, path: str = "rule") -> list[tuple[str, Any, str]]:
    """Every tag, stage, badge and survey option a (valid) rule names, as (kind, value, path of
    the field naming it), so a missing one is reported where it was written."""
    found: list[tuple[str, Any, str]] = []
    for key, value in data.items():
        if value is None:
            continue
        at = f"{path}.{key}"
        if key in ("all", "any"):
            for i, child in enumerate(value):
                found += references(child, f"{at}[{i}]")
        elif key == "not":
            found += references(value, at)
        else:
            for name, given in value.items():
                kind = _REFERENCES.get((key, name))
                if kind is None or given is None:
                    continue
                for v in given if isinstance(given, list) else [given]:
                    found.append((kind, v, f"{at}.{name}"))
    return found
