"""koc/wiring.py is the one place handlers are connected, in an order this test pins."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from koc.events import Event, Subscription, installed, publish, publish_many
from koc.events.bus import install
from koc.wiring import SUBSCRIPTIONS, connect_all

KOC = Path(__file__).resolve().parents[1] / "koc"

# (event, handler, batch): change this list only with the reason in koc/wiring.py.
EXPECTED = [
    ("OrderRecorded", "koc.badges.handlers.on_orders_recorded", True),
    ("OrderRecorded", "koc.referrals.handlers.on_orders_recorded", True),
    ("OrderRecorded", "koc.referrals.rollup.on_orders_recorded", True),
    ("OrderRecorded", "koc.creators.signals.on_orders_recorded", True),
    ("OrderRecorded", "koc.segments.handlers.on_orders_recorded", True),
    ("OrderRefunded", "koc.referrals.handlers.on_order_refunded", False),
    ("OrderRefunded", "koc.referrals.rollup.on_order_refunded", False),
    ("OrderRefunded", "koc.creators.signals.on_order_refunded", False),
    ("OrderRefunded", "koc.segments.handlers.on_order_refunded", False),
    ("MemberEventRecorded", "koc.badges.handlers.on_member_event_recorded", False),
    ("MemberEventRecorded", "koc.referrals.handlers.on_member_event_recorded", False),
    ("MemberEventRecorded", "koc.creators.signals.on_member_event_recorded", False),
    ("MemberEventRecorded", "koc.segments.handlers.on_member_events_recorded", True),
    ("MemberLoggedIn", "koc.badges.handlers.on_member_logged_in", False),
    ("MemberLoggedIn", "koc.creators.signals.on_member_logged_in", False),
    ("MemberLoggedIn", "koc.livecodes.handlers.on_member_logged_in", False),
    ("MemberLoggedIn", "koc.advisory.handlers.on_member_logged_in", False),
    ("MemberMerged", "koc.badges.handlers.on_member_merged", False),
    ("MemberMerged", "koc.privacy.access.on_member_merged", False),
    ("MemberMerged", "koc.privileges.handlers.on_member_merged", False),
    ("MemberMerged", "koc.referrals.handlers.on_member_merged", False),
    ("MemberMerged", "koc.referrals.rollup.on_member_merged", False),
    ("MemberMerged", "koc.surveys.services.on_member_merged", False),
    ("MemberMerged", "koc.creators.services.on_member_merged", False),
    ("MemberMerged", "koc.advisory.handlers.on_member_merged", False),
    ("MemberStageChanged", "koc.segments.handlers.on_stages_changed", True),
    ("MemberTagsChanged", "koc.segments.handlers.on_tags_changed", False),
    ("MemberBadgesChanged", "koc.segments.handlers.on_badges_changed", False),
    ("MemberBadgesChanged", "koc.notifications.handlers.on_badges_changed", False),
    ("ConsentChanged", "koc.creators.signals.on_consent_changed", False),
    ("KocStatusChanged", "koc.badges.handlers.on_koc_status_changed", False),
    ("KocStatusChanged", "koc.referrals.handlers.on_koc_status_changed", False),
    ("KocStatusChanged", "koc.surveys.services.on_koc_status_changed", False),
    ("KocStatusChanged", "koc.segments.handlers.on_koc_status_changed", False),
    ("KocStatusChanged", "koc.notifications.handlers.on_koc_status_changed", False),
    ("KocApplicationReviewed", "koc.notifications.handlers.on_koc_application_reviewed", False),
    ("CampaignSubmissionReviewed", "koc.badges.handlers.on_submission_reviewed", False),
    ("ReferralConverted", "koc.badges.handlers.on_referrals_converted", True),
    ("ReferralConverted", "koc.referrals.rollup.on_referrals_converted", True),
    ("ReferralConverted", "koc.creators.signals.on_referrals_converted", True),
    ("ReferralConverted", "koc.segments.handlers.on_referrals_converted", True),
    ("ReferralReversed", "koc.badges.handlers.on_referral_reversed", False),
    ("ReferralReversed", "koc.referrals.rollup.on_referral_reversed", False),
    ("ReferralReversed", "koc.creators.signals.on_referral_reversed", False),
    ("ReferralReversed", "koc.segments.handlers.on_referral_reversed", False),
    ("ReferralReattributed", "koc.referrals.rollup.on_referral_reattributed", False),
    ("ReferralBound", "koc.advisory.handlers.on_referral_bound", False),
    ("ReferralRewardsChanged", "koc.notifications.handlers.on_referral_rewards_changed", False),
    ("PrivilegeGranted", "koc.notifications.handlers.on_privileges_granted", True),
    ("SurveyResponded", "koc.creators.signals.on_survey_responded", False),
    ("FollowUpRecorded", "koc.creators.signals.on_follow_up_recorded", False),
    ("SurveyResponded", "koc.segments.handlers.on_survey_responded", False),
    *(
        (event, "koc.webhooks.dispatch.on_public_events", True)
        for event in (
            "OrderRecorded",
            "OrderRefunded",
            "MemberEventRecorded",
            "MemberStageChanged",
            "KocStatusChanged",
            "ReferralConverted",
            "ReferralReversed",
            "SurveyResponded",
            "MemberErased",
            "RewardIssued",
            "RewardClawedBack",
            "BadgeAwarded",
            "PrivilegeGranted",
            "PrivilegeRedeemed",
            "LiveCodeTargetsLow",
            "LiveCodeTargetExpiring",
            "FollowUpDue",
        )
    ),
]


def test_the_wiring_connects_every_handler_in_the_pinned_order():
    # given the wiring installed (as create_app, the CLI and the scripts do)
    connect_all()
    connect_all()  # twice: nothing is connected twice
    # when the handlers in force are listed, then they are the pinned ones, in order
    assert [(s.event.__name__, s.name, s.batch) for s in installed()] == EXPECTED


def test_no_module_but_the_wiring_connects_a_handler():
    # given koc's source
    found = []
    for path in sorted(KOC.rglob("*.py")):
        module = ".".join(path.relative_to(KOC.parent).with_suffix("").parts)
        if module in ("koc.wiring", "koc.events.bus"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            # when a module installs handlers or builds a subscription, it is reported
            if (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("koc.events")
                and any(a.name in ("bus", "install") for a in node.names)
            ):
                found.append(f"{module}:{node.lineno} imports the bus's install")
            if isinstance(node, ast.Import) and any(a.name == "koc.events.bus" for a in node.names):
                found.append(f"{module}:{node.lineno} imports the bus")
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("Subscription"):
                found.append(f"{module}:{node.lineno} builds a Subscription")
    # then nothing is found: koc/wiring.py is the one place
    assert not found, found


def test_importing_every_module_connects_nothing():
    # given a fresh process that imports every module of koc, the wiring and the app included
    script = """
import importlib, pkgutil, koc
from koc.events import installed
for m in pkgutil.walk_packages(koc.__path__, "koc."):
    if m.name not in ("koc.tracing",):  # needs the optional tracing extra
        importlib.import_module(m.name)
print(len(installed()))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    # then no handler is connected until connect_all() runs
    assert out.stdout.strip() == "0"


@dataclass(frozen=True, slots=True)
class Pinged(Event):
    n: int


@dataclass(frozen=True, slots=True)
class Ponged(Event):
    n: int


async def test_a_batch_reaches_a_batch_handler_once_and_a_plain_one_per_event():
    seen: list[tuple[str, object]] = []

    async def plain(e: Pinged) -> None:
        seen.append(("plain", e.n))

    async def batch(events: list[Pinged]) -> None:
        seen.append(("batch", [e.n for e in events]))

    async def other(e: Ponged) -> None:
        seen.append(("pong", e.n))

    install([Subscription(Pinged, plain), Subscription(Pinged, batch, batch=True)])
    install([*installed(), Subscription(Ponged, other)])
    try:
        await publish_many([Pinged(1), Ponged(9), Pinged(2)])
        await publish(Pinged(3))
        await publish_many([])
    finally:
        connect_all()
    assert seen == [
        ("plain", 1),
        ("plain", 2),
        ("batch", [1, 2]),
        ("pong", 9),
        ("plain", 3),
        ("batch", [3]),
    ]


def test_publishing_before_the_wiring_is_an_error():
    # given a fresh process that imports a publishing service but never wires
    script = """
import asyncio
from koc.events import OrderRecorded, publish, NotWired
try:
    asyncio.run(publish(OrderRecorded(order=None, member=None)))
except NotWired as e:
    print("refused:", e)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    # then publishing is refused, rather than recording an order no feature reacted to
    assert out.stdout.startswith("refused: koc.wiring.connect_all()")


def test_every_handler_of_the_wiring_is_an_async_function_of_a_feature():
    for sub in SUBSCRIPTIONS:
        assert sub.name.startswith("koc."), sub.name
        assert issubclass(sub.event, Event)
