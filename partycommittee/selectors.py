"""Reused reads of the bee colony."""

from django.db.models import Count

from partycommittee.models import Campaign


def campaign_results(*, campaign: Campaign):
    """Nominations with their vote counts, most votes first."""
    return (
        campaign.nominations.select_related("unit")
        .annotate(vote_count=Count("votes"))
        .order_by("-vote_count", "nominee_name")
    )
