"""The portal of resident-unit representatives: their unit, resources, responsibilities,
and the projects and meetings their unit takes part in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hive.models import Community
from hive.ops.page_cache import cache_public_page
from hive.personal_data import mask_phone, personal_data_reveal
from hive.selectors import offices_of, timeline_for
from partycommittee import selectors, services
from partycommittee.forms import ResourceItemForm, ResponsibilityProgressForm, UnitProfileForm
from partycommittee.models import (
    JointMeeting,
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
    community = get_object_or_404(Community.objects.select_related("street"), code=community_code)
    context = {"community": community, "projects": selectors.public_progress(community)}
    return render(request, "partycommittee/public_progress.html", context)
