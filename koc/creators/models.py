"""KOC profiles, typed roles, certificates, applications, recruitment campaigns and the
per-member discovery signals that feed the candidate ranking."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint
from tortoise.models import Model


class KocRole(StrEnum):
    CONTENT = "CONTENT"
    EXPERIENCE = "EXPERIENCE"
    CO_CREATION = "CO_CREATION"


class KocStatus(StrEnum):
    CANDIDATE = "CANDIDATE"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    RETIRED = "RETIRED"


class ApplicationKind(StrEnum):
    APPLICATION = "APPLICATION"
    NOMINATION = "NOMINATION"


class ApplicationStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class MemberSignals(Model):
    """Discovery signals of one member, kept current by hooks, with the scores they give.

    The score columns are what the candidate ranking sorts on; scored_at is the moment they
    were computed (recency decays, so the breakdown is shown as of that moment).
    """

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False, unique=True)
    order_count = fields.IntField(default=0)
    order_cents = fields.BigIntField(default=0)
    first_order_at = fields.DatetimeField(null=True)
    refunds = fields.IntField(default=0)
    content_posts = fields.IntField(default=0)
    events_attended = fields.IntField(default=0)
    test_drives_hosted = fields.IntField(default=0)
    complaints = fields.IntField(default=0)
    converted_referrals = fields.IntField(default=0)
    survey_answers = fields.IntField(default=0)
    campaign_signups = fields.IntField(default=0)
    campaign_submissions = fields.IntField(default=0)
    rating_sum = fields.IntField(default=0)
    rating_count = fields.IntField(default=0)
    last_active_at = fields.DatetimeField(null=True)
    is_koc = fields.BooleanField(default=False, description="Active, paused or retired KOC")
    score_overall = fields.FloatField(default=0)
    score_content = fields.FloatField(default=0)
    score_experience = fields.FloatField(default=0)
    score_co_creation = fields.FloatField(default=0)
    scored_at = fields.DatetimeField(null=True)

    class Meta:
        table = "koc_member_signals"
        # unique=True on a foreign key creates no index: the constraint does
        constraints = [UniqueConstraint(fields=("member_id",), name="koc_signals_member_uniq")]
        indexes = [
            Index(fields=("is_koc", "score_overall", "id"), name="koc_signals_overall_idx"),
            Index(fields=("is_koc", "score_content", "id"), name="koc_signals_content_idx"),
            Index(fields=("is_koc", "score_experience", "id"), name="koc_signals_exp_idx"),
            Index(fields=("is_koc", "score_co_creation", "id"), name="koc_signals_cocr_idx"),
        ]


class ScoringConfig(Model):
    """The brand scoring weights: a single row (id 1), absent until staff change a default."""

    id = fields.IntField(primary_key=True)
    weights = fields.JSONField()
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "koc_scoring_config"


class KocProfile(Model):
    """A member considered for, holding or having held the KOC identity."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False, unique=True)
    status = fields.CharEnumField(KocStatus, max_length=16)
    status_changed_at = fields.DatetimeField()
    activated_at = fields.DatetimeField(null=True, description="First activation")
    certificate_number = fields.CharField(max_length=32, unique=True, null=True)
    certificate_issued_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "koc_profile"
        constraints = [UniqueConstraint(fields=("member_id",), name="koc_profile_member_uniq")]
        indexes = [
            Index(fields=("status_changed_at", "id"), name="koc_profile_changed_idx"),
            Index(fields=("status", "status_changed_at", "id"), name="koc_profile_status_idx"),
        ]


class KocRoleGrant(Model):
    """One typed role held by a KOC."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    role = fields.CharEnumField(KocRole, max_length=16)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "koc_role_grant"
        unique_together = (("member_id", "role"),)
        indexes = [Index(fields=("role", "member_id"), name="koc_role_grant_role_idx")]


class KocChange(Model):
    """A status or roles change of a KOC profile: who, why and when."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    from_status = fields.CharEnumField(KocStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(KocStatus, max_length=16)
    roles = fields.JSONField(description="Roles held after the change")
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    reason = fields.CharField(max_length=500)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "koc_change"
        indexes = [Index(fields=("member_id", "id"), name="koc_change_member_idx")]


class CertificateCounter(Model):
    """The last certificate sequence number issued in a year (incremented under a row lock)."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField(unique=True)
    last_sequence = fields.IntField(default=0)

    class Meta:
        table = "koc_certificate_counter"


class KocApplication(Model):
    """A member application or a staff nomination, reviewed in one queue.

    open_member_id holds the member id while the application is pending and is null after
    review: its unique constraint allows one open application per member.
    """

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    kind = fields.CharEnumField(ApplicationKind, max_length=16)
    status = fields.CharEnumField(
        ApplicationStatus, max_length=16, default=ApplicationStatus.PENDING
    )
    open_member_id = fields.IntField(null=True, unique=True)
    roles_wanted = fields.JSONField()
    statement = fields.TextField(default="")
    links = fields.JSONField(default=list)
    nominated_by = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    campaign = fields.ForeignKeyField("creators.KocCampaign", related_name=False, null=True)
    roles_granted = fields.JSONField(default=list)
    rejection_reason = fields.CharField(max_length=500, default="")
    reviewed_by = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    reviewed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "koc_application"
        indexes = [
            Index(fields=("created_at", "id"), name="koc_application_created_idx"),
            Index(fields=("status", "created_at", "id"), name="koc_application_status_idx"),
            Index(fields=("member_id", "id"), name="koc_application_member_idx"),
        ]


class KocCampaign(Model):
    """A recruitment campaign for one role, such as a content creation challenge."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=120)
    brief = fields.TextField()
    role = fields.CharEnumField(KocRole, max_length=16)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    # Who may join: a rule of the segment language or a saved segment, neither for every
    # member (koc.members.audience); the minimum score for the role applies as well.
    audience_rule = fields.JSONField(null=True)
    audience_segment = fields.ForeignKeyField(
        "segments.Segment", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    min_score = fields.FloatField(null=True, description="Minimum candidate score for the role")
    capacity = fields.IntField(null=True)
    participant_count = fields.IntField(default=0)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "koc_campaign"
        indexes = [
            Index(fields=("starts_at", "id"), name="koc_campaign_starts_idx"),
            Index(fields=("ends_at",), name="koc_campaign_ends_idx"),
            Index(fields=("role", "starts_at", "id"), name="koc_campaign_role_idx"),
        ]


class CampaignParticipant(Model):
    """A member signed up for a campaign."""

    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField("creators.KocCampaign", related_name=False)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "koc_campaign_participant"
        unique_together = (("campaign_id", "member_id"),)
        indexes = [Index(fields=("member_id", "id"), name="koc_participant_member_idx")]


class CampaignSubmission(Model):
    """Work a participant submitted to a campaign, and the staff rating of it.

    rating_rank is the rating, or 0 while unrated, so the top-rated ordering has no nulls.
    """

    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField("creators.KocCampaign", related_name=False)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    text = fields.TextField(default="")
    links = fields.JSONField(default=list)
    media_urls = fields.JSONField(default=list)
    rating = fields.IntField(null=True)
    rating_rank = fields.IntField(default=0)
    review_comment = fields.CharField(max_length=1000, default="")
    reviewed_by = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    reviewed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "koc_campaign_submission"
        indexes = [
            Index(fields=("campaign_id", "rating_rank", "id"), name="koc_submission_rank_idx"),
            Index(fields=("member_id", "id"), name="koc_submission_member_idx"),
        ]
