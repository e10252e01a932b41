"""Portal pages for activities (party members sign up and cancel). Thin: reads through
scoped querysets, writes through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hive.access.authorization import holds_role
from hive.access.roles import Role
from volunteers import services
from volunteers.filters import ActivityFilter
from volunteers.models import Activity, SignUp


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
        and not activity.is_mine
        and holds_role(request.user, Role.PARTY_MEMBER, activity.community_id),
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
