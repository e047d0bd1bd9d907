"""Fields other features add to the Member type.

Each feature defines a ``@strawberry.type`` mixin whose resolvers use ``self.id`` (the member's
database id) and adds it to this tuple, one import and one entry per feature. Mixin modules must
not import ``koc.members.graphql.types`` at import time (use ``strawberry.lazy`` for Member).
"""

from __future__ import annotations

from koc.advisory.graphql.member_fields import AdvisoryMemberFields
from koc.advisory.graphql.timeline import TimelineMemberFields
from koc.badges.graphql.member_fields import BadgeMemberFields
from koc.creators.graphql.member_fields import KocMemberFields
from koc.notifications.graphql.member_fields import NotificationMemberFields
from koc.orders.graphql.member_fields import OrderMemberFields
from koc.privacy.graphql.member_fields import PrivacyMemberFields
from koc.privileges.graphql.member_fields import PrivilegeMemberFields
from koc.referrals.graphql.member_fields import ReferralMemberFields
from koc.surveys.graphql.member_fields import SurveyMemberFields

MEMBER_EXTENSIONS: tuple[type, ...] = (
    BadgeMemberFields,
    PrivilegeMemberFields,
    KocMemberFields,
    ReferralMemberFields,
    SurveyMemberFields,
    PrivacyMemberFields,
    AdvisoryMemberFields,
    TimelineMemberFields,
    OrderMemberFields,
    NotificationMemberFields,
)
