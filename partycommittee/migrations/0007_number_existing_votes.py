"""Give every vote cast before the seat rule its seat: each voter's votes in a campaign are
numbered 1, 2 … in the order they were cast, and carry the campaign's seats (or their own
count, should older rows ever exceed it, so the history stays as it was)."""

from django.db import migrations


def number_votes(apps, schema_editor):
    Vote = apps.get_model("partycommittee", "Vote")
    seen: dict[tuple[int, int], int] = {}
    votes = Vote.objects.select_related("campaign").order_by("campaign_id", "voter_id", "created_at", "id")
    for vote in votes.iterator():
        key = (vote.campaign_id, vote.voter_id)
        seen[key] = seen.get(key, 0) + 1
        vote.seat = seen[key]
        vote.seats = max(vote.campaign.seats, vote.seat)
        vote.save(update_fields=["seat", "seats"])


def clear_numbers(apps, schema_editor):
    apps.get_model("partycommittee", "Vote").objects.update(seat=None, seats=None)


class Migration(migrations.Migration):
    dependencies = [("partycommittee", "0006_campaign_announcement_and_seat_fields")]

    operations = [migrations.RunPython(number_votes, clear_numbers)]
