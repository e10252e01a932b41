"""The portal of resident-unit representatives: their unit, resources, responsibilities,
and the projects and meetings their unit takes part in."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hive.models import Community
from hive.ops.page_cache import cache_public_page
from hive.personal_data import mask_phone, personal_data_reveal
from hive.selectors import community_or_404, offices_of, timeline_for
from hive.ui.public_forms import over_address_limit, over_phone_limit
from partycommittee import selectors, services
from partycommittee.forms import (
    NominationForm,
    ObjectionForm,
    PublicNominationForm,
    ResourceItemForm,
    ResponsibilityProgressForm,
    UnitProfileForm,
)
from partycommittee.models import (
    Campaign,
    JointMeeting,
    Nomination,
    Project,
    ResidentUnit,
    ResourceItem,
    Responsibility,
)


def _my_units(user):
    return ResidentUnit.objects.visible_to(user).filter(representatives=user)


@login_required
def unit_home(request):
    units = list(_my_units(request.user).select_related("community"))
    for unit in units:
        unit.contact_phone_masked = mask_phone(unit.contact_phone)
    # Whom to phone when no unit is linked yet.
    offices = [] if units else offices_of(request.user)
    return render(request, "partycommittee/unit_home.html", {"units": units, "offices": offices})


@login_required
def unit_edit(request, pk):
    unit = get_object_or_404(_my_units(request.user), pk=pk)
    if request.method == "POST":
        form = UnitProfileForm(request.POST, instance=unit)
        if form.is_valid():
            form.save()
            messages.success(request, _("The unit's profile has been saved."))
            return redirect("partycommittee:unit_home")
    else:
        # The form shows the full contact phone: that is an unmasked view, logged.
        personal_data_reveal(
            viewer=request.user, obj=unit, fields=["contact_phone"], purpose="edit unit profile"
        )
        form = UnitProfileForm(instance=unit)
    return render(request, "partycommittee/unit_edit.html", {"unit": unit, "form": form})


@login_required
def resource_list(request):
    resources = (
        ResourceItem.objects.visible_to(request.user)
        .filter(unit__in=_my_units(request.user))
        .select_related("unit")
    )
    return render(request, "partycommittee/resource_list.html", {"resources": resources})


@login_required
def resource_edit(request, pk=None):
    units = _my_units(request.user)
    resource = None
    if pk is not None:
        resource = get_object_or_404(
            ResourceItem.objects.visible_to(request.user).filter(unit__in=units), pk=pk
        )
    form = ResourceItemForm(request.POST or None, instance=resource, units=units)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The resource has been saved."))
        return redirect("partycommittee:resource_list")
    return render(
        request, "partycommittee/resource_edit.html", {"form": form, "resource": resource}
    )


@login_required
def responsibility_list(request):
    responsibilities = (
        Responsibility.objects.visible_to(request.user)
        .filter(unit__in=_my_units(request.user))
        .select_related("unit", "project")
    )
    rows = [
        (
            item,
            ResponsibilityProgressForm(
                prefix=f"r{item.pk}",
                initial={"status": item.status, "progress_note": item.progress_note},
            ),
        )
        for item in responsibilities
    ]
    return render(request, "partycommittee/responsibility_list.html", {"rows": rows})


@login_required
@require_POST
def responsibility_report(request, pk):
    responsibility = get_object_or_404(
        Responsibility.objects.visible_to(request.user).filter(unit__in=_my_units(request.user)),
        pk=pk,
    )
    form = ResponsibilityProgressForm(request.POST, prefix=f"r{pk}")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, f"{responsibility}: {' '.join(errors)}")
        return redirect("partycommittee:responsibility_list")
    try:
        services.responsibility_update(responsibility=responsibility, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Progress saved."))
    return redirect("partycommittee:responsibility_list")


@login_required
def project_list(request):
    projects = (
        Project.objects.visible_to(request.user)
        .filter(units__in=_my_units(request.user))
        .distinct()
        .prefetch_related("units")
    )
    meetings = (
        JointMeeting.objects.visible_to(request.user)
        .filter(units__in=_my_units(request.user))
        .distinct()
    )
    return render(
        request, "partycommittee/project_list.html", {"projects": projects, "meetings": meetings}
    )


@login_required
def project_detail(request, pk):
    project = get_object_or_404(
        Project.objects.visible_to(request.user).prefetch_related("units", "demands"), pk=pk
    )
    return render(
        request,
        "partycommittee/project_detail.html",
        {"project": project, "timeline": timeline_for(project)},
    )


@login_required
def meeting_detail(request, pk):
    meeting = get_object_or_404(JointMeeting.objects.visible_to(request.user), pk=pk)
    attendance = meeting.attendance.select_related("unit")
    return render(
        request,
        "partycommittee/meeting_detail.html",
        {"meeting": meeting, "attendance": attendance},
    )


# --- Public: the progress of co-construction projects (no login) ---------------------------


@require_GET
@cache_public_page
def public_progress_index(request):
    communities = Community.objects.select_related("street")
    return render(
        request, "partycommittee/public_progress_index.html", {"communities": communities}
    )


@require_GET
@cache_public_page
def public_progress(request, community_code):
    community = community_or_404(community_code)
    context = {"community": community, "projects": selectors.public_progress(community)}
    return render(request, "partycommittee/public_progress.html", context)


# --- Advanced selection (评先选优) in the portal --------------------------------------------


@login_required
def campaign_list(request):
    """The campaigns of the user's communities: nominate while nominations are open, vote
    while voting is (committee members), the results once voting closed."""
    campaigns = selectors.portal_campaigns(request.user)
    return render(request, "partycommittee/campaign_list.html", {"campaigns": campaigns})


def _service_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def campaign_nominate(request, pk):
    campaign = get_object_or_404(
        Campaign.objects.visible_to(request.user).select_related("community"), pk=pk
    )
    refusal = services.nominator_refusal(campaign=campaign, user=request.user)
    form = NominationForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.nomination_create(
                campaign=campaign,
                nominee_kind=data["nominee_kind"],
                nominee_name=data["nominee_name"],
                unit=data["unit"],
                reason=data["reason"],
                nominated_by=request.user,
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("partycommittee:campaign_list")
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("Your nomination has been recorded."))
            return redirect(f"{reverse('partycommittee:campaign_list')}#campaign-{campaign.pk}")
    context = {"campaign": campaign, "form": form, "refusal": refusal}
    return render(request, "partycommittee/campaign_nominate.html", context)


@login_required
@require_POST
def campaign_vote(request, pk, nomination_pk):
    nomination = get_object_or_404(
        Nomination.objects.visible_to(request.user), pk=nomination_pk, campaign_id=pk
    )
    try:
        services.vote_cast(nomination=nomination, voter=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(
            request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        )
    else:
        messages.success(
            request,
            _("Your vote for %(name)s has been recorded.") % {"name": nomination.nominee_name},
        )
    return redirect(f"{reverse('partycommittee:campaign_list')}#campaign-{pk}")


# --- Public: nominate without an account, and the announcement (公示) --------------------


def _over_nomination_limit(request, phone: str | None = None) -> bool:
    """Count one public nomination by address, or by the phone given (the service stores a
    repeated nomination once)."""
    group = "partycommittee.nominate"
    if phone is None:
        return over_address_limit(
            request, group=group, rate=settings.HIVE_NOMINATION_RATE_PER_ADDRESS
        )
    return over_phone_limit(
        request, group=group, phone=phone, rate=settings.HIVE_NOMINATION_RATE_PER_PHONE
    )


def _public_campaign(community_code, pk):
    return get_object_or_404(
        Campaign.objects.select_related("community", "community__street"),
        community__code=community_code,
        pk=pk,
    )


@require_GET
@cache_public_page
def public_selection_index(request):
    communities = Community.objects.select_related("street")
    return render(
        request, "partycommittee/public_selection_index.html", {"communities": communities}
    )


@require_GET
@cache_public_page
def public_selection(request, community_code):
    """A community's campaigns open for nominations, and the announced results."""
    community = community_or_404(community_code)
    now = timezone.now()
    context = {
        "community": community,
        "open_campaigns": Campaign.objects.filter(
            community=community, nomination_start__lte=now, nomination_end__gt=now
        ).order_by("nomination_end", "pk"),
        "announced": selectors.announced_campaigns(community),
    }
    return render(request, "partycommittee/public_selection.html", context)


@require_GET
@cache_public_page
def public_announcement(request, community_code, pk):
    campaign = _public_campaign(community_code, pk)
    if campaign.announced_at is None:
        return render(
            request,
            "partycommittee/public_announcement.html",
            {"campaign": campaign, "community": campaign.community, "rows": None},
            status=404,
        )
    rows = selectors.public_announcement(campaign)
    selected = [row for row in rows if row["selected"]]
    tied = [row for row in rows if row["tied"]]
    context = {
        "campaign": campaign,
        "community": campaign.community,
        "rows": rows,
        "selected": selected,
        "tied": tied,
        "names": "、".join(row["name"] for row in tied),
        "seats_left": campaign.seats - len(selected),
        "objections_open": campaign.objections_open(),
    }
    return render(request, "partycommittee/public_announcement.html", context)


@never_cache
def public_nominate(request, community_code, pk):
    campaign = _public_campaign(community_code, pk)
    community = campaign.community
    form = PublicNominationForm(request.POST or None, campaign=campaign)
    if request.method == "POST":
        if _over_nomination_limit(request):
            return _nomination_rate_limited(request, campaign)
        if form.is_valid():
            data = form.cleaned_data
            if _over_nomination_limit(request, data["nominator_phone"]):
                return _nomination_rate_limited(request, campaign)
            try:
                _nomination, created = services.nomination_create_public(
                    campaign=campaign,
                    nominee_kind=data["nominee_kind"],
                    nominee_name=data["nominee_name"],
                    unit=data["unit"],
                    reason=data["reason"],
                    nominator_name=data["nominator_name"],
                    nominator_phone=data["nominator_phone"],
                )
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                if created:
                    messages.success(
                        request,
                        _(
                            "Thank you, your nomination was received. The community office "
                            "may phone you about it."
                        ),
                    )
                else:
                    messages.info(
                        request, _("You already sent this nomination; it is stored once.")
                    )
                return redirect("partycommittee:public_selection", community_code=community.code)
    context = {
        "campaign": campaign,
        "community": community,
        "form": form,
        "is_open": campaign.nominations_open(),
    }
    return render(request, "partycommittee/public_nominate.html", context)


def _nomination_rate_limited(request, campaign):
    context = {"campaign": campaign, "community": campaign.community}
    return render(request, "partycommittee/public_nominate_limited.html", context, status=429)


@never_cache
def public_object(request, community_code, pk):
    """Object to announced results during the objection period (公示异议)."""
    campaign = _public_campaign(community_code, pk)
    community = campaign.community
    if campaign.announced_at is None:
        return render(
            request,
            "partycommittee/public_announcement.html",
            {"campaign": campaign, "community": community, "rows": None},
            status=404,
        )
    form = ObjectionForm(request.POST or None, campaign=campaign)
    if request.method == "POST":
        group = "partycommittee.object"
        if over_address_limit(request, group=group, rate=settings.HIVE_NOMINATION_RATE_PER_ADDRESS):
            return _nomination_rate_limited(request, campaign)
        if form.is_valid():
            data = form.cleaned_data
            if over_phone_limit(
                request,
                group=group,
                phone=data["phone"],
                rate=settings.HIVE_NOMINATION_RATE_PER_PHONE,
            ):
                return _nomination_rate_limited(request, campaign)
            try:
                services.objection_submit(
                    campaign=campaign,
                    nomination=data["nomination"],
                    reason=data["reason"],
                    name=data["name"],
                    phone=data["phone"],
                )
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Thank you, your objection was received. The community office will "
                        "look into it and may phone you."
                    ),
                )
                return redirect(
                    "partycommittee:public_announcement", community_code=community.code, pk=pk
                )
    context = {
        "campaign": campaign,
        "community": community,
        "form": form,
        "is_open": campaign.objections_open(),
    }
    return render(request, "partycommittee/public_object.html", context)
