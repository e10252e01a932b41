"""Reused reads of the bee colony."""

from django.db.models import Count, QuerySet

from partycommittee.models import Campaign, Nomination


def campaign_results(*, campaign: Campaign) -> QuerySet[Nomination]:
    """Nominations with their vote counts, most votes first."""
    results: QuerySet[Nomination] = (
        campaign.nominations.select_related("unit")
        .annotate(vote_count=Count("votes"))
        .order_by("-vote_count", "nominee_name")
    )
    return results
