from koc.errors import ErrorCode


class AuthErrorCode(ErrorCode):
    INVALID_CREDENTIALS = (
        "INVALID_CREDENTIALS",
        "The username or password is wrong, or the account is disabled or locked for a while "
        "after failed attempts (which one is not said).",
    )
    INVALID_CODE = (
        "INVALID_CODE",
        "The wx.login or getPhoneNumber code is empty, malformed, expired or already used: get "
        "a new one from the mini-program.",
    )
    WECHAT_RATE_LIMITED = (
        "WECHAT_RATE_LIMITED",
        "WeChat is rate limiting this app; try again shortly.",
    )
    WECHAT_HIGH_RISK_USER = (
        "WECHAT_HIGH_RISK_USER",
        "WeChat flags this user as high-risk; the login is refused.",
    )
    WECHAT_UNAVAILABLE = (
        "WECHAT_UNAVAILABLE",
        "WeChat could not be reached or gave an unreadable answer; try again.",
    )
    WECHAT_ERROR = (
        "WECHAT_ERROR",
        "WeChat refused the call or answered without what was asked (the message says what); "
        "also a concurrent login of the same member.",
    )
    INVALID_REFRESH_TOKEN = (
        "INVALID_REFRESH_TOKEN",
        "The refresh token is unknown, expired, or its account is disabled: sign in again.",
    )
    REFRESH_TOKEN_REUSED = (
        "REFRESH_TOKEN_REUSED",
        "The refresh token was already used once: every session of that login is now signed "
        "out, as a stolen token would be.",
    )
    PHONE_IN_USE = ("PHONE_IN_USE", "The phone number belongs to another member.")
    INVALID = ("INVALID", "A field's value is not acceptable; the message says why.")
    DUPLICATE = ("DUPLICATE", "The username is taken.")
    NOT_FOUND = ("NOT_FOUND", "No partner token has this ID.")
    STAFF_NOT_FOUND = ("STAFF_NOT_FOUND", "No staff account has this ID.")
    LAST_ADMIN = (
        "LAST_ADMIN",
        "The change would leave no active ADMIN account, and nobody could manage staff again.",
    )
