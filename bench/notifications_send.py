"""Benchmark: a survey invitation to a large segment, end to end, on SQLite.

    python bench/notifications_send.py --members 100000

Seeds a fresh SQLite database: N members who signed in to the mini-program (an openid each),
granted MARKETING consent and accepted the survey template once; one open survey meant for all
of them, mapped to a subscribe template. Then times the two halves of an invitation:

- invite: ``triggers.survey_invitations`` (the audience check, consent, an inbox entry and a
  queued subscribe message per member), in one transaction as ``surveyInvitationSend`` runs it;
- deliver: one worker (this process, the same code as ``koc notifications deliver``) sending
  every queued message through the real WeChat client to the local fake WeChat server, each
  message checked and its grant taken, sent, and its answer recorded.

Reports messages per second for each (``deliver`` is the figure per worker). Rerunnable: the
database is recreated each run. Quiet hours are off for the run, so the time of day does not
matter.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise import Tortoise  # noqa: E402
from tortoise.transactions import in_transaction  # noqa: E402

from bench.sqlite_rows import insert, ts  # noqa: E402
from koc.auth.models import StaffRole, StaffUser  # noqa: E402
from koc.auth.viewer import StaffViewer  # noqa: E402
from koc.auth.wechat import WeChatClient  # noqa: E402
from koc.cli import migrate_database  # noqa: E402
from koc.db import tortoise_config  # noqa: E402
from koc.devtools.wechat import WeChatServer  # noqa: E402
from koc.members.models import Member  # noqa: E402
from koc.notifications import triggers  # noqa: E402
from koc.notifications.delivery import DeliveryPolicy, deliver_due  # noqa: E402
from koc.notifications.models import (  # noqa: E402
    MessageState,
    NotificationKind,
    TemplateMapping,
)
from koc.settings import Settings  # noqa: E402
from koc.surveys import rules, services  # noqa: E402
from koc.surveys.models import QuestionKind, SurveyPurpose  # noqa: E402
from koc.tasks import register_all  # noqa: E402

APPID, SECRET, TEMPLATE = "wx-bench", "wx-bench-secret", "tpl-survey-bench"


async def seed(n: int) -> int:
    """The members, their consent, openids and grants, the mapping and the survey."""
    staff = await StaffUser.create(
        username="bench", password_hash="!unusable", role=StaffRole.ADMIN
    )
    actor = StaffViewer(staff_id=staff.id, username=staff.username, role=staff.role)
    spec = rules.SurveySpec(
        title="充电桩需求调研",
        purpose=SurveyPurpose.CATEGORY_EXPANSION,
        questions=[
            rules.QuestionSpec(
                "charger",
                QuestionKind.SINGLE_CHOICE,
                "Do you need a home charger?",
                True,
                [rules.OptionSpec("yes", "Yes"), rules.OptionSpec("no", "No")],
            )
        ],
    )
    survey = await services.create_survey(spec, actor=actor)
    await services.publish_survey(survey.id, actor=actor)
    now = ts(datetime.now(UTC))
    await TemplateMapping.create(
        kind=NotificationKind.SURVEY_INVITATION,
        template_id=TEMPLATE,
        page="pages/surveys/answer?id={survey_id}",
        key_values=[{"key": "thing1", "value": "{survey_title}"}],
        updated_at=datetime.now(UTC),
    )
    async with in_transaction():
        await Member.bulk_create([Member(nickname=f"m{i}") for i in range(n)], batch_size=5000)
        ids = list(await Member.all().order_by("id").values_list("id", flat=True))
        await insert(
            "member_identity",
            ("member_id", "appid", "openid", "created_at"),
            [(m, APPID, f"o-bench-{m}", now) for m in ids],
        )
        await insert(
            "privacy_policy",
            ("version", "url", "summary", "reconsent_required", "published_at"),
            [("bench", "https://brand.example/privacy", "", False, now)],
        )
        await insert(
            "privacy_consent_decision",
            ("member_id", "purpose", "granted", "policy_id", "channel", "decided_at"),
            [(m, "MARKETING", True, 1, "MINI_PROGRAM", now) for m in ids],
        )
        await insert(
            "notify_grant",
            (
                "member_id",
                "template_id",
                "available",
                "accepted_total",
                "last_result",
                "updated_at",
            ),
            [(m, TEMPLATE, 1, 1, "ACCEPT", now) for m in ids],
        )
    return survey.id


def _serve_wechat(ready: multiprocessing.Queue[str], stop: Any) -> None:
    server = WeChatServer(APPID, SECRET).start()
    ready.put(server.base_url)
    stop.wait()
    ready.put(str(len(server.state.subscribe_messages)))
    server.stop()


def fresh_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def main(n: int, path: Path) -> dict[str, int | float]:
    url = f"sqlite://{path}"
    settings = Settings(database_url=url, wechat_appid=APPID, wechat_secret=SECRET)
    await migrate_database(settings)
    await Tortoise.init(config=tortoise_config(url))
    register_all()  # inviting enqueues the delivery task, as the API does
    # The fake WeChat runs in a process of its own, as WeChat would: its threads must not take
    # the worker's interpreter lock.
    ready: multiprocessing.Queue[str] = multiprocessing.Queue()
    stop = multiprocessing.Event()
    server = multiprocessing.Process(target=_serve_wechat, args=(ready, stop), daemon=True)
    server.start()
    base_url = ready.get(timeout=30)
    client = WeChatClient(base_url, APPID, SECRET)
    policy = DeliveryPolicy.from_settings(settings)
    policy = DeliveryPolicy(**{**policy.__dict__, "quiet_start_hour": 0, "quiet_end_hour": 0})
    try:
        start = time.perf_counter()
        survey_id = await seed(n)
        print(f"seeded {n:,} members in {time.perf_counter() - start:.1f} s ({path})")

        start = time.perf_counter()
        async with in_transaction():
            invited = await triggers.survey_invitations(survey_id)
        invite_s = time.perf_counter() - start
        print(
            f"invite:  {invited:,} inbox entries + queued messages in {invite_s:.1f} s "
            f"= {invited / invite_s:,.0f} /s"
        )

        start = time.perf_counter()
        states: Counter[MessageState] = Counter()
        while batch := await deliver_due(client, policy, limit=1000):
            states.update(batch)
        deliver_s = time.perf_counter() - start
        sent = states[MessageState.SENT]
        print(
            f"deliver: {sent:,} sent to the fake WeChat by 1 worker in {deliver_s:.1f} s "
            f"= {sent / deliver_s:,.0f} messages/s per worker; states {dict(states)}"
        )
    finally:
        await client.aclose()
        stop.set()
        received = int(ready.get(timeout=30))
        server.join(timeout=10)
        await Tortoise.close_connections()
    figures = {
        "members": n,
        "invited": invited,
        "invite_seconds": round(invite_s, 2),
        "invite_per_second": round(invited / invite_s),
        "sent": sent,
        "received_by_wechat": received,
        "deliver_seconds": round(deliver_s, 2),
        "messages_per_second_per_worker": round(sent / deliver_s),
    }
    ok = invited == n and sent == n and received == n
    print("OK" if ok else f"MISMATCH: {figures}")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000, help="segment size (100000)")
    parser.add_argument(
        "--db", type=Path, default=Path("var/bench-notifications.sqlite3"), help="SQLite file"
    )
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    fresh_database(args.db)
    result = asyncio.run(main(args.members, args.db))
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    n = args.members
    sys.exit(0 if result["invited"] == result["sent"] == result["received_by_wechat"] == n else 1)
