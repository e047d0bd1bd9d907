"""Pure survey logic, no database: checking a survey definition, checking answers against the
questions they answer, the codebook, and folding aggregated counts into result figures.

About 720 lines on purpose: each question kind is defined (``check_survey``) and answered
(``check_answers``) here, side by side, so adding or changing a kind of question is a change
to this one module and its unit tests (tests/surveys/test_rules.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from koc.errors import DomainError, DomainErrors
from koc.surveys.errors import SurveyErrorCode as Code
from koc.surveys.models import Interest, QuestionKind, RatingScale, SurveyPurpose, Timing

KEY_RE = re.compile(r"^[a-z0-9_\-]{1,64}$")
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
RATING_RANGES = {RatingScale.FIVE: (1, 5), RatingScale.NPS: (0, 10)}
MAX_QUESTIONS = 100
MAX_OPTIONS = 50
MAX_TEXT_LENGTH = 5000
MAX_PRICE_BANDS = 20


# --- definitions ---------------------------------------------------------------------------


@dataclass
class OptionSpec:
    key: str
    label: str
    tag_ids: list[int] = field(default_factory=list)
    interest_tags: dict[Interest, list[int]] = field(default_factory=dict)


@dataclass
class ConditionSpec:
    question_key: str
    option_keys: list[str] = field(default_factory=list)
    rating_min: int | None = None
    rating_max: int | None = None


@dataclass
class QuestionSpec:
    key: str
    kind: QuestionKind
    prompt: str
    required: bool = False
    options: list[OptionSpec] = field(default_factory=list)
    min_picks: int | None = None
    max_picks: int | None = None
    rating_scale: RatingScale | None = None
    max_length: int | None = None
    price_bands: list[str] = field(default_factory=list)
    show_if: ConditionSpec | None = None


@dataclass
class AudienceSpec:
    """RULES mode when member_ids is None: the members of a rule of koc.segments' language (its
    checked JSON form) or of a saved segment; neither means every member. EXPLICIT mode: exactly
    the listed members."""

    rule: dict[str, Any] | None = None
    segment_id: int | None = None
    member_ids: list[int] | None = None


@dataclass
class SurveySpec:
    title: str
    purpose: SurveyPurpose
    questions: list[QuestionSpec]
    introduction: str = ""
    anonymous: bool = False
    closes_at: datetime | None = None
    response_cap: int | None = None
    audience: AudienceSpec = field(default_factory=AudienceSpec)


def _unique_keys(keys: Sequence[str], path: str, errors: list[DomainError]) -> None:
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if not KEY_RE.match(key):
            errors.append(
                DomainError(
                    Code.INVALID,
                    "A key is 1-64 lowercase letters, digits, _ or -.",
                    f"{path}[{i}].key",
                )
            )
        elif key in seen:
            errors.append(
                DomainError(Code.INVALID, f"Key {key!r} is used twice.", f"{path}[{i}].key")
            )
        seen.add(key)


def _check_question(
    q: QuestionSpec, path: str, earlier: dict[str, QuestionSpec], anonymous: bool
) -> list[DomainError]:
    errors: list[DomainError] = []

    def bad(message: str, name: str) -> None:
        errors.append(DomainError(Code.INVALID, message, f"{path}.{name}"))

    if not 1 <= len(q.prompt.strip()) <= 1000:
        bad("A prompt is 1-1000 characters.", "prompt")
    has_options = q.kind in CHOICE_KINDS or q.kind is QuestionKind.CATEGORY_INTEREST
    if has_options:
        if not 1 <= len(q.options) <= MAX_OPTIONS:
            bad(f"Give 1-{MAX_OPTIONS} options.", "options")
        _unique_keys([o.key for o in q.options], f"{path}.options", errors)
        for i, o in enumerate(q.options):
            if not 1 <= len(o.label.strip()) <= 200:
                bad("A label is 1-200 characters.", f"options[{i}].label")
            wrong_codebook = o.interest_tags if q.kind in CHOICE_KINDS else o.tag_ids
            if wrong_codebook:
                bad(
                    "Choice options take tagIds, categories take interestTags.",
                    f"options[{i}]",
                )
            if anonymous and (o.tag_ids or o.interest_tags):
                bad(
                    "An anonymous survey cannot tag its respondents.",
                    f"options[{i}]",
                )
    elif q.options:
        bad("Only choice and category questions have options.", "options")
    if q.kind is QuestionKind.MULTIPLE_CHOICE:
        low = q.min_picks if q.min_picks is not None else 0
        high = q.max_picks if q.max_picks is not None else len(q.options)
        if not 0 <= low <= high <= max(len(q.options), 1) or high < 1:
            bad("Need 0 <= minPicks <= maxPicks <= number of options.", "maxPicks")
    elif q.min_picks is not None or q.max_picks is not None:
        bad("Only MULTIPLE_CHOICE questions take minPicks and maxPicks.", "maxPicks")
    if q.kind is QuestionKind.RATING:
        if q.rating_scale is None:
            bad("A RATING question needs a ratingScale.", "ratingScale")
    elif q.rating_scale is not None:
        bad("Only RATING questions take a ratingScale.", "ratingScale")
    if q.kind is QuestionKind.TEXT:
        if q.max_length is None or not 1 <= q.max_length <= MAX_TEXT_LENGTH:
            bad(f"A TEXT question needs a maxLength of 1-{MAX_TEXT_LENGTH}.", "maxLength")
    elif q.max_length is not None:
        bad("Only TEXT questions take a maxLength.", "maxLength")
    if q.kind is QuestionKind.CATEGORY_INTEREST:
        if len(q.price_bands) > MAX_PRICE_BANDS or len(set(q.price_bands)) != len(q.price_bands):
            bad(f"Give at most {MAX_PRICE_BANDS} distinct price bands.", "priceBands")
        if any(not 1 <= len(b.strip()) <= 64 for b in q.price_bands):
            bad("A price band is 1-64 characters.", "priceBands")
    elif q.price_bands:
        bad("Only CATEGORY_INTEREST questions take price bands.", "priceBands")
    if q.show_if is not None:
        errors.extend(_check_condition(q.show_if, f"{path}.showIf", earlier))
    return errors


def _check_condition(
    c: ConditionSpec, path: str, earlier: dict[str, QuestionSpec]
) -> list[DomainError]:
    target = earlier.get(c.question_key)
    if target is None:
        return [
            DomainError(
                Code.INVALID, "showIf must name an earlier question.", f"{path}.questionKey"
            )
        ]
    if target.kind in CHOICE_KINDS:
        keys = {o.key for o in target.options}
        if not c.option_keys or any(k not in keys for k in c.option_keys):
            return [
                DomainError(
                    Code.INVALID,
                    "Give optionKeys of the earlier question.",
                    f"{path}.optionKeys",
                )
            ]
        if c.rating_min is not None or c.rating_max is not None:
            return [DomainError(Code.INVALID, "A choice condition takes no rating.", path)]
        return []
    if target.kind is QuestionKind.RATING and target.rating_scale is not None:
        low, high = RATING_RANGES[target.rating_scale]
        r_min = low if c.rating_min is None else c.rating_min
        r_max = high if c.rating_max is None else c.rating_max
        if c.option_keys or not low <= r_min <= r_max <= high:
            return [
                DomainError(
                    Code.INVALID,
                    f"A rating condition takes ratingMin <= ratingMax within {low}-{high}.",
                    path,
                )
            ]
        return []
    return [
        DomainError(
            Code.INVALID,
            "showIf can depend on a choice or rating question only.",
            f"{path}.questionKey",
        )
    ]


def check_survey(spec: SurveySpec, now: datetime) -> None:
    """Raise DomainErrors listing every problem of a survey definition."""
    errors: list[DomainError] = []
    if not 1 <= len(spec.title.strip()) <= 200:
        errors.append(DomainError(Code.INVALID, "A title is 1-200 characters.", "title"))
    if len(spec.introduction) > 5000:
        errors.append(
            DomainError(
                Code.INVALID, "The introduction is at most 5000 characters.", "introduction"
            )
        )
    if spec.closes_at is not None and (spec.closes_at.tzinfo is None or spec.closes_at <= now):
        errors.append(
            DomainError(Code.INVALID, "closesAt must be a future time with a zone.", "closesAt")
        )
    if spec.response_cap is not None and spec.response_cap < 1:
        errors.append(DomainError(Code.INVALID, "responseCap must be at least 1.", "responseCap"))
    errors.extend(_check_audience(spec.audience))
    if len(spec.questions) > MAX_QUESTIONS:
        errors.append(DomainError(Code.INVALID, f"At most {MAX_QUESTIONS} questions.", "questions"))
    _unique_keys([q.key for q in spec.questions], "questions", errors)
    earlier: dict[str, QuestionSpec] = {}
    for i, q in enumerate(spec.questions):
        errors.extend(_check_question(q, f"questions[{i}]", earlier, spec.anonymous))
        earlier.setdefault(q.key, q)
    if errors:
        raise DomainErrors(errors)


def _check_audience(a: AudienceSpec) -> list[DomainError]:
    errors: list[DomainError] = []
    if a.rule is not None and a.segment_id is not None:
        errors.append(
            DomainError(Code.INVALID, "Give a rule or a segmentId, not both.", "audience")
        )
    if a.member_ids is not None:
        if a.rule is not None or a.segment_id is not None:
            errors.append(
                DomainError(
                    Code.INVALID,
                    "Give an explicit member list or a rule or segment, not both.",
                    "audience.memberIds",
                )
            )
        if not a.member_ids:
            errors.append(
                DomainError(Code.INVALID, "An explicit list needs members.", "audience.memberIds")
            )
    return errors


def definition_hash(questions: Sequence[QuestionSpec]) -> str:
    """A fingerprint of the questions: an edit that changes none keeps the version."""
    data = [asdict(q) for q in questions]
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# --- answers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    id: int
    key: str
    label: str


@dataclass
class Question:
    """A stored question as the answer checks need it."""

    id: int
    key: str
    kind: QuestionKind
    prompt: str = ""
    required: bool = False
    options: list[Option] = field(default_factory=list)
    min_picks: int | None = None
    max_picks: int | None = None
    rating_scale: RatingScale | None = None
    max_length: int | None = None
    price_bands: list[str] = field(default_factory=list)
    show_if_question_id: int | None = None
    show_if_option_ids: list[int] = field(default_factory=list)
    show_if_rating_min: int | None = None
    show_if_rating_max: int | None = None

    @property
    def rating_range(self) -> tuple[int, int]:
        return RATING_RANGES[self.rating_scale or RatingScale.FIVE]


@dataclass
class CategoryIn:
    option_id: int
    interest: Interest
    timing: Timing | None = None
    price_band: str | None = None


@dataclass
class AnswerIn:
    question_id: int
    option_ids: list[int] | None = None
    rating: int | None = None
    text: str | None = None
    categories: list[CategoryIn] | None = None


@dataclass
class CategoryAnswer:
    option_id: int
    interest: Interest
    timing: Timing | None
    band: int | None  # index into the question's price bands


@dataclass
class Answer:
    """A checked answer, ready to store."""

    question: Question
    option_ids: list[int] = field(default_factory=list)
    rating: int | None = None
    text: str | None = None
    categories: list[CategoryAnswer] = field(default_factory=list)


_KIND_FIELDS = {
    QuestionKind.SINGLE_CHOICE: "optionIds",
    QuestionKind.MULTIPLE_CHOICE: "optionIds",
    QuestionKind.RATING: "rating",
    QuestionKind.TEXT: "text",
    QuestionKind.CATEGORY_INTEREST: "categories",
}


def _given_fields(a: AnswerIn) -> set[str]:
    given = {
        "optionIds": a.option_ids is not None,
        "rating": a.rating is not None,
        "text": a.text is not None,
        "categories": a.categories is not None,
    }
    return {name for name, present in given.items() if present}


def _check_one(q: Question, a: AnswerIn, path: str) -> Answer | None:
    """The checked answer, None when it says nothing (blank text), or a raised DomainError."""
    expected = _KIND_FIELDS[q.kind]
    if _given_fields(a) != {expected}:
        raise DomainError(
            Code.INVALID_ANSWER, f"A {q.kind.value} question is answered with {expected}.", path
        )
    option_ids = {o.id for o in q.options}
    if q.kind in CHOICE_KINDS:
        picks = list(dict.fromkeys(a.option_ids or []))
        if len(picks) != len(a.option_ids or []):
            raise DomainError(
                Code.DUPLICATE_ANSWER, "An option is picked twice.", f"{path}.optionIds"
            )
        if any(p not in option_ids for p in picks):
            raise DomainError(
                Code.OPTION_NOT_IN_QUESTION,
                "An option does not belong to this question.",
                f"{path}.optionIds",
            )
        low, high = (
            (1, 1)
            if q.kind is QuestionKind.SINGLE_CHOICE
            else (q.min_picks or 0, q.max_picks or len(q.options))
        )
        if len(picks) > high:
            raise DomainError(
                Code.TOO_MANY_PICKS, f"Pick at most {high} option(s).", f"{path}.optionIds"
            )
        if not picks:
            return None
        if len(picks) < low:
            raise DomainError(
                Code.TOO_FEW_PICKS, f"Pick at least {low} option(s).", f"{path}.optionIds"
            )
        return Answer(q, option_ids=picks)
    if q.kind is QuestionKind.RATING:
        low, high = q.rating_range
        assert a.rating is not None
        if not low <= a.rating <= high:
            raise DomainError(
                Code.RATING_OUT_OF_RANGE, f"Rate from {low} to {high}.", f"{path}.rating"
            )
        return Answer(q, rating=a.rating)
    if q.kind is QuestionKind.TEXT:
        text = (a.text or "").strip()
        if len(text) > (q.max_length or MAX_TEXT_LENGTH):
            raise DomainError(
                Code.TEXT_TOO_LONG, f"At most {q.max_length} characters.", f"{path}.text"
            )
        return Answer(q, text=text) if text else None
    return _check_categories(q, a.categories or [], path)


def _check_categories(q: Question, given: list[CategoryIn], path: str) -> Answer | None:
    option_ids = {o.id for o in q.options}
    seen: set[int] = set()
    rows: list[CategoryAnswer] = []
    for i, c in enumerate(given):
        where = f"{path}.categories[{i}]"
        if c.option_id not in option_ids:
            raise DomainError(
                Code.OPTION_NOT_IN_QUESTION,
                "This category does not belong to this question.",
                f"{where}.categoryId",
            )
        if c.option_id in seen:
            raise DomainError(
                Code.DUPLICATE_ANSWER, "A category is answered twice.", f"{where}.categoryId"
            )
        seen.add(c.option_id)
        if c.interest is Interest.NONE and (c.timing is not None or c.price_band is not None):
            raise DomainError(
                Code.INVALID_ANSWER, "No interest takes no timing or price band.", where
            )
        band = None
        if c.price_band is not None:
            if c.price_band not in q.price_bands:
                raise DomainError(
                    Code.INVALID_ANSWER,
                    f"Price band is one of {q.price_bands}.",
                    f"{where}.priceBand",
                )
            band = q.price_bands.index(c.price_band)
        rows.append(CategoryAnswer(c.option_id, c.interest, c.timing, band))
    return Answer(q, categories=rows) if rows else None


def _condition_met(q: Question, answers: dict[int, Answer], visible: dict[int, bool]) -> bool:
    if q.show_if_question_id is None:
        return True
    if not visible.get(q.show_if_question_id, False):
        return False
    earlier = answers.get(q.show_if_question_id)
    if earlier is None:
        return False
    if earlier.rating is not None:
        low = -1 if q.show_if_rating_min is None else q.show_if_rating_min
        high = 99 if q.show_if_rating_max is None else q.show_if_rating_max
        return low <= earlier.rating <= high
    return any(o in q.show_if_option_ids for o in earlier.option_ids)


def check_answers(
    questions: Sequence[Question], given: Sequence[AnswerIn], *, complete: bool
) -> list[Answer]:
    """Check every answer against its question; raise DomainErrors listing every problem.

    ``complete`` (a submission) also demands required answers of the questions shown and
    refuses answers to questions hidden by their condition; a draft may be partial.
    """
    by_id = {q.id: q for q in questions}
    errors: list[DomainError] = []
    answers: dict[int, Answer] = {}
    positions: dict[int, int] = {}
    for i, a in enumerate(given):
        path = f"answers[{i}]"
        q = by_id.get(a.question_id)
        if q is None:
            errors.append(
                DomainError(
                    Code.QUESTION_NOT_IN_SURVEY,
                    "This question is not part of the survey version being answered.",
                    f"{path}.questionId",
                )
            )
            continue
        if q.id in positions:
            errors.append(
                DomainError(
                    Code.DUPLICATE_ANSWER, "A question is answered twice.", f"{path}.questionId"
                )
            )
            continue
        positions[q.id] = i
        try:
            answer = _check_one(q, a, path)
        except DomainError as exc:
            errors.append(exc)
            continue
        if answer is not None:
            answers[q.id] = answer
    if complete and not errors:
        visible: dict[int, bool] = {}
        for q in questions:
            visible[q.id] = _condition_met(q, answers, visible)
            answer = answers.get(q.id)
            if not visible[q.id] and answer is not None:
                errors.append(
                    DomainError(
                        Code.HIDDEN_QUESTION,
                        "This question is not shown for the earlier answers given.",
                        f"answers[{positions[q.id]}].questionId",
                    )
                )
            elif visible[q.id] and q.required and answer is None:
                errors.append(
                    DomainError(
                        Code.MISSING_ANSWER, f"Question {q.key!r} needs an answer.", "answers"
                    )
                )
            elif (
                visible[q.id]
                and answer is not None
                and q.kind is QuestionKind.CATEGORY_INTEREST
                and len(answer.categories) != len(q.options)
            ):
                errors.append(
                    DomainError(
                        Code.MISSING_ANSWER,
                        f"Question {q.key!r}: give an interest for every category.",
                        f"answers[{positions[q.id]}].categories",
                    )
                )
    if errors:
        raise DomainErrors(errors)
    return [answers[q.id] for q in questions if q.id in answers]


# --- codebook ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodebookRule:
    option_id: int
    interest: Interest | None  # None: the option was picked
    tag_id: int


def codebook_tags(answers: Iterable[Answer], rules: Iterable[CodebookRule]) -> list[int]:
    """The tags the answers earn, in rule order, each once."""
    facts: set[tuple[int, Interest | None]] = set()
    for a in answers:
        facts.update((o, None) for o in a.option_ids)
        facts.update((c.option_id, c.interest) for c in a.categories)
    return list(dict.fromkeys(r.tag_id for r in rules if (r.option_id, r.interest) in facts))


# --- drafts --------------------------------------------------------------------------------


def draft_document(answers: Iterable[Answer]) -> dict[str, dict[str, object]]:
    """A draft keyed by question and option keys, which survive a new version."""
    doc: dict[str, dict[str, object]] = {}
    for a in answers:
        keys = {o.id: o.key for o in a.question.options}
        entry: dict[str, object] = {}
        if a.question.kind in CHOICE_KINDS:
            entry["options"] = [keys[o] for o in a.option_ids]
        if a.rating is not None:
            entry["rating"] = a.rating
        if a.text is not None:
            entry["text"] = a.text
        if a.categories:
            entry["categories"] = [
                {
                    "category": keys[c.option_id],
                    "interest": c.interest.value,
                    "timing": c.timing.value if c.timing else None,
                    "priceBand": a.question.price_bands[c.band] if c.band is not None else None,
                }
                for c in a.categories
            ]
        doc[a.question.key] = entry
    return doc


def draft_answers(
    doc: dict[str, dict[str, object]], questions: Sequence[Question]
) -> list[AnswerIn]:
    """A saved draft read against (possibly newer) questions; what no longer fits is dropped."""
    found: list[AnswerIn] = []
    for q in questions:
        entry = doc.get(q.key)
        if entry is None:
            continue
        ids = {o.key: o.id for o in q.options}
        candidate = AnswerIn(question_id=q.id)
        if q.kind in CHOICE_KINDS:
            candidate.option_ids = [ids[k] for k in entry.get("options", []) if k in ids]  # type: ignore[attr-defined]
        elif q.kind is QuestionKind.RATING:
            candidate.rating = entry.get("rating")  # type: ignore[assignment]
        elif q.kind is QuestionKind.TEXT:
            candidate.text = entry.get("text")  # type: ignore[assignment]
        else:
            candidate.categories = [
                CategoryIn(
                    ids[c["category"]],
                    Interest(c["interest"]),
                    Timing(c["timing"]) if c.get("timing") else None,
                    c.get("priceBand"),
                )
                for c in entry.get("categories", [])  # type: ignore[attr-defined]
                if c["category"] in ids
            ]
        try:
            if _check_one(q, candidate, "draft") is not None:
                found.append(candidate)
        except DomainError:
            continue
    return found


# --- results -------------------------------------------------------------------------------


@dataclass
class RatingSummary:
    count: int
    average: float | None
    nps: float | None
    distribution: list[tuple[int, int]]


def rating_summary(counts: dict[int, int], scale: RatingScale) -> RatingSummary:
    """Average and, for the 0-10 scale, NPS (% promoters 9-10 minus % detractors 0-6)."""
    low, high = RATING_RANGES[scale]
    distribution = [(v, counts.get(v, 0)) for v in range(low, high + 1)]
    total = sum(n for _, n in distribution)
    average = sum(v * n for v, n in distribution) / total if total else None
    nps = None
    if scale is RatingScale.NPS and total:
        promoters = sum(n for v, n in distribution if v >= 9)
        detractors = sum(n for v, n in distribution if v <= 6)
        nps = round(100 * (promoters - detractors) / total, 2)
    return RatingSummary(
        total, round(average, 4) if average is not None else None, nps, distribution
    )


@dataclass
class DemandFigures:
    """Interest in one category among one group of respondents."""

    respondents: int = 0
    interest: dict[Interest, int] = field(default_factory=lambda: dict.fromkeys(Interest, 0))
    timing: dict[Timing | None, int] = field(default_factory=dict)
    bands: dict[int, int] = field(default_factory=dict)

    def share(self, *levels: Interest) -> float:
        if not self.respondents:
            return 0.0
        return round(sum(self.interest[lv] for lv in levels) / self.respondents, 4)

    @property
    def interested(self) -> int:
        return self.interest[Interest.SOME] + self.interest[Interest.STRONG]


DemandRow = tuple[int, object, Interest, Timing | None, int | None, int]


def fold_demand(rows: Iterable[DemandRow]) -> dict[tuple[int, object], DemandFigures]:
    """Fold grouped counts (category, segment, interest, timing, band, count) into figures per
    (category, segment). Timing and bands are counted among the interested only."""
    figures: dict[tuple[int, object], DemandFigures] = {}
    for option_id, segment, interest, timing, band, count in rows:
        f = figures.setdefault((option_id, segment), DemandFigures())
        interest = Interest(interest)
        f.respondents += count
        f.interest[interest] += count
        if interest is not Interest.NONE:
            timing = Timing(timing) if timing else None
            f.timing[timing] = f.timing.get(timing, 0) + count
            if band is not None:
                f.bands[band] = f.bands.get(band, 0) + count
    return figures


def utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None and value.tzinfo else value
