"""Demo data of the surveys feature, on top of the foundation demo (members, orders).

A category-expansion survey for the buyers of the most sold category (five candidate
categories, a codebook tagging strong charger intent), answered in the mini-program by most of
them, recorded in interviews for a few, left as drafts by others; and an anonymous NPS survey.
"""

from __future__ import annotations

import random

from tortoise.functions import Count

from koc.auth.models import StaffRole, StaffUser
from koc.auth.viewer import StaffViewer
from koc.members.models import Tag, TagFamily, TagGroup
from koc.orders.models import Order, OrderStatus
from koc.surveys import rules, services
from koc.surveys.models import Interest, QuestionKind, RatingScale, SurveyPurpose, Timing

CATEGORIES = [
    ("home_charger", "Home charger"),
    ("insurance", "Insurance"),
    ("car_care", "Car care"),
    ("outdoor_gear", "Outdoor gear"),
    ("child_seat", "Child seat"),
]
BANDS = ["< 1,000", "1,000-5,000", "5,000-20,000", "> 20,000"]
WISHES = [
    "A wallbox installed before delivery.",
    "Winter tyres with storage.",
    "A roof tent for weekend trips.",
    "Insurance that knows the car.",
    "Seat covers that survive two dogs.",
]


async def _operator() -> StaffViewer:
    staff = (
        await StaffUser.filter(role__in=[StaffRole.OPERATOR, StaffRole.ADMIN])
        .order_by("id")
        .first()
    )
    if staff is None:
        raise RuntimeError("The demo needs a staff account (the foundation demo makes them).")
    return StaffViewer(staff.id, staff.username, staff.role)


async def _charger_tag() -> Tag:
    group, _ = await TagGroup.get_or_create(
        name="Category intent", defaults={"family": TagFamily.CONSUMPTION}
    )
    tag, _ = await Tag.get_or_create(
        group_id=group.id, name="charger intent", defaults={"member_visible": False}
    )
    return tag


def _expansion_spec(category: str, tag_id: int) -> rules.SurveySpec:
    return rules.SurveySpec(
        title="What goes with your car?",
        purpose=SurveyPurpose.CATEGORY_EXPANSION,
        introduction="Three minutes on what you needed before and after buying.",
        audience=rules.AudienceSpec(rule={"orders": {"categories": [category]}}),
        questions=[
            rules.QuestionSpec(
                "satisfaction",
                QuestionKind.RATING,
                "How happy are you with the car?",
                True,
                rating_scale=RatingScale.FIVE,
            ),
            rules.QuestionSpec(
                "needs",
                QuestionKind.CATEGORY_INTEREST,
                "Which of these would you buy from us, and when?",
                True,
                [
                    rules.OptionSpec(
                        key,
                        label,
                        interest_tags={Interest.STRONG: [tag_id]} if key == "home_charger" else {},
                    )
                    for key, label in CATEGORIES
                ],
                price_bands=BANDS,
            ),
            rules.QuestionSpec(
                "wish", QuestionKind.TEXT, "Anything else you wish we sold?", max_length=500
            ),
        ],
    )


def _answers(rng: random.Random, questions: list[rules.Question]) -> list[rules.AnswerIn]:
    by_key = {q.key: q for q in questions}
    needs = by_key["needs"]
    categories = []
    for option in needs.options:
        weight = 0.7 if option.key in ("home_charger", "insurance") else 0.35
        roll = rng.random()
        interest = (
            Interest.STRONG
            if roll < weight / 2
            else Interest.SOME
            if roll < weight
            else Interest.NONE
        )
        timing = band = None
        if interest is not Interest.NONE:
            timing = (
                Timing.BEFORE_PURCHASE
                if option.key in ("home_charger", "insurance") and rng.random() < 0.7
                else Timing.AFTER_PURCHASE
            )
            band = rng.choice(BANDS[:3])
        categories.append(rules.CategoryIn(option.id, interest, timing, band))
    answers = [
        rules.AnswerIn(by_key["satisfaction"].id, rating=rng.choice([3, 4, 4, 5, 5])),
        rules.AnswerIn(needs.id, categories=categories),
    ]
    if rng.random() < 0.4:
        answers.append(rules.AnswerIn(by_key["wish"].id, text=rng.choice(WISHES)))
    return answers


async def seed(rng: random.Random) -> str:
    actor = await _operator()
    ranked = (
        await Order.all()
        .group_by("category")
        .annotate(n=Count("id"))
        .order_by("-n")
        .limit(1)
        .values_list("category", flat=True)
    )
    if not ranked:
        return "no orders, no surveys"
    top = ranked[0]
    tag = await _charger_tag()
    survey = await services.create_survey(_expansion_spec(top, tag.id), actor=actor)
    await services.publish_survey(survey.id, actor=actor)
    questions = await services.load_questions(survey.current_version_id or 0)
    # Fully refunded orders do not make a buyer (the audience rule ignores them too).
    buyers = sorted(
        set(
            await Order.filter(category=top)
            .exclude(status=OrderStatus.REFUNDED)
            .values_list("member_id", flat=True)
        )
    )
    rng.shuffle(buyers)
    answered = interviewed = drafts = 0
    for member_id in buyers[:80]:
        roll = rng.random()
        if roll < 0.7:
            await services.respond(survey.id, member_id, _answers(rng, questions))
            answered += 1
        elif roll < 0.85:
            await services.record_interview(
                survey.id,
                member_id,
                _answers(rng, questions),
                interviewer=None,
                notes="Met at the delivery centre.",
                actor=actor,
            )
            interviewed += 1
        else:
            await services.save_draft(survey.id, member_id, _answers(rng, questions)[:1])
            drafts += 1
    nps = await services.create_survey(
        rules.SurveySpec(
            title="Would you recommend us?",
            purpose=SurveyPurpose.SATISFACTION,
            anonymous=True,
            questions=[
                rules.QuestionSpec(
                    "nps",
                    QuestionKind.RATING,
                    "How likely are you to recommend us?",
                    True,
                    rating_scale=RatingScale.NPS,
                ),
                rules.QuestionSpec("why", QuestionKind.TEXT, "Why?", max_length=300),
            ],
        ),
        actor=actor,
    )
    await services.publish_survey(nps.id, actor=actor)
    nps_questions = await services.load_questions(nps.current_version_id or 0)
    for member_id in buyers[80:120]:
        await services.respond(
            nps.id,
            member_id,
            [rules.AnswerIn(nps_questions[0].id, rating=rng.choice([6, 7, 8, 9, 9, 10, 10]))],
        )
    return (
        f"2 surveys: '{survey.title}' for {top} buyers ({answered} answered, {interviewed} "
        f"interviews, {drafts} drafts), anonymous NPS ({min(40, max(0, len(buyers) - 80))} answers)"
    )
