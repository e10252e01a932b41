"""Portal pages for activities, points and stars (party members), and the staff's
leaderboard. Thin: reads through scoped querysets and selectors, writes through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hive.models import Community
from hive.queue import enqueue
from volunteers import selectors, services, tasks
from volunteers.filters import ActivityFilter
from volunteers.models import Activity, PartyMember, PointEntry, SignUp, StarRating


def _activities_for(user):
    mine = SignUp.objects.active().filter(activity=OuterRef("pk"), user=user)
    return (
        Activity.objects.visible_to(user)
        .select_related("community", "team")
        .annotate(
            taken=Count("signups", filter=Q(signups__status=SignUp.Status.SIGNED_UP)),
            is_mine=Exists(mine),
        )
    )


@login_required
@require_GET
def activity_list(request):
    upcoming = _activities_for(request.user).filter(
        status=Activity.Status.OPEN, ends_at__gte=timezone.now()
    )
    activity_filter = ActivityFilter(request.GET, queryset=upcoming)
    page = Paginator(activity_filter.qs.order_by("starts_at", "id"), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request, "volunteers/activity_list.html", {"page": page, "filter": activity_filter}
    )


@login_required
@require_GET
def activity_detail(request, pk):
    activity = get_object_or_404(_activities_for(request.user), pk=pk)
    context = {
        "activity": activity,
        "places_left": max(activity.capacity - activity.taken, 0),
        "units": activity.units.all(),
        "can_sign_up": activity.status == Activity.Status.OPEN
        and activity.starts_at > timezone.now()
        and not activity.is_mine,
        "can_cancel": activity.is_mine
        and activity.status == Activity.Status.OPEN
        and activity.starts_at > timezone.now(),
    }
    return render(request, "volunteers/activity_detail.html", context)


def _visible_activity(request, pk):
    return get_object_or_404(Activity.objects.visible_to(request.user), pk=pk)


@login_required
@require_POST
def activity_sign_up(request, pk):
    activity = _visible_activity(request, pk)
    try:
        services.activity_sign_up(activity=activity, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You are signed up. See you there!"))
    return redirect("volunteers:activity_detail", pk=activity.pk)


@login_required
@require_POST
def activity_cancel_sign_up(request, pk):
    activity = _visible_activity(request, pk)
    try:
        services.activity_cancel_sign_up(activity=activity, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your sign-up is cancelled; the place is free again."))
    return redirect("volunteers:activity_detail", pk=activity.pk)


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
