import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.creators.models import ApplicationKind, ApplicationStatus, KocRole, KocStatus


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='CertificateCounter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.IntField(unique=True)),
                ('last_sequence', fields.IntField(default=0)),
            ],
            options={'table': 'koc_certificate_counter', 'app': 'creators', 'pk_attr': 'id', 'table_description': 'The last certificate sequence number issued in a year (incremented under a row lock).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KocCampaign',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=120)),
                ('brief', fields.TextField(unique=False)),
                ('role', fields.CharEnumField(description='CONTENT: CONTENT\nEXPERIENCE: EXPERIENCE\nCO_CREATION: CO_CREATION', enum_type=KocRole, max_length=16)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('has_stage_audience', fields.BooleanField(default=False)),
                ('has_tag_audience', fields.BooleanField(default=False)),
                ('min_score', fields.FloatField(null=True, description='Minimum candidate score for the role')),
                ('capacity', fields.IntField(null=True)),
                ('participant_count', fields.IntField(default=0)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'koc_campaign', 'app': 'creators', 'indexes': [Index(fields=['starts_at', 'id'], name='koc_campaign_starts_idx'), Index(fields=['ends_at'], name='koc_campaign_ends_idx'), Index(fields=['role', 'starts_at', 'id'], name='koc_campaign_role_idx')], 'pk_attr': 'id', 'table_description': 'A recruitment campaign for one role, such as a content creation challenge.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignAudienceStage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('creators.KocCampaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('stage', fields.ForeignKeyField('core.LifecycleStage', source_field='stage_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'koc_campaign_audience_stage', 'app': 'creators', 'unique_together': (('campaign_id', 'stage_id'),), 'indexes': [Index(fields=['stage_id', 'campaign_id'], name='koc_campaign_stage_idx')], 'pk_attr': 'id', 'table_description': 'A lifecycle stage a campaign is open to (none means every stage).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignAudienceTag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('creators.KocCampaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('tag', fields.ForeignKeyField('core.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'koc_campaign_audience_tag', 'app': 'creators', 'unique_together': (('campaign_id', 'tag_id'),), 'indexes': [Index(fields=['tag_id', 'campaign_id'], name='koc_campaign_tag_idx')], 'pk_attr': 'id', 'table_description': 'A tag whose holders a campaign is open to (none means no tag is needed).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignParticipant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('creators.KocCampaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'koc_campaign_participant', 'app': 'creators', 'unique_together': (('campaign_id', 'member_id'),), 'indexes': [Index(fields=['member_id', 'id'], name='koc_participant_member_idx')], 'pk_attr': 'id', 'table_description': 'A member signed up for a campaign.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignSubmission',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('creators.KocCampaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('text', fields.TextField(default='', unique=False)),
                ('links', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('media_urls', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('rating', fields.IntField(null=True)),
                ('rating_rank', fields.IntField(default=0)),
                ('review_comment', fields.CharField(default='', max_length=1000)),
                ('reviewed_by', fields.ForeignKeyField('core.StaffUser', source_field='reviewed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'koc_campaign_submission', 'app': 'creators', 'indexes': [Index(fields=['campaign_id', 'rating_rank', 'id'], name='koc_submission_rank_idx'), Index(fields=['member_id', 'id'], name='koc_submission_member_idx')], 'pk_attr': 'id', 'table_description': 'Work a participant submitted to a campaign, and the staff rating of it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KocApplication',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='APPLICATION: APPLICATION\nNOMINATION: NOMINATION', enum_type=ApplicationKind, max_length=16)),
                ('status', fields.CharEnumField(default=ApplicationStatus.PENDING, description='PENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED', enum_type=ApplicationStatus, max_length=16)),
                ('open_member_id', fields.IntField(null=True, unique=True)),
                ('roles_wanted', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('statement', fields.TextField(default='', unique=False)),
                ('links', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('nominated_by', fields.ForeignKeyField('core.StaffUser', source_field='nominated_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('campaign', fields.ForeignKeyField('creators.KocCampaign', source_field='campaign_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('roles_granted', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('rejection_reason', fields.CharField(default='', max_length=500)),
                ('reviewed_by', fields.ForeignKeyField('core.StaffUser', source_field='reviewed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'koc_application', 'app': 'creators', 'indexes': [Index(fields=['created_at', 'id'], name='koc_application_created_idx'), Index(fields=['status', 'created_at', 'id'], name='koc_application_status_idx'), Index(fields=['member_id', 'id'], name='koc_application_member_idx')], 'pk_attr': 'id', 'table_description': 'A member application or a staff nomination, reviewed in one queue.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KocChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('from_status', fields.CharEnumField(null=True, description='CANDIDATE: CANDIDATE\nACTIVE: ACTIVE\nPAUSED: PAUSED\nRETIRED: RETIRED', enum_type=KocStatus, max_length=16)),
                ('to_status', fields.CharEnumField(description='CANDIDATE: CANDIDATE\nACTIVE: ACTIVE\nPAUSED: PAUSED\nRETIRED: RETIRED', enum_type=KocStatus, max_length=16)),
                ('roles', fields.JSONField(description='Roles held after the change', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'koc_change', 'app': 'creators', 'indexes': [Index(fields=['member_id', 'id'], name='koc_change_member_idx')], 'pk_attr': 'id', 'table_description': 'A status or roles change of a KOC profile: who, why and when.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KocProfile',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', unique=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(description='CANDIDATE: CANDIDATE\nACTIVE: ACTIVE\nPAUSED: PAUSED\nRETIRED: RETIRED', enum_type=KocStatus, max_length=16)),
                ('status_changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('activated_at', fields.DatetimeField(null=True, description='First activation', auto_now=False, auto_now_add=False)),
                ('certificate_number', fields.CharField(null=True, unique=True, max_length=32)),
                ('certificate_issued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'koc_profile', 'app': 'creators', 'indexes': [Index(fields=['status_changed_at', 'id'], name='koc_profile_changed_idx'), Index(fields=['status', 'status_changed_at', 'id'], name='koc_profile_status_idx')], 'pk_attr': 'id', 'table_description': 'A member considered for, holding or having held the KOC identity.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KocRoleGrant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='CONTENT: CONTENT\nEXPERIENCE: EXPERIENCE\nCO_CREATION: CO_CREATION', enum_type=KocRole, max_length=16)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'koc_role_grant', 'app': 'creators', 'unique_together': (('member_id', 'role'),), 'indexes': [Index(fields=['role', 'member_id'], name='koc_role_grant_role_idx')], 'pk_attr': 'id', 'table_description': 'One typed role held by a KOC.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberSignals',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', unique=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('order_count', fields.IntField(default=0)),
                ('order_cents', fields.BigIntField(default=0)),
                ('first_order_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('refunds', fields.IntField(default=0)),
                ('content_posts', fields.IntField(default=0)),
                ('events_attended', fields.IntField(default=0)),
                ('test_drives_hosted', fields.IntField(default=0)),
                ('complaints', fields.IntField(default=0)),
                ('converted_referrals', fields.IntField(default=0)),
                ('survey_answers', fields.IntField(default=0)),
                ('campaign_signups', fields.IntField(default=0)),
                ('campaign_submissions', fields.IntField(default=0)),
                ('rating_sum', fields.IntField(default=0)),
                ('rating_count', fields.IntField(default=0)),
                ('last_active_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('is_koc', fields.BooleanField(default=False, description='Active, paused or retired KOC')),
                ('score_overall', fields.FloatField(default=0)),
                ('score_content', fields.FloatField(default=0)),
                ('score_experience', fields.FloatField(default=0)),
                ('score_co_creation', fields.FloatField(default=0)),
                ('scored_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'koc_member_signals', 'app': 'creators', 'indexes': [Index(fields=['is_koc', 'score_overall', 'id'], name='koc_signals_overall_idx'), Index(fields=['is_koc', 'score_content', 'id'], name='koc_signals_content_idx'), Index(fields=['is_koc', 'score_experience', 'id'], name='koc_signals_exp_idx'), Index(fields=['is_koc', 'score_co_creation', 'id'], name='koc_signals_cocr_idx')], 'pk_attr': 'id', 'table_description': 'Discovery signals of one member, kept current by hooks, with the scores they give.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScoringConfig',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('weights', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'koc_scoring_config', 'app': 'creators', 'pk_attr': 'id', 'table_description': 'The brand scoring weights: a single row (id 1), absent until staff change a default.'},
            bases=['Model'],
        ),
    ]
