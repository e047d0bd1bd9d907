"""Staff map each kind of notification to a WeChat subscribe template: the template id, the
page the message opens (a deep link with the notification's fields) and how the fields fill the
template's keys. A mapping is checked against WeChat's value rules when it is saved, with the
kind's sample values, so a mistake is a typed error then rather than a refused message later;
at send time values are cut to fit (``koc.notifications.values.fit``)."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.errors import DomainError, DomainErrors
from koc.notifications import values
from koc.notifications.errors import NotificationErrorCode as Code
from koc.notifications.kinds import SPECS, render
from koc.notifications.models import NotificationKind, TemplateMapping

TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# A page of this mini-program: a path (no scheme, no leading slash needed) and a query.
PAGE = re.compile(r"^/?[A-Za-z0-9_\-/.]+(\?[^\s]*)?$")
MAX_KEYS = 10


def placeholders(text: str) -> list[str]:
    """The ``{field}`` names of ``text``; raises ValueError on a malformed brace."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def _check_placeholders(
    text: str, kind: NotificationKind, field: str, problems: list[DomainError]
) -> bool:
    try:
        names = placeholders(text)
    except ValueError:
        problems.append(DomainError(Code.INVALID, "A { or } is not closed.", field))
        return False
    unknown = [n for n in names if n not in SPECS[kind].fields]
    if unknown:
        problems.append(
            DomainError(
                Code.UNKNOWN_FIELD,
                f"{kind.value} carries no field {unknown[0]!r}; it has "
                f"{', '.join(sorted(SPECS[kind].fields))}.",
                field,
            )
        )
        return False
    return True


def check_mapping(
    kind: NotificationKind, template_id: str, page: str, key_values: Sequence[tuple[str, str]]
) -> None:
    """Raise every problem of a mapping at once (``DomainErrors``), naming the input field."""
    problems: list[DomainError] = []
    if not TEMPLATE_ID.match(template_id):
        problems.append(
            DomainError(
                Code.INVALID, "A template id is 1 to 64 letters, digits, - or _.", "templateId"
            )
        )
    if page and (len(page) > 500 or not PAGE.match(page)):
        problems.append(
            DomainError(
                Code.INVALID,
                "The page is a path of the mini-program with an optional query, e.g. "
                "pages/badges/detail?id={badge_id}, at most 500 characters.",
                "page",
            )
        )
    elif page:
        _check_placeholders(page, kind, "page", problems)
    if not 1 <= len(key_values) <= MAX_KEYS:
        problems.append(
            DomainError(Code.INVALID, f"Give 1 to {MAX_KEYS} template keys.", "keyValues")
        )
    seen: set[str] = set()
    sample = SPECS[kind].fields
    for n, (key, value) in enumerate(key_values):
        at = f"keyValues.{n}"
        kind_of_key = values.key_type(key)
        if kind_of_key is None:
            problems.append(
                DomainError(
                    Code.UNKNOWN_KEY,
                    f"{key!r} is not a WeChat key: a type ({', '.join(sorted(values.RULES))}) "
                    "and a number, e.g. thing1.",
                    f"{at}.key",
                )
            )
            continue
        if key in seen:
            problems.append(DomainError(Code.INVALID, f"{key} is given twice.", f"{at}.key"))
        seen.add(key)
        if len(value) > 200:
            problems.append(
                DomainError(Code.INVALID, "A value is at most 200 characters.", f"{at}.value")
            )
            continue
        if not _check_placeholders(value, kind, f"{at}.value", problems):
            continue
        # Fields cut to fit at send time may run long here; anything else must obey the rule.
        filled = render(value, sample)
        cuttable = bool(placeholders(value)) and kind_of_key in values.CUTTABLE
        why = values.problem(kind_of_key, filled, check_length=not cuttable)
        if why:
            problems.append(
                DomainError(Code.VALUE_RULE, f"{key}: with sample values, {why}.", f"{at}.value")
            )
    if problems:
        raise DomainErrors(problems)


async def set_mapping(
    kind: NotificationKind,
    template_id: str,
    page: str,
    key_values: Sequence[tuple[str, str]],
    enabled: bool,
    *,
    actor: StaffViewer,
) -> TemplateMapping:
    """Create or replace the mapping of ``kind``; saving it clears a broken mark."""
    template_id, page = template_id.strip(), page.strip()
    key_values = [(k.strip(), v.strip()) for k, v in key_values]
    check_mapping(kind, template_id, page, key_values)
    now = datetime.now(UTC)
    stored = [{"key": k, "value": v} for k, v in key_values]
    async with in_transaction():
        mapping = await TemplateMapping.get_or_none(kind=kind).select_for_update()
        before = None
        if mapping is None:
            mapping = TemplateMapping(kind=kind)
        else:
            before = {"templateId": mapping.template_id, "page": mapping.page}
        mapping.template_id, mapping.page, mapping.key_values = template_id, page, stored
        mapping.enabled, mapping.broken_reason, mapping.broken_at = enabled, None, None
        mapping.updated_by_id, mapping.updated_at = actor.staff_id, now
        await mapping.save()
        await audit.record(
            actor,
            "notification_template.set",
            "TemplateMapping",
            mapping.id,
            before=before,
            after={"kind": kind.value, "templateId": template_id, "page": page, "enabled": enabled},
        )
    return mapping


async def mark_broken(mapping_id: int, reason: str) -> None:
    """WeChat refused the data of a message of this mapping: stop using it until staff fix it."""
    await TemplateMapping.filter(id=mapping_id).update(
        broken_reason=reason[:500], broken_at=datetime.now(UTC)
    )
