from koc.errors import ErrorCode


class KocErrorCode(ErrorCode):
    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND", "No member has this ID."
    KOC_NOT_FOUND = (
        "KOC_NOT_FOUND",
        "The member is not a KOC or candidate: nominate them first.",
    )
    APPLICATION_NOT_FOUND = "APPLICATION_NOT_FOUND", "No application has this ID."
    ALREADY_KOC = "ALREADY_KOC", "The member already is an active or paused KOC."
    APPLICATION_OPEN = (
        "APPLICATION_OPEN",
        "The member already has an application or nomination waiting for review.",
    )
    COOLDOWN = (
        "COOLDOWN",
        "The last application was rejected recently; the message gives the day the member may "
        "apply again.",
    )
    ALREADY_REVIEWED = "ALREADY_REVIEWED", "The application was already approved or rejected."
    INVALID_TRANSITION = (
        "INVALID_TRANSITION",
        "The KOC cannot move from its status to the one asked (see KocStatus).",
    )
    NOT_ACTIVE = (
        "NOT_ACTIVE",
        "Roles change only on an active or paused KOC, and a paused one must be resumed "
        "before it is granted roles.",
    )
    ROLES_REQUIRED = "ROLES_REQUIRED", "An active KOC needs at least one role."


class KocCampaignErrorCode(ErrorCode):
    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    CAMPAIGN_NOT_FOUND = "CAMPAIGN_NOT_FOUND", "No campaign has this ID."
    SUBMISSION_NOT_FOUND = "SUBMISSION_NOT_FOUND", "No submission has this ID."
    NOT_FOUND = (
        "NOT_FOUND",
        "The audience names a segment, tag, stage, badge, survey option or advisor that does not "
        "exist (``field`` says which).",
    )
    INVALID_RULE = (
        "INVALID_RULE",
        "The audience rule is malformed; ``field`` is the path inside the tree.",
    )
    NOT_OPEN = "NOT_OPEN", "The campaign is not running (not started yet, or ended)."
    NOT_IN_AUDIENCE = "NOT_IN_AUDIENCE", "The campaign is not open to this member."
    FULL = "FULL", "The campaign has all the participants it takes."
    ALREADY_JOINED = "ALREADY_JOINED", "The member already joined this campaign."
    NOT_JOINED = "NOT_JOINED", "The member must join the campaign before submitting."
    TOO_MANY_SUBMISSIONS = (
        "TOO_MANY_SUBMISSIONS",
        "The member has submitted as many times as one campaign allows.",
    )
    NOT_ACTIVE = (
        "NOT_ACTIVE",
        "The submission's author is a paused KOC: resume them before promoting them.",
    )
