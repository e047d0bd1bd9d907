"""Error codes of segments, tag rules and stage rules."""

from koc.errors import ErrorCode


class SegmentErrorCode(ErrorCode):
    INVALID_RULE = (
        "INVALID_RULE",
        "The rule is malformed; ``field`` is the path inside the tree "
        "(e.g. rule.any[2].events.withinDays) and the message says why.",
    )
    NOT_FOUND = (
        "NOT_FOUND",
        "A segment, tag, stage, badge, survey option or advisor named does not exist (``field`` "
        "says which; an advisor is a staff account with the ADVISOR role).",
    )
    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    DUPLICATE = "DUPLICATE", "A segment of this name exists already."
    RULE_LOOP = (
        "RULE_LOOP",
        "The tag rule would trigger itself: its segment reads the tag it sets, directly or "
        "through other tag rules.",
    )
    IN_USE = (
        "IN_USE",
        "The segment is used by a tag or stage rule or is the audience of a survey, a privilege or "
        "a campaign; change those first.",
    )
