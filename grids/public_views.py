"""Public pages of residents' own reports (随手拍): no login, phone-first. The rules are in
grids.services (incident_report_by_resident, resident_report_rate); these only read the
request and answer."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from grids import services
from grids.forms import ReportRatingForm, ResidentReportForm
from grids.models import IncidentPhoto, public_status
from grids.selectors import (
    public_progress,
    public_replies,
    resident_report_by_code,
)
from hive.models import Community
from hive.ops.page_cache import cache_public_page
from hive.personal_data import mask_personal_text
from hive.selectors import community_by_code
from hive.ui.public_forms import TrackLookupForm, over_address_limit, over_phone_limit
from hive.uploads.media import file_response

RATE_GROUP = "grids.resident_report"


def _refuse_rate_limited(request, community=None):
    return render(request, "grids/report_rate_limited.html", {"community": community}, status=429)


def _not_found(request):
    # The same page, words and status for a malformed, unknown or mistyped code.
    return render(request, "grids/report_not_found.html", {"form": TrackLookupForm()}, status=404)


@cache_public_page
def _report_choose(request):
    # No form on it, so no CSRF token: the whole page comes from the page cache (a
    # community or street saved refreshes it, hive.apps). The form itself carries a
    # token, personal to the visitor, so it is never cached.
    communities = Community.objects.select_related("street").order_by("name")
    return render(request, "grids/report_choose.html", {"communities": communities})


def add_visible_errors(form, exc: ValidationError) -> None:
    """A service's errors on the form: those of hidden fields (the map pin's latitude and
    longitude) above the form, where the resident sees them."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages_ in exc.message_dict.items():
        visible = field in form.fields and not form.fields[field].widget.is_hidden
        form.add_error(field if visible else None, messages_)


@never_cache
def report_new(request):
    """`/report/`: the communities to choose from, or `?community=<code>`: its form."""
    code = request.GET.get("community", "")
    community = community_by_code(code)
    if community is None:
        return _report_choose(request)
    if request.method == "POST":
        if over_address_limit(
            request, group=RATE_GROUP, rate=settings.HIVE_REPORT_RATE_PER_ADDRESS
        ):
            return _refuse_rate_limited(request, community)
        form = ResidentReportForm(request.POST, request.FILES, community=community)
        if form.is_valid():
            data = form.cleaned_data
            if over_phone_limit(
                request,
                group=RATE_GROUP,
                phone=data["contact_phone"],
                rate=settings.HIVE_REPORT_RATE_PER_PHONE,
            ):
                return _refuse_rate_limited(request, community)
            try:
                incident, created = services.incident_report_by_resident(
                    community=community,
                    category=data["category"],
                    description=data["description"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    building=data["building"],
                    grid=data["grid"],
                    location=data["location"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    photos=data["photos"],
                    notice_version=settings.HIVE_REPORT_NOTICE_VERSION,
                )
            except ValidationError as exc:
                add_visible_errors(form, exc)
            else:
                code = incident.resident_report.tracking_code
                if created:
                    messages.success(
                        request,
                        _(
                            "Thank you, your report was received. Your tracking code is "
                            "%(code)s: note it down to follow your report on this page."
                        )
                        % {"code": code},
                    )
                else:
                    messages.info(
                        request,
                        _(
                            "You already sent this report; it is stored once. "
                            "Its tracking code is %(code)s."
                        )
                        % {"code": code},
                    )
                return redirect("grids:report_track", code=code)
    else:
        form = ResidentReportForm(community=community)
    return render(
        request,
        "grids/report_form.html",
        {
            "form": form,
            "community": community,
            "notice_version": settings.HIVE_REPORT_NOTICE_VERSION,
        },
    )


@never_cache
@require_GET
def report_track_lookup(request):
    code = request.GET.get("code", "").strip()
    if code:
        report = resident_report_by_code(code)
        if report is None:
            return _not_found(request)
        return redirect("grids:report_track", code=report.tracking_code)
    return render(request, "grids/report_lookup.html", {"form": TrackLookupForm()})


@never_cache
@require_GET
def report_track(request, code):
    report = resident_report_by_code(code)
    if report is None:
        return _not_found(request)
    incident = report.incident
    context = {
        "report": report,
        "incident": incident,
        "status_label": public_status(incident.status),
        # Dates and plain-words steps only: no actor, no staff note, no contact.
        "progress": public_progress(incident),
        # Staff write these for the resident; anyone holding the code reads them, so a
        # phone or ID number typed into them is masked, as on every public page.
        "resolution": mask_personal_text(incident.resolution),
        "rejection_reason": mask_personal_text(incident.rejection_reason),
        "replies": public_replies(incident),
        "photos": incident.photos.only("pk", "incident"),
        "rating_form": ReportRatingForm() if report.can_be_rated else None,
    }
    return render(request, "grids/report_track.html", context)


@require_POST
def report_track_rate(request, code):
    report = resident_report_by_code(code)
    if report is None:
        return _not_found(request)
    form = ReportRatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating from 1 to 5."))
        return redirect("grids:report_track", code=report.tracking_code)
    try:
        services.resident_report_rate(
            report=report, rating=form.cleaned_data["rating"], note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("grids:report_track", code=report.tracking_code)


@never_cache
@require_GET
def report_track_photo(request, code, photo_pk):
    """A photo of the report, for whoever holds its tracking code."""
    report = resident_report_by_code(code)
    if report is None:
        raise Http404
    photo = get_object_or_404(IncidentPhoto, pk=photo_pk, incident_id=report.incident_id)
    return file_response(row=photo, field=IncidentPhoto._meta.get_field("image"))
