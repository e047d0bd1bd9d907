from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("referrals", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ReferralReportDay",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("currency", fields.CharField(max_length=3)),
                ("referrer_id", fields.IntField(description="The referrer, or 0 for every order")),
                ("day", fields.DateField()),
                ("category", fields.CharField(max_length=64)),
                ("orders", fields.BigIntField(default=0)),
                ("revenue_cents", fields.BigIntField(default=0)),
                ("referred_orders", fields.BigIntField(default=0)),
                ("referred_revenue_cents", fields.BigIntField(default=0)),
            ],
            options={
                "table": "referral_report_day",
                "app": "referrals",
                "unique_together": (("currency", "referrer_id", "day", "category"),),
                "indexes": [Index(fields=["referrer_id"], name="referral_report_day_referrer_idx")],
                "pk_attr": "id",
                "table_description": "The referral report rollup: orders still standing and their net revenue per day.",
            },
            bases=["Model"],
        ),
        ops.RemoveIndex(
            model_name="ReferralConversion",
            name="referral_conv_referral_idx",
            fields=None,
        ),
        ops.AddIndex(
            model_name="ReferralConversion",
            index=Index(fields=["referral_id", "status"], name="referral_conv_referral_idx"),
        ),
    ]
