from koc.errors import ErrorCode


class AdvisoryErrorCode(ErrorCode):
    INVALID = ("INVALID", "A field's value is not acceptable; the message says why.")
    MEMBER_NOT_FOUND = ("MEMBER_NOT_FOUND", "No member has this ID.")
    ADVISOR_NOT_FOUND = (
        "ADVISOR_NOT_FOUND",
        "No active staff account with the ADVISOR role has this ID.",
    )
    NO_MEMBERS = ("NO_MEMBERS", "No member matches.")
    TOO_MANY_MEMBERS = ("TOO_MANY_MEMBERS", "More members than one call may change.")
    NOT_IN_POOL = ("NOT_IN_POOL", "The member has an owner already; only pool members are claimed.")
    NOT_OWNED_BY_FROM = (
        "NOT_OWNED_BY_FROM",
        "A member named in a handover is not owned by the advisor handing over.",
    )
    FOLLOW_UP_NOT_FOUND = ("FOLLOW_UP_NOT_FOUND", "No follow-up of yours has this ID.")
    STAGE_NOT_FOUND = ("STAGE_NOT_FOUND", "No lifecycle stage has this code.")
    NOT_FOUND = (
        "NOT_FOUND",
        "Something the member filter names (a segment, a tag) does not exist; the message says which.",
    )
    INVALID_RULE = (
        "INVALID_RULE",
        "The filter's segment rule is malformed; ``field`` is the path inside the tree.",
    )
