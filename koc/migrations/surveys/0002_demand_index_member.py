from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("surveys", "0001_initial")]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name="SurveyCategoryAnswer",
            name="survey_category_demand_idx",
            fields=None,
        ),
        ops.AddIndex(
            model_name="SurveyCategoryAnswer",
            index=Index(
                fields=[
                    "question_id",
                    "option_id",
                    "interest",
                    "timing",
                    "price_band",
                    "member_id",
                ],
                name="survey_category_demand_idx",
            ),
        ),
    ]
