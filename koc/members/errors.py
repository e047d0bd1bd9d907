from koc.errors import ErrorCode


class MemberErrorCode(ErrorCode):
    NOT_FOUND = "NOT_FOUND", "No member has this ID."
    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    STAGE_NOT_FOUND = "STAGE_NOT_FOUND", "No lifecycle stage has this code."
    SAME_STAGE = "SAME_STAGE", "The member is already on this stage."


class TagErrorCode(ErrorCode):
    NOT_FOUND = "NOT_FOUND", "One of the tags does not exist (the message lists them)."
    GROUP_NOT_FOUND = "GROUP_NOT_FOUND", "No tag group has this ID."
    DUPLICATE = (
        "DUPLICATE",
        "A tag group of this name exists, or the group already has a tag of this name.",
    )
    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    EXCLUSIVE_CONFLICT = (
        "EXCLUSIVE_CONFLICT",
        "Two of the tags belong to the same exclusive group, which allows one per member.",
    )
    NO_MEMBERS = "NO_MEMBERS", "No member was named, or none matches the filter."
    INVALID_RULE = (
        "INVALID_RULE",
        "The filter's segment rule is malformed; ``field`` is the path inside the tree.",
    )
    TOO_MANY_MEMBERS = (
        "TOO_MANY_MEMBERS",
        "More members match than one call may change (the message gives the limit).",
    )
