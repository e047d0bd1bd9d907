from koc.errors import ErrorCode


class LiveCodeErrorCode(ErrorCode):
    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    NOT_FOUND = "NOT_FOUND", "No live code, target, member or tag has this ID."
    SLUG_TAKEN = "SLUG_TAKEN", "Another live code has this slug."
    WRONG_KIND = "WRONG_KIND", "The operation does not apply to this kind of live code."
    WECHAT_ERROR = (
        "WECHAT_ERROR",
        "WeChat or WeCom refused the request or could not be reached; the message says which.",
    )
