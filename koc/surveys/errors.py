from koc.errors import ErrorCode


class SurveyErrorCode(ErrorCode):
    NOT_FOUND = (
        "NOT_FOUND",
        "No survey has this ID, the survey has no such version, or the audience names a "
        "segment, tag, stage, badge or survey option that does not exist (``field`` says which).",
    )
    INVALID_RULE = (
        "INVALID_RULE",
        "The audience rule is malformed; ``field`` is the path inside the tree.",
    )
    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    NOT_EDITABLE = (
        "NOT_EDITABLE",
        "The survey is closed, or the change (anonymity) is not allowed once it is published.",
    )
    NOT_DRAFT = "NOT_DRAFT", "Only a draft survey can be published."
    NOT_OPEN = "NOT_OPEN", "The survey is not open (a draft, closed, or past its closing time)."
    NO_QUESTIONS = "NO_QUESTIONS", "A survey needs at least one question to be published."
    TAG_NOT_FOUND = "TAG_NOT_FOUND", "An option names a tag that does not exist."
    MEMBER_NOT_FOUND = (
        "MEMBER_NOT_FOUND",
        "A member named (in the explicit audience or as the interviewee) does not exist.",
    )
    NOT_IN_AUDIENCE = "NOT_IN_AUDIENCE", "The survey is not meant for this member."
    ALREADY_RESPONDED = (
        "ALREADY_RESPONDED",
        "The member already answered this survey (in the mini-program or in an interview).",
    )
    RESPONSE_CAP_REACHED = "RESPONSE_CAP_REACHED", "The survey has all the responses it wanted."
    QUESTION_NOT_IN_SURVEY = (
        "QUESTION_NOT_IN_SURVEY",
        "An answer names a question that is not in the version being answered.",
    )
    DUPLICATE_ANSWER = (
        "DUPLICATE_ANSWER",
        "A question, an option or a category is answered twice.",
    )
    INVALID_ANSWER = (
        "INVALID_ANSWER",
        "The answer has the wrong shape for its question's kind (e.g. text for a rating), or "
        "an impossible combination (a timing with no interest, an unknown price band).",
    )
    MISSING_ANSWER = (
        "MISSING_ANSWER",
        "A required question shown for the answers given has no answer (or a category has no "
        "interest).",
    )
    TOO_FEW_PICKS = "TOO_FEW_PICKS", "Fewer options picked than the question asks for."
    TOO_MANY_PICKS = "TOO_MANY_PICKS", "More options picked than the question allows."
    OPTION_NOT_IN_QUESTION = (
        "OPTION_NOT_IN_QUESTION",
        "A picked option or category does not belong to its question.",
    )
    RATING_OUT_OF_RANGE = "RATING_OUT_OF_RANGE", "The rating is outside its scale (1-5 or 0-10)."
    TEXT_TOO_LONG = "TEXT_TOO_LONG", "The text is longer than the question allows."
    HIDDEN_QUESTION = (
        "HIDDEN_QUESTION",
        "The question is not shown for the earlier answers given (its showIf is not met), so it "
        "takes no answer.",
    )
