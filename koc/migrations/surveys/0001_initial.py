import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.surveys.models import (
    AudienceMode,
    AudienceRuleKind,
    Interest,
    QuestionKind,
    RatingScale,
    ResponseChannel,
    SurveyPurpose,
    SurveyStatus,
    Timing,
)


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Survey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=200)),
                ('introduction', fields.TextField(default='', unique=False)),
                ('purpose', fields.CharEnumField(description='CATEGORY_EXPANSION: CATEGORY_EXPANSION\nSATISFACTION: SATISFACTION\nONBOARDING: ONBOARDING\nOTHER: OTHER', enum_type=SurveyPurpose, max_length=24)),
                ('status', fields.CharEnumField(default=SurveyStatus.DRAFT, description='DRAFT: DRAFT\nOPEN: OPEN\nCLOSED: CLOSED', enum_type=SurveyStatus, max_length=8)),
                ('anonymous', fields.BooleanField(default=False)),
                ('closes_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('response_cap', fields.IntField(null=True)),
                ('response_count', fields.IntField(default=0)),
                ('audience_mode', fields.CharEnumField(default=AudienceMode.RULES, description='RULES: RULES\nEXPLICIT: EXPLICIT', enum_type=AudienceMode, max_length=8)),
                ('bought_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('bought_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('current_version_id', fields.IntField(null=True)),
                ('created_by', fields.ForeignKeyField('core.StaffUser', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'survey', 'app': 'surveys', 'indexes': [Index(fields=['created_at', 'id'], name='survey_created_idx'), Index(fields=['status', 'created_at', 'id'], name='survey_status_idx'), Index(fields=['purpose', 'created_at', 'id'], name='survey_purpose_idx')], 'pk_attr': 'id', 'table_description': 'A questionnaire. Its questions live in versions, the current one is current_version_id.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyAudienceMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('surveys.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'survey_audience_member', 'app': 'surveys', 'unique_together': (('survey_id', 'member_id'),), 'indexes': [Index(fields=['member_id'], name='survey_audience_member_idx')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyAudienceRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('surveys.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='STAGE: STAGE\nTAG: TAG\nKOC_ROLE: KOC_ROLE\nCATEGORY: CATEGORY', enum_type=AudienceRuleKind, max_length=10)),
                ('value', fields.CharField(default='', max_length=64)),
                ('tag', fields.ForeignKeyField('core.Tag', source_field='tag_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'survey_audience_rule', 'app': 'surveys', 'indexes': [Index(fields=['survey_id', 'kind'], name='survey_audience_rule_idx')], 'pk_attr': 'id', 'table_description': 'One accepted value of one audience rule kind (a stage code, a tag, a role, a category).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyKocRole',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('role', fields.CharField(max_length=32)),
            ],
            options={'table': 'survey_koc_role', 'app': 'surveys', 'unique_together': (('member_id', 'role'),), 'pk_attr': 'id', 'table_description': 'A KOC role a member holds while their KOC profile is ACTIVE, kept from the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyParticipation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('surveys.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('draft', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('draft_saved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'survey_participation', 'app': 'surveys', 'unique_together': (('survey_id', 'member_id'),), 'indexes': [Index(fields=['member_id', 'survey_id'], name='survey_participation_member_idx')], 'pk_attr': 'id', 'table_description': 'A member taking part in a survey: the saved draft, then the time they answered.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('surveys.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('definition_hash', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'survey_version', 'app': 'surveys', 'unique_together': (('survey_id', 'number'),), 'pk_attr': 'id', 'table_description': 'A frozen set of questions once published. Editing an open survey makes a new one.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyQuestion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('version', fields.ForeignKeyField('surveys.SurveyVersion', source_field='version_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=64)),
                ('position', fields.IntField()),
                ('kind', fields.CharEnumField(description='SINGLE_CHOICE: SINGLE_CHOICE\nMULTIPLE_CHOICE: MULTIPLE_CHOICE\nRATING: RATING\nTEXT: TEXT\nCATEGORY_INTEREST: CATEGORY_INTEREST', enum_type=QuestionKind, max_length=20)),
                ('prompt', fields.TextField(unique=False)),
                ('required', fields.BooleanField(default=False)),
                ('min_picks', fields.IntField(null=True)),
                ('max_picks', fields.IntField(null=True)),
                ('rating_scale', fields.CharEnumField(null=True, description='FIVE: FIVE\nNPS: NPS', enum_type=RatingScale, max_length=8)),
                ('max_length', fields.IntField(null=True)),
                ('price_bands', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('show_if_question', fields.ForeignKeyField('surveys.SurveyQuestion', source_field='show_if_question_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('show_if_option_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('show_if_rating_min', fields.IntField(null=True)),
                ('show_if_rating_max', fields.IntField(null=True)),
            ],
            options={'table': 'survey_question', 'app': 'surveys', 'unique_together': (('version_id', 'key'),), 'indexes': [Index(fields=['version_id', 'position'], name='survey_question_version_idx')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyOption',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('question', fields.ForeignKeyField('surveys.SurveyQuestion', source_field='question_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=64)),
                ('label', fields.CharField(max_length=200)),
                ('position', fields.IntField()),
            ],
            options={'table': 'survey_option', 'app': 'surveys', 'unique_together': (('question_id', 'key'),), 'indexes': [Index(fields=['question_id', 'position'], name='survey_option_question_idx')], 'pk_attr': 'id', 'table_description': 'A choice of a choice question, or a candidate category of a CATEGORY_INTEREST question.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyCodebookRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('option', fields.ForeignKeyField('surveys.SurveyOption', source_field='option_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('interest', fields.CharEnumField(null=True, description='NONE: NONE\nSOME: SOME\nSTRONG: STRONG', enum_type=Interest, max_length=8)),
                ('tag', fields.ForeignKeyField('core.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'survey_codebook_rule', 'app': 'surveys', 'indexes': [Index(fields=['option_id'], name='survey_codebook_option_idx')], 'pk_attr': 'id', 'table_description': 'Picking an option (interest null) or giving an interest level to a category adds a tag.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyResponse',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('surveys.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('version', fields.ForeignKeyField('surveys.SurveyVersion', source_field='version_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='MINI_PROGRAM: MINI_PROGRAM\nINTERVIEW: INTERVIEW', enum_type=ResponseChannel, max_length=12)),
                ('interviewer', fields.ForeignKeyField('core.StaffUser', source_field='interviewer_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('interviewer_name', fields.CharField(default='', max_length=64)),
                ('notes', fields.TextField(default='', unique=False)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'survey_response', 'app': 'surveys', 'indexes': [Index(fields=['version_id', 'id'], name='survey_response_version_idx'), Index(fields=['survey_id', 'id'], name='survey_response_survey_idx'), Index(fields=['member_id'], name='survey_response_member_idx')], 'pk_attr': 'id', 'table_description': 'One submitted answer sheet. member is null for anonymous surveys.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('response', fields.ForeignKeyField('surveys.SurveyResponse', source_field='response_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('question', fields.ForeignKeyField('surveys.SurveyQuestion', source_field='question_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('rating', fields.SmallIntField(null=True)),
                ('text', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'survey_answer', 'app': 'surveys', 'indexes': [Index(fields=['question_id', 'rating'], name='survey_answer_rating_idx'), Index(fields=['question_id', 'id'], name='survey_answer_question_idx'), Index(fields=['response_id'], name='survey_answer_response_idx')], 'pk_attr': 'id', 'table_description': 'One answered question of one response (rating or text here, picks and categories apart).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyAnswerPick',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('response', fields.ForeignKeyField('surveys.SurveyResponse', source_field='response_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('question', fields.ForeignKeyField('surveys.SurveyQuestion', source_field='question_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('option', fields.ForeignKeyField('surveys.SurveyOption', source_field='option_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'survey_answer_pick', 'app': 'surveys', 'indexes': [Index(fields=['question_id', 'option_id'], name='survey_pick_option_idx'), Index(fields=['response_id'], name='survey_pick_response_idx')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyCategoryAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('response', fields.ForeignKeyField('surveys.SurveyResponse', source_field='response_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('question', fields.ForeignKeyField('surveys.SurveyQuestion', source_field='question_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('option', fields.ForeignKeyField('surveys.SurveyOption', source_field='option_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('interest', fields.CharEnumField(description='NONE: NONE\nSOME: SOME\nSTRONG: STRONG', enum_type=Interest, max_length=8)),
                ('timing', fields.CharEnumField(null=True, description='BEFORE_PURCHASE: BEFORE_PURCHASE\nAFTER_PURCHASE: AFTER_PURCHASE', enum_type=Timing, max_length=16)),
                ('price_band', fields.SmallIntField(null=True)),
            ],
            options={'table': 'survey_category_answer', 'app': 'surveys', 'indexes': [Index(fields=['question_id', 'option_id', 'interest', 'timing', 'price_band'], name='survey_category_demand_idx'), Index(fields=['question_id', 'member_id'], name='survey_category_member_idx'), Index(fields=['response_id'], name='survey_category_response_idx')], 'pk_attr': 'id', 'table_description': 'Interest in one candidate category. member is copied from the response (null when'},
            bases=['Model'],
        ),
    ]
