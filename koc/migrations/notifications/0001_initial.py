from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.notifications.models import MessageState, NotificationKind, RefusalReason, SubscribeResult


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='KOC_APPLICATION_APPROVED: KOC_APPLICATION_APPROVED\nKOC_APPLICATION_DECLINED: KOC_APPLICATION_DECLINED\nKOC_ACTIVATED: KOC_ACTIVATED\nBADGE_EARNED: BADGE_EARNED\nPRIVILEGE_GRANTED: PRIVILEGE_GRANTED\nPRIVILEGE_EXPIRING: PRIVILEGE_EXPIRING\nSEAT_REMINDER: SEAT_REMINDER\nREFERRAL_REWARD_ISSUED: REFERRAL_REWARD_ISSUED\nREFERRAL_REWARD_CLAWED_BACK: REFERRAL_REWARD_CLAWED_BACK\nSURVEY_INVITATION: SURVEY_INVITATION', enum_type=NotificationKind, max_length=32)),
                ('key', fields.CharField(max_length=128)),
                ('title', fields.CharField(max_length=100)),
                ('body', fields.CharField(max_length=500)),
                ('link', fields.CharField(default='', max_length=500)),
                ('data', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notify_notification', 'app': 'notifications', 'unique_together': (('member_id', 'kind', 'key'),), 'indexes': [Index(fields=['member_id', 'id'], name='notify_inbox_idx'), Index(fields=['member_id', 'read_at'], name='notify_unread_idx')], 'pk_attr': 'id', 'table_description': "One entry of a member's inbox. ``key`` names the happening (``badge:12``): with the"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SubscribeGrant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('template_id', fields.CharField(max_length=64)),
                ('available', fields.IntField(default=0)),
                ('accepted_total', fields.IntField(default=0)),
                ('last_result', fields.CharEnumField(description='ACCEPT: ACCEPT\nREJECT: REJECT\nBAN: BAN\nFILTER: FILTER', enum_type=SubscribeResult, max_length=8)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notify_grant', 'app': 'notifications', 'unique_together': (('member_id', 'template_id'),), 'pk_attr': 'id', 'table_description': "A member's one-time grants for one template: how many are unused, and the last answer."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SubscribeMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('notification', fields.ForeignKeyField('notifications.Notification', source_field='notification_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='KOC_APPLICATION_APPROVED: KOC_APPLICATION_APPROVED\nKOC_APPLICATION_DECLINED: KOC_APPLICATION_DECLINED\nKOC_ACTIVATED: KOC_ACTIVATED\nBADGE_EARNED: BADGE_EARNED\nPRIVILEGE_GRANTED: PRIVILEGE_GRANTED\nPRIVILEGE_EXPIRING: PRIVILEGE_EXPIRING\nSEAT_REMINDER: SEAT_REMINDER\nREFERRAL_REWARD_ISSUED: REFERRAL_REWARD_ISSUED\nREFERRAL_REWARD_CLAWED_BACK: REFERRAL_REWARD_CLAWED_BACK\nSURVEY_INVITATION: SURVEY_INVITATION', enum_type=NotificationKind, max_length=32)),
                ('template_id', fields.CharField(max_length=64)),
                ('state', fields.CharEnumField(default=MessageState.QUEUED, description='QUEUED: QUEUED\nWAITING: WAITING\nSENDING: SENDING\nSENT: SENT\nREFUSED: REFUSED\nFAILED: FAILED', enum_type=MessageState, max_length=8)),
                ('refusal', fields.CharEnumField(null=True, description='NO_TEMPLATE: NO_TEMPLATE\nTEMPLATE_BROKEN: TEMPLATE_BROKEN\nNO_CONSENT: NO_CONSENT\nNO_OPENID: NO_OPENID\nNO_GRANT: NO_GRANT\nREJECTED: REJECTED\nBANNED: BANNED\nDAILY_CAP: DAILY_CAP\nWECHAT_NO_GRANT: WECHAT_NO_GRANT\nWECHAT_BAD_DATA: WECHAT_BAD_DATA\nWECHAT_BAD_OPENID: WECHAT_BAD_OPENID\nWECHAT_ERROR: WECHAT_ERROR', enum_type=RefusalReason, max_length=24)),
                ('detail', fields.CharField(default='', max_length=500)),
                ('attempts', fields.IntField(default=0)),
                ('send_after', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notify_message', 'app': 'notifications', 'unique_together': (('notification_id', 'template_id'),), 'indexes': [Index(fields=['state', 'send_after'], name='notify_message_due_idx'), Index(fields=['member_id', 'sent_at'], name='notify_message_member_idx'), Index(fields=['template_id', 'created_at'], name='notify_message_template_idx')], 'pk_attr': 'id', 'table_description': 'One subscribe message of a notification, with its state: the delivery log.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TemplateMapping',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(unique=True, description='KOC_APPLICATION_APPROVED: KOC_APPLICATION_APPROVED\nKOC_APPLICATION_DECLINED: KOC_APPLICATION_DECLINED\nKOC_ACTIVATED: KOC_ACTIVATED\nBADGE_EARNED: BADGE_EARNED\nPRIVILEGE_GRANTED: PRIVILEGE_GRANTED\nPRIVILEGE_EXPIRING: PRIVILEGE_EXPIRING\nSEAT_REMINDER: SEAT_REMINDER\nREFERRAL_REWARD_ISSUED: REFERRAL_REWARD_ISSUED\nREFERRAL_REWARD_CLAWED_BACK: REFERRAL_REWARD_CLAWED_BACK\nSURVEY_INVITATION: SURVEY_INVITATION', enum_type=NotificationKind, max_length=32)),
                ('template_id', fields.CharField(max_length=64)),
                ('page', fields.CharField(default='', max_length=500)),
                ('key_values', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('enabled', fields.BooleanField(default=True)),
                ('broken_reason', fields.CharField(null=True, max_length=500)),
                ('broken_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_by', fields.ForeignKeyField('core.StaffUser', source_field='updated_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notify_template', 'app': 'notifications', 'pk_attr': 'id', 'table_description': 'How one kind of notification becomes a WeChat subscribe message.'},
            bases=['Model'],
        ),
    ]
