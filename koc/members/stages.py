"""Lifecycle stage pipelines (用户分层) and the pure rules for automatic transitions."""

from __future__ import annotations

from dataclasses import dataclass

from koc.members.models import StageAutoRule


@dataclass(frozen=True)
class StageSpec:
    code: str
    name: str
    auto_rule: StageAutoRule | None = None
    description: str = ""


TEMPLATES: dict[str, list[StageSpec]] = {
    "retail": [
        StageSpec("STRANGER", "Stranger", None, "Known only by a WeChat identity."),
        StageSpec(
            "POTENTIAL", "Potential", None, "Has shown interest: followed, read, registered."
        ),
        StageSpec("INTENT", "Intent", None, "Asked for a quote, a trial or a consultation."),
        StageSpec("CUSTOMER", "Customer", StageAutoRule.FIRST_ORDER, "Has bought once."),
        StageSpec(
            "REPEAT", "Repeat buyer", StageAutoRule.REPEAT_ORDER, "Has bought twice or more."
        ),
        StageSpec("SUPER_USER", "Super user / KOC", StageAutoRule.KOC, "An active KOC."),
    ],
    "automotive": [
        StageSpec("CONSULTING", "Consulting", None, "Asked about a model."),
        StageSpec("TEST_DRIVE", "Test drive", None, "Booked or took a test drive."),
        StageSpec("DEPOSIT", "Deposit paid", None, "Paid a deposit."),
        StageSpec("OWNER", "Owner", StageAutoRule.FIRST_ORDER, "Took delivery of a car."),
        StageSpec("KOC", "KOC", StageAutoRule.KOC, "An active KOC."),
    ],
}


def auto_rule_for_order_count(order_count: int) -> StageAutoRule | None:
    """Which automatic stage an order count reaches: the first order, then a repeat."""
    if order_count >= 2:
        return StageAutoRule.REPEAT_ORDER
    if order_count == 1:
        return StageAutoRule.FIRST_ORDER
    return None


def should_advance(current_position: int | None, target_position: int) -> bool:
    """Automatic moves only go forward: an order never demotes a KOC to customer."""
    return current_position is None or current_position < target_position
