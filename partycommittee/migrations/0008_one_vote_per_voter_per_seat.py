import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("partycommittee", "0007_number_existing_votes")]

    operations = [
        migrations.AlterField(
            model_name="vote",
            name="seat",
            field=models.PositiveSmallIntegerField(verbose_name="seat"),
        ),
        migrations.AlterField(
            model_name="vote",
            name="seats",
            field=models.PositiveSmallIntegerField(verbose_name="seats when voted"),
        ),
        migrations.AddConstraint(
            model_name="vote",
            constraint=models.UniqueConstraint(
                fields=("campaign", "voter", "seat"), name="one_vote_per_voter_per_seat"
            ),
        ),
        migrations.AddConstraint(
            model_name="vote",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("seat__gte", 1), ("seat__lte", django.db.models.expressions.F("seats"))
                ),
                name="vote_seat_within_seats",
            ),
        ),
    ]
