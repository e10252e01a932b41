"""Public pages of the suggestion box and demand solicitation, and the unit
representatives' portal pages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hive.access.roles import Role
from hive.access.scoping import access_scope
from hive.models import Community
from hive.ops.page_cache import cache_public_page
from hive.selectors import community_or_404, timeline_for
from hive.ui.forms import add_service_errors
from hive.ui.public_forms import TrackLookupForm, over_address_limit, over_phone_limit
from partycommittee.models import ResidentUnit
from voice import selectors, services
from voice.forms import SubmissionForm, SuggestionForm, UnitSubmissionForm
from voice.models import Solicitation, Submission

# --- Rate limits (hive.ui.public_forms) -----------------------------------------------------


def _over_address_limit(request) -> bool:
    return over_address_limit(
        request, group="voice.submit", rate=settings.HIVE_VOICE_RATE_PER_ADDRESS
    )


def _over_phone_limit(request, phone: str) -> bool:
    return bool(phone) and over_phone_limit(
        request, group="voice.submit", phone=phone, rate=settings.HIVE_VOICE_RATE_PER_PHONE
    )


def _refuse_rate_limited(request, community):
    return render(request, "voice/rate_limited.html", {"community": community}, status=429)


def _community(code: str) -> Community:
    return community_or_404(code)


def _contact(data) -> dict:
    return {"resident_name": data["resident_name"], "resident_phone": data["resident_phone"]}


def _received(request, row, created: bool) -> None:
    if created:
        messages.success(
            request,
            _("Thank you, it was received. Your tracking code is %(code)s: note it down.")
            % {"code": row.tracking_code},
        )
    else:
        messages.info(
            request,
            _("You already sent this; it is stored once. Its tracking code is %(code)s.")
            % {"code": row.tracking_code},
        )


# --- Suggestion box ---------------------------------------------------------------------


@never_cache
def suggestion_new(request, community_code):
    community = _community(community_code)
    form = SuggestionForm(request.POST or None)
    if request.method == "POST":
        if _over_address_limit(request):
            return _refuse_rate_limited(request, community)
        if form.is_valid():
            data = form.cleaned_data
            if _over_phone_limit(request, data["resident_phone"]):
                return _refuse_rate_limited(request, community)
            try:
                suggestion, created = services.suggestion_submit(
                    community=community, topic=data["topic"], text=data["text"], **_contact(data)
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                _received(request, suggestion, created)
                return redirect("voice:suggestion_track", code=suggestion.tracking_code)
    context = {
        "form": form,
        "community": community,
        "notice_version": settings.HIVE_VOICE_NOTICE_VERSION,
    }
    return render(request, "voice/suggestion_form.html", context)


def _not_found(request):
    # The same page, words and status for a malformed, unknown or mistyped code.
    return render(request, "voice/not_found.html", {"form": TrackLookupForm()}, status=404)


@never_cache
@require_GET
def suggestion_track(request, code):
    suggestion = selectors.suggestion_by_code(code)
    if suggestion is None:
        return _not_found(request)
    return render(request, "voice/suggestion_track.html", {"suggestion": suggestion})


@never_cache
@require_GET
def track_lookup(request):
    code = request.GET.get("code", "").strip()
    if not code:
        return render(request, "voice/lookup.html", {"form": TrackLookupForm()})
    suggestion = selectors.suggestion_by_code(code)
    if suggestion is not None:
        return redirect("voice:suggestion_track", code=suggestion.tracking_code)
    submission = selectors.submission_by_code(code)
    if submission is not None:
        return redirect("voice:submission_track", code=submission.tracking_code)
    return _not_found(request)


@require_GET
@cache_public_page
def suggestion_list(request, community_code):
    community = _community(community_code)
    page = Paginator(selectors.public_suggestions(community), 30).get_page(request.GET.get("page"))
    return render(request, "voice/suggestion_list.html", {"community": community, "page": page})


# --- Demand solicitation: residents -------------------------------------------------------


@require_GET
def solicitation_list(request, community_code):
    # Not from the page cache: a window opens and closes with the clock, not with a save.
    community = _community(community_code)
    solicitations = selectors.open_solicitations(community)
    return render(
        request,
        "voice/solicitation_list.html",
        {"community": community, "solicitations": solicitations},
    )


@never_cache
def submission_new(request, community_code, pk):
    community = _community(community_code)
    solicitation = get_object_or_404(Solicitation.objects.in_community(community), pk=pk)
    form = SubmissionForm(request.POST or None)
    is_open = solicitation.is_open()
    if request.method == "POST":
        if _over_address_limit(request):
            return _refuse_rate_limited(request, community)
        if form.is_valid():
            data = form.cleaned_data
            if _over_phone_limit(request, data["resident_phone"]):
                return _refuse_rate_limited(request, community)
            try:
                submission, created = services.submission_submit(
                    solicitation=solicitation, text=data["text"], **_contact(data)
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                _received(request, submission, created)
                return redirect("voice:submission_track", code=submission.tracking_code)
    context = {
        "form": form,
        "community": community,
        "solicitation": solicitation,
        "is_open": is_open,
        "notice_version": settings.HIVE_VOICE_NOTICE_VERSION,
    }
    return render(request, "voice/submission_form.html", context)


@never_cache
@require_GET
def submission_track(request, code):
    submission = selectors.submission_by_code(code)
    if submission is None:
        return _not_found(request)
    context = {"submission": submission, "timeline": timeline_for(submission)}
    return render(request, "voice/submission_track.html", context)


# --- Demand solicitation: unit representatives (portal) -----------------------------------


def _my_units(user):
    return ResidentUnit.objects.visible_to(user).filter(representatives=user, is_active=True)


def _rep_communities(user):
    return access_scope(user).community_ids_for(Role.UNIT_REP)


@login_required
@require_GET
def portal_solicitations(request):
    now = timezone.now()
    communities = _rep_communities(request.user)
    solicitations = (
        Solicitation.objects.filter(community_id__in=communities, closes_at__gt=now)
        .select_related("community")
        .order_by("closes_at", "id")
    )
    sent = (
        Submission.objects.visible_to(request.user)
        .filter(unit__in=_my_units(request.user))
        .select_related("unit", "solicitation", "demand")
        .order_by("-created_at", "-id")[:50]
    )
    context = {"solicitations": solicitations, "sent": sent, "now": now}
    return render(request, "voice/portal_solicitations.html", context)


@login_required
def portal_submission_new(request, pk):
    solicitation = get_object_or_404(
        Solicitation.objects.filter(community_id__in=_rep_communities(request.user)), pk=pk
    )
    units = _my_units(request.user).filter(community_id=solicitation.community_id)
    form = UnitSubmissionForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            submission, created = services.submission_submit(
                solicitation=solicitation,
                text=form.cleaned_data["text"],
                unit=form.cleaned_data["unit"],
                submitted_by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            raise
        else:
            _received(request, submission, created)
            return redirect("voice:portal_solicitations")
    context = {"form": form, "solicitation": solicitation, "is_open": solicitation.is_open()}
    return render(request, "voice/portal_submission_form.html", context)
