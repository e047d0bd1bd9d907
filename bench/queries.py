"""The operations the benchmark sends, kept in one place so koc and the floor answer the same."""

from __future__ import annotations

HOME_QUERY = """query Home {
  me {
    id nickname avatarUrl region orderCount
    stage { code name }
    koc { status roles certificate { number } }
    badges { awardedAt badge { code name } }
    privilegeGrants { expiresAt privilege { code name } }
    referralCode { code }
    referrals(first: 1) { totalCount }
    pointsBalance
    surveys(first: 10) { totalCount edges { node { id title } } }
  }
}"""
