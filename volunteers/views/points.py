"""Portal pages for points and stars (party members), and the staff's leaderboard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hive.models import Community
from hive.queue import enqueue
from volunteers import selectors, tasks
from volunteers.models import PartyMember, PointEntry, SignUp, StarRating


@login_required
@require_GET
def my_points(request):
    """The member's own page: live score and stars, the ledger, stars over time, service
    hours and activities. One section per community they are a party member of."""
    profiles = list(
        PartyMember.objects.filter(user=request.user).select_related("community", "registered_unit")
    )
    sections = []
    for profile in profiles:
        entries = (
            PointEntry.objects.filter(member=profile)
            .select_related("rule", "reverses")
            .order_by("-awarded_at", "-id")
        )
        sections.append(
            {
                "profile": profile,
                "current": selectors.member_current_score(profile),
                "ledger": Paginator(entries, 20).get_page(request.GET.get("page")),
                "ratings": StarRating.objects.filter(member=profile).order_by("-period_start")[:12],
            }
        )
    signups = (
        SignUp.objects.filter(user=request.user)
        .select_related("activity__community")
        .order_by("-activity__starts_at")[:20]
    )
    context = {
        "sections": sections,
        "hours": selectors.service_hours(request.user),
        "signups": signups,
    }
    return render(request, "volunteers/my_points.html", context)


@login_required
def leaderboard(request):
    """Staff: the latest computed period's scores and stars, best first; "recompute
    now" enqueues the rating task for the community."""
    communities = list(Community.objects.managed_by(request.user))
    if not communities:
        raise Http404
    chosen = request.POST.get("community") or request.GET.get("community")
    community = next((c for c in communities if str(c.pk) == chosen), communities[0])
    if request.method == "POST":
        enqueue(tasks.compute_star_ratings, community.pk)
        messages.success(request, _("The ratings are being computed; reload in a moment."))
        return redirect(f"{request.path}?community={community.pk}")
    ratings = selectors.latest_ratings(community.pk)
    page = Paginator(ratings, 50).get_page(request.GET.get("page"))
    first = page.object_list[0] if page.object_list else None
    return render(
        request,
        "volunteers/leaderboard.html",
        {
            "communities": communities,
            "community": community,
            "page": page,
            "period_label": first.period_label if first else "",
            "computed_at": first.updated_at if first else None,
            "query": f"community={community.pk}",
            "rank_offset": page.start_index() - 1 if page.object_list else 0,
        },
    )
