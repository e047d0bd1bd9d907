"""Pure survey logic: answer checks per kind, conditions, codebook, drafts, figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from koc.errors import DomainErrors
from koc.surveys import rules
from koc.surveys.models import Interest, QuestionKind, RatingScale, SurveyPurpose, Timing
from koc.surveys.rules import AnswerIn, CategoryIn, Option, Question

SINGLE = Question(
    1, "single", QuestionKind.SINGLE_CHOICE, options=[Option(10, "a", "A"), Option(11, "b", "B")]
)
MULTI = Question(
    2,
    "multi",
    QuestionKind.MULTIPLE_CHOICE,
    options=[Option(20, "x", "X"), Option(21, "y", "Y"), Option(22, "z", "Z")],
    min_picks=2,
    max_picks=2,
)
FIVE = Question(3, "five", QuestionKind.RATING, rating_scale=RatingScale.FIVE)
NPS = Question(4, "nps", QuestionKind.RATING, rating_scale=RatingScale.NPS)
TEXT = Question(5, "text", QuestionKind.TEXT, max_length=5)
CATS = Question(
    6,
    "cats",
    QuestionKind.CATEGORY_INTEREST,
    options=[Option(60, "charger", "Charger"), Option(61, "care", "Care")],
    price_bands=["low", "high"],
)
ALL = [SINGLE, MULTI, FIVE, NPS, TEXT, CATS]


def codes(exc: pytest.ExceptionInfo[DomainErrors]) -> list[tuple[str, str | None]]:
    return [(e.code.value, e.field) for e in exc.value.errors]


def test_each_kind_accepts_a_valid_answer():
    answers = rules.check_answers(
        ALL,
        [
            AnswerIn(1, option_ids=[11]),
            AnswerIn(2, option_ids=[20, 22]),
            AnswerIn(3, rating=5),
            AnswerIn(4, rating=0),
            AnswerIn(5, text="  hi  "),
            AnswerIn(
                6,
                categories=[
                    CategoryIn(60, Interest.STRONG, Timing.AFTER_PURCHASE, "high"),
                    CategoryIn(61, Interest.NONE),
                ],
            ),
        ],
        complete=True,
    )
    assert [a.question.key for a in answers] == ["single", "multi", "five", "nps", "text", "cats"]
    assert answers[1].option_ids == [20, 22]
    assert answers[4].text == "hi"
    assert answers[5].categories[0].band == 1


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (AnswerIn(1, option_ids=[10, 11]), ("TOO_MANY_PICKS", "answers[0].optionIds")),
        (AnswerIn(1, option_ids=[20]), ("OPTION_NOT_IN_QUESTION", "answers[0].optionIds")),
        (AnswerIn(2, option_ids=[20]), ("TOO_FEW_PICKS", "answers[0].optionIds")),
        (AnswerIn(2, option_ids=[20, 21, 22]), ("TOO_MANY_PICKS", "answers[0].optionIds")),
        (AnswerIn(2, option_ids=[20, 20]), ("DUPLICATE_ANSWER", "answers[0].optionIds")),
        (AnswerIn(3, rating=0), ("RATING_OUT_OF_RANGE", "answers[0].rating")),
        (AnswerIn(3, rating=6), ("RATING_OUT_OF_RANGE", "answers[0].rating")),
        (AnswerIn(4, rating=11), ("RATING_OUT_OF_RANGE", "answers[0].rating")),
        (AnswerIn(5, text="toolong"), ("TEXT_TOO_LONG", "answers[0].text")),
        (AnswerIn(5, rating=3), ("INVALID_ANSWER", "answers[0]")),
        (AnswerIn(99, text="x"), ("QUESTION_NOT_IN_SURVEY", "answers[0].questionId")),
        (
            AnswerIn(6, categories=[CategoryIn(10, Interest.SOME)]),
            ("OPTION_NOT_IN_QUESTION", "answers[0].categories[0].categoryId"),
        ),
        (
            AnswerIn(6, categories=[CategoryIn(60, Interest.NONE, Timing.AFTER_PURCHASE)]),
            ("INVALID_ANSWER", "answers[0].categories[0]"),
        ),
        (
            AnswerIn(6, categories=[CategoryIn(60, Interest.SOME, None, "free")]),
            ("INVALID_ANSWER", "answers[0].categories[0].priceBand"),
        ),
        (
            AnswerIn(6, categories=[CategoryIn(60, Interest.SOME), CategoryIn(60, Interest.SOME)]),
            ("DUPLICATE_ANSWER", "answers[0].categories[1].categoryId"),
        ),
    ],
)
def test_each_wrong_answer_is_a_typed_error(answer, expected):
    with pytest.raises(DomainErrors) as exc:
        rules.check_answers(ALL, [answer], complete=False)
    assert codes(exc) == [expected]


def test_required_questions_and_every_category_must_be_answered():
    required = Question(7, "req", QuestionKind.TEXT, required=True, max_length=10)
    with pytest.raises(DomainErrors) as exc:
        rules.check_answers(
            [required, CATS],
            [AnswerIn(7, text="   "), AnswerIn(6, categories=[CategoryIn(60, Interest.SOME)])],
            complete=True,
        )
    assert codes(exc) == [
        ("MISSING_ANSWER", "answers"),
        ("MISSING_ANSWER", "answers[1].categories"),
    ]


def test_a_draft_may_be_partial():
    required = Question(7, "req", QuestionKind.TEXT, required=True, max_length=10)
    assert rules.check_answers([required, CATS], [], complete=False) == []


def test_a_conditional_question_shows_only_when_the_earlier_answer_matches():
    follow = Question(
        8,
        "why",
        QuestionKind.TEXT,
        required=True,
        max_length=50,
        show_if_question_id=1,
        show_if_option_ids=[11],
    )
    low = Question(
        9,
        "fix",
        QuestionKind.TEXT,
        required=True,
        max_length=50,
        show_if_question_id=3,
        show_if_rating_max=2,
    )
    questions = [SINGLE, FIVE, follow, low]
    # hidden: not required, and answering it is refused
    assert (
        len(
            rules.check_answers(
                questions, [AnswerIn(1, option_ids=[10]), AnswerIn(3, rating=5)], complete=True
            )
        )
        == 2
    )
    with pytest.raises(DomainErrors) as exc:
        rules.check_answers(
            questions,
            [AnswerIn(1, option_ids=[10]), AnswerIn(3, rating=5), AnswerIn(8, text="x")],
            complete=True,
        )
    assert codes(exc) == [("HIDDEN_QUESTION", "answers[2].questionId")]
    # shown: required
    with pytest.raises(DomainErrors) as exc:
        rules.check_answers(
            questions, [AnswerIn(1, option_ids=[11]), AnswerIn(3, rating=2)], complete=True
        )
    assert [c for c, _ in codes(exc)] == ["MISSING_ANSWER", "MISSING_ANSWER"]


def test_a_question_behind_a_hidden_question_is_hidden_too():
    middle = Question(
        8,
        "middle",
        QuestionKind.RATING,
        rating_scale=RatingScale.FIVE,
        show_if_question_id=1,
        show_if_option_ids=[11],
    )
    last = Question(
        9,
        "last",
        QuestionKind.TEXT,
        required=True,
        max_length=9,
        show_if_question_id=8,
        show_if_rating_min=1,
    )
    assert rules.check_answers(
        [SINGLE, middle, last], [AnswerIn(1, option_ids=[10])], complete=True
    )


def test_codebook_tags_follow_picks_and_interest_levels():
    answers = rules.check_answers(
        ALL,
        [
            AnswerIn(1, option_ids=[10]),
            AnswerIn(
                6, categories=[CategoryIn(60, Interest.STRONG), CategoryIn(61, Interest.SOME)]
            ),
        ],
        complete=False,
    )
    book = [
        rules.CodebookRule(10, None, 100),
        rules.CodebookRule(11, None, 101),
        rules.CodebookRule(60, Interest.STRONG, 102),
        rules.CodebookRule(60, Interest.SOME, 103),
        rules.CodebookRule(61, Interest.SOME, 102),
    ]
    assert rules.codebook_tags(answers, book) == [100, 102]


def test_a_draft_survives_a_new_version_by_keys():
    answers = rules.check_answers(
        ALL,
        [
            AnswerIn(1, option_ids=[11]),
            AnswerIn(6, categories=[CategoryIn(61, Interest.SOME, None, "low")]),
        ],
        complete=False,
    )
    doc = rules.draft_document(answers)
    # version 2: new ids, option "b" gone from the single choice
    v2 = [
        Question(31, "single", QuestionKind.SINGLE_CHOICE, options=[Option(40, "a", "A")]),
        Question(
            36,
            "cats",
            QuestionKind.CATEGORY_INTEREST,
            options=[Option(70, "care", "Care")],
            price_bands=["low"],
        ),
    ]
    restored = rules.draft_answers(doc, v2)
    assert [(a.question_id, a.option_ids) for a in restored] == [(36, None)]
    assert restored[0].categories == [CategoryIn(70, Interest.SOME, None, "low")]


def test_rating_summary_average_and_nps():
    s = rules.rating_summary({10: 3, 9: 2, 8: 1, 6: 2, 0: 2}, RatingScale.NPS)
    # 5 promoters, 2 detractors... (10,9: 5) - (6,0: 4) over 10 -> 10
    assert s.count == 10
    assert s.nps == 10.0
    assert s.average == pytest.approx((30 + 18 + 8 + 12 + 0) / 10)
    five = rules.rating_summary({4: 1, 5: 1}, RatingScale.FIVE)
    assert (five.average, five.nps, five.distribution[0]) == (4.5, None, (1, 0))


def test_fold_demand_counts_timing_and_bands_among_the_interested():
    rows = [
        (60, "A", "STRONG", "AFTER_PURCHASE", 1, 2),
        (60, "A", "SOME", None, None, 1),
        (60, "B", "NONE", None, None, 3),
        (60, "B", "SOME", "BEFORE_PURCHASE", 0, 1),
    ]
    figures = rules.fold_demand(rows)
    a = figures[(60, "A")]
    assert (a.respondents, a.interested, a.share(Interest.STRONG)) == (3, 3, 0.6667)
    assert a.timing == {Timing.AFTER_PURCHASE: 2, None: 1}
    assert a.bands == {1: 2}
    b = figures[(60, "B")]
    assert (b.respondents, b.share(Interest.SOME, Interest.STRONG)) == (4, 0.25)


def test_survey_definition_checks():
    now = datetime.now(UTC)
    spec = rules.SurveySpec(
        title="T",
        purpose=SurveyPurpose.OTHER,
        questions=[],
        closes_at=now - timedelta(days=1),
        anonymous=True,
        audience=rules.AudienceSpec(rule={"stage": {"in": ["X"]}}, segment_id=1, member_ids=[1]),
    )
    spec.questions = [
        rules.QuestionSpec(
            "q", QuestionKind.SINGLE_CHOICE, "P?", options=[rules.OptionSpec("a", "A", tag_ids=[1])]
        )
    ]
    with pytest.raises(DomainErrors) as exc:
        rules.check_survey(spec, now)
    assert {f for _, f in codes(exc)} == {
        "closesAt",
        "audience",
        "audience.memberIds",
        "questions[0].options[0]",
    }
