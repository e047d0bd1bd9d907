"""The referral settings of this process (``KOC_REFERRAL_*``): how long a binding lasts, how
long a reward is held, and the fraud limits. Binding and attribution both read them; they
change with the deployment, not with the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from koc.referrals import rules
from koc.settings import get_settings


@dataclass(frozen=True)
class Policy:
    window: timedelta
    hold: timedelta
    idle_after: timedelta
    limits: rules.FraudLimits


def policy() -> Policy:
    """The referral settings (``KOC_REFERRAL_*``) of this process."""
    s = get_settings()
    return Policy(
        window=timedelta(days=s.referral_attribution_window_days),
        hold=timedelta(days=s.referral_reward_hold_days),
        idle_after=timedelta(days=s.referral_idle_days),
        limits=rules.FraudLimits(
            per_hour=s.referral_burst_per_hour,
            per_day=s.referral_burst_per_day,
            idle_referees=s.referral_idle_referees,
            idle_share=0.8,
            risk_rank=s.referral_risk_rank,
        ),
    )
