"""Benchmark: surveyResults over many responses on SQLite.

    python bench/surveys_results.py --responses 100000

Seeds a fresh SQLite database (members with stages, tags, KOC roles and orders; one open survey
with every question kind, five candidate categories; N responses bulk-inserted), then times the
aggregation behind ``surveyResults``, without a segment and split by each segment kind. The
goal is under one second for 100,000 responses, with or without a segment. Rerunnable: the
database is recreated each run, unless ``--reuse`` times the one a previous run left.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise import Tortoise  # noqa: E402
from tortoise.transactions import in_transaction  # noqa: E402

from bench.sqlite_rows import insert, ts  # noqa: E402
from koc.auth.models import PartnerToken, StaffRole, StaffUser  # noqa: E402
from koc.auth.viewer import StaffViewer  # noqa: E402
from koc.cli import migrate_database  # noqa: E402
from koc.db import tortoise_config  # noqa: E402
from koc.members.models import (  # noqa: E402
    LifecycleStage,
    Member,
    MemberTag,
    Tag,
    TagFamily,
    TagGroup,
    TagSource,
)
from koc.orders.models import Order  # noqa: E402
from koc.settings import Settings  # noqa: E402
from koc.surveys import results, rules, services  # noqa: E402
from koc.surveys.models import (  # noqa: E402
    Interest,
    QuestionKind,
    RatingScale,
    Survey,
    SurveyKocRole,
    SurveyPurpose,
    Timing,
)
from koc.wiring import connect_all

CATEGORIES = ["home_charger", "insurance", "car_care", "outdoor_gear", "child_seat"]
BANDS = ["<1000", "1000-5000", "5000-20000", ">20000"]


def survey_spec() -> rules.SurveySpec:
    def opts(*keys: str) -> list[rules.OptionSpec]:
        return [rules.OptionSpec(k, k.replace("_", " ")) for k in keys]

    return rules.SurveySpec(
        title="What do owners need next?",
        purpose=SurveyPurpose.CATEGORY_EXPANSION,
        questions=[
            rules.QuestionSpec(
                "owned", QuestionKind.SINGLE_CHOICE, "Own a car?", True, opts("yes", "no")
            ),
            rules.QuestionSpec(
                "uses",
                QuestionKind.MULTIPLE_CHOICE,
                "Uses?",
                False,
                opts("commute", "family", "travel", "work"),
                min_picks=1,
                max_picks=3,
            ),
            rules.QuestionSpec(
                "satisfaction", QuestionKind.RATING, "Happy?", True, rating_scale=RatingScale.FIVE
            ),
            rules.QuestionSpec(
                "recommend", QuestionKind.RATING, "Recommend?", True, rating_scale=RatingScale.NPS
            ),
            rules.QuestionSpec("wish", QuestionKind.TEXT, "Wish?", False, max_length=200),
            rules.QuestionSpec(
                "needs",
                QuestionKind.CATEGORY_INTEREST,
                "Needs?",
                True,
                opts(*CATEGORIES),
                price_bands=BANDS,
            ),
        ],
    )


async def seed(n: int, rng: random.Random) -> int:
    """Members, their facts and n responses; returns the survey id."""
    staff = await StaffUser.create(
        username="bench", password_hash="!unusable", role=StaffRole.ADMIN
    )
    actor = StaffViewer(staff_id=staff.id, username=staff.username, role=staff.role)
    survey = await services.create_survey(survey_spec(), actor=actor)
    await services.publish_survey(survey.id, actor=actor)
    version_id = survey.current_version_id or 0
    questions = {q.key: q for q in await services.load_questions(version_id)}
    stages = list(await LifecycleStage.all().values_list("id", flat=True))
    group = await TagGroup.create(name="Household", family=TagFamily.SOCIAL)
    tag = await Tag.create(group=group, name="family")
    partner = await PartnerToken.create(name="bench", prefix="bench", token_hash="bench")
    now = datetime.now(UTC)
    async with in_transaction():
        await Member.bulk_create(
            [Member(nickname=f"m{i}", stage_id=rng.choice(stages)) for i in range(n)],
            batch_size=5000,
        )
        member_ids = list(await Member.all().order_by("id").values_list("id", flat=True))
        await MemberTag.bulk_create(
            [
                MemberTag(member_id=m, tag_id=tag.id, source=TagSource.MANUAL)
                for m in member_ids
                if rng.random() < 0.3
            ],
            batch_size=5000,
        )
        await SurveyKocRole.bulk_create(
            [
                SurveyKocRole(member_id=m, role="CO_CREATION")
                for m in member_ids
                if rng.random() < 0.1
            ],
            batch_size=5000,
        )
        await Order.bulk_create(
            [
                Order(
                    partner_id=partner.id,
                    external_id=f"o{m}",
                    member_id=m,
                    amount_cents=30_000_000,
                    currency="CNY",
                    category="vehicle",
                    occurred_at=now - timedelta(days=rng.randint(1, 900)),
                    fingerprint="bench",
                )
                for m in member_ids
                if rng.random() < 0.5
            ],
            batch_size=5000,
        )
        responses, answers, picks, categories = [], [], [], []
        answer_id = 0
        for response_id, member_id in enumerate(member_ids, start=1):
            responses.append(
                (response_id, survey.id, version_id, member_id, "MINI_PROGRAM", "", "", ts(now))
            )
            owned = questions["owned"].options[rng.random() < 0.8].id
            uses = rng.sample(questions["uses"].options, rng.randint(1, 3))
            facts = [
                (questions["owned"].id, None, None),
                (questions["uses"].id, None, None),
                (questions["satisfaction"].id, rng.randint(1, 5), None),
                (questions["recommend"].id, rng.choice([0, 3, 6, 7, 8, 9, 9, 10, 10]), None),
                (questions["needs"].id, None, None),
            ]
            if rng.random() < 0.3:
                facts.append((questions["wish"].id, None, f"wish {response_id}"))
            for question_id, rating, text in facts:
                answer_id += 1
                answers.append((answer_id, response_id, question_id, rating, text))
            picks.append((response_id, questions["owned"].id, owned))
            picks += [(response_id, questions["uses"].id, o.id) for o in uses]
            for option in questions["needs"].options:
                interest = rng.choice(list(Interest))
                timing = band = None
                if interest is not Interest.NONE:
                    timing = rng.choice([None, *(t.value for t in Timing)])
                    band = rng.choice([None, 0, 1, 2, 3])
                categories.append(
                    (
                        response_id,
                        questions["needs"].id,
                        option.id,
                        member_id,
                        interest.value,
                        timing,
                        band,
                    )
                )
        await insert(
            "survey_response",
            (
                "id",
                "survey_id",
                "version_id",
                "member_id",
                "channel",
                "interviewer_name",
                "notes",
                "submitted_at",
            ),
            responses,
        )
        await insert(
            "survey_answer", ("id", "response_id", "question_id", "rating", "text"), answers
        )
        await insert("survey_answer_pick", ("response_id", "question_id", "option_id"), picks)
        await insert(
            "survey_category_answer",
            (
                "response_id",
                "question_id",
                "option_id",
                "member_id",
                "interest",
                "timing",
                "price_band",
            ),
            categories,
        )
    return survey.id


async def timed(label: str, survey_id: int, segment: results.Segment | None) -> float:
    start = time.perf_counter()
    found = await results.survey_results(survey_id, None, segment)
    elapsed = time.perf_counter() - start
    needs = next(q for q in found.questions if q.question.kind is QuestionKind.CATEGORY_INTEREST)
    print(
        f"  {label:<28} {elapsed * 1000:8.1f} ms   responses={found.response_count:,} "
        f"categories={len(needs.demand)} segment rows={sum(len(v) for v in needs.demand_by_segment.values())}"
    )
    return elapsed


def fresh_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def main(n: int, path: Path, seed_value: int, reuse: bool) -> int:
    url = f"sqlite://{path}"
    settings = Settings(database_url=url)
    await migrate_database(settings)
    connect_all()  # the script changes data as the API does: every handler wired
    await Tortoise.init(config=tortoise_config(url))
    try:
        survey = await Survey.all().order_by("id").first() if reuse else None
        if survey is not None:
            survey_id = survey.id
            print(f"reusing {path}")
        else:
            start = time.perf_counter()
            survey_id = await seed(n, random.Random(seed_value))
            print(f"seeded {n:,} responses in {time.perf_counter() - start:.1f} s ({path})")
        tag_id = (await Tag.get(name="family")).id
        # Untimed: the first read pulls a reused file into the OS cache, as a server's is.
        await results.survey_results(survey_id, None, None)
        print("surveyResults aggregation (SQLite):")
        figures = {"no segment": await timed("no segment (default)", survey_id, None)}
        print("split by a segment (joins members):")
        for label, segment in (
            ("STAGE", results.Segment(results.SegmentKind.STAGE)),
            ("KOC", results.Segment(results.SegmentKind.KOC)),
            ("TAG", results.Segment(results.SegmentKind.TAG, tag_id=tag_id)),
            (
                "BOUGHT_CATEGORY",
                results.Segment(results.SegmentKind.BOUGHT_CATEGORY, category="vehicle"),
            ),
        ):
            figures[f"segment {label}"] = await timed(f"segment {label}", survey_id, segment)
    finally:
        await Tortoise.close_connections()
    slowest = max(figures, key=lambda k: figures[k])
    verdict = "OK" if figures[slowest] < 1.0 else "TOO SLOW"
    print(
        f"surveyResults for {n:,} responses: slowest {slowest} {figures[slowest] * 1000:.1f} ms "
        f"(goal < 1000 ms): {verdict}"
    )
    return 0 if figures[slowest] < 1.0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--responses", type=int, default=100_000, help="responses to seed")
    parser.add_argument(
        "--db", type=Path, default=Path("var/bench-surveys.sqlite3"), help="SQLite file"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument(
        "--reuse", action="store_true", help="time the database a previous run left, if any"
    )
    args = parser.parse_args()
    if not args.reuse:
        fresh_database(args.db)
    raise SystemExit(asyncio.run(main(args.responses, args.db, args.seed, args.reuse)))
