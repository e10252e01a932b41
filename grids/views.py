"""The grid member's portal (phone first): my grid, households and key persons, visits,
incident reports with photos, my incidents, my tasks, sweeps. Thin: services do the work."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grids import escalation, personal_data, services
from grids.filters import HouseholdFilter, IncidentFilter
from grids.forms import (
    IRREVERSIBLE_ACTIONS,
    AssignForm,
    DuplicateForm,
    EscalateForm,
    IncidentReportForm,
    LeaveForm,
    NoteForm,
    ReasonForm,
    ReplyForm,
    ResidentAddForm,
    ResolveForm,
    SweepCheckForm,
    TaskDoneForm,
    VisitForm,
)
from grids.models import (
    Category,
    ChangeLogEntry,
    Grid,
    GridTask,
    Household,
    Incident,
    IncidentPhoto,
    KeyPersonTag,
    KeyPlace,
    Resident,
    Sweep,
    Visit,
)
from grids.selectors import (
    count_per_row,
    grid_outlines,
    grids_of_member,
    grids_with_counts,
    incident_timeline,
)
from hive.access.authorization import administers
from hive.personal_data import mask_id_number, mask_phone
from hive.selectors import offices_of
from hive.ui.forms import add_service_errors
from hive.ui.paging import BEFORE, newest_first_page, parse_before
from hive.uploads.media import file_response

PAGE_SIZE = 25


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _working_grids(user):
    """Grids the user works in; staff see their community's grids."""
    grids = grids_of_member(user)
    if not grids.exists():
        grids = Grid.objects.visible_to(user).select_related("community", "member")
    return grids


@login_required
def my_grid(request):
    grids = list(grids_with_counts(_working_grids(request.user)))
    open_tasks = GridTask.objects.visible_to(request.user).filter(
        responsible=request.user, status=GridTask.Status.OPEN
    )
    assigned = Incident.objects.visible_to(request.user).filter(
        assignee=request.user, status__in=Incident.OPEN_STATES
    )
    context = {
        "grids": grids,
        # Whom to phone when no grid is assigned yet.
        "offices": [] if grids else offices_of(request.user),
        "open_task_count": open_tasks.count(),
        "assigned_count": assigned.count(),
        "key_person_count": Resident.objects.visible_to(request.user)
        .filter(tags__isnull=False, status=Resident.Status.LIVING)
        .values("pk")
        .distinct()
        .count(),
    }
    if grids:
        from grids import map as grid_map

        context["map_bounds"] = grid_map.map_bounds(request.user, grid_map.MapFilters())
        context.update(_map_assets())
    return render(request, "grids/my_grid.html", context)


@login_required
def grid_detail(request, pk):
    grid = get_object_or_404(
        Grid.objects.visible_to(request.user).select_related("member", "community"), pk=pk
    )
    places = KeyPlace.objects.filter(grid=grid)
    changes = ChangeLogEntry.objects.filter(grid=grid).select_related("resident", "household")[:10]
    context = {
        "grid": grid,
        "deputies": grid.deputies.all(),
        "places": places,
        "changes": changes,
        "household_count": grid.households.count(),
    }
    return render(request, "grids/grid_detail.html", context)


@login_required
def household_list(request):
    households = (
        Household.objects.visible_to(request.user)
        .select_related("grid", "building")
        .annotate(resident_count=count_per_row(Resident.objects.all(), "household_id"))
        .order_by("grid__code", "number")
    )
    filterset = HouseholdFilter(request.GET, queryset=households, request=request)
    filterset.form.fields["grid"].queryset = Grid.objects.visible_to(request.user)
    context = {
        "filter": filterset,
        "page": _page(request, filterset.qs),
        "query": _query_without_page(request),
    }
    return render(request, "grids/household_list.html", context)


def _household_for(request, pk) -> Household:
    return get_object_or_404(
        Household.objects.visible_to(request.user).select_related("grid", "building"), pk=pk
    )


@login_required
def household_detail(request, pk):
    household = _household_for(request, pk)
    residents = household.residents.prefetch_related("tags").order_by("status", "id")
    revealed = request.session.pop("grids_revealed", {})
    rows = []
    for resident in residents:
        shown = revealed.get(str(resident.pk), {})
        rows.append(
            {
                "resident": resident,
                "phone": shown.get("phone") or mask_phone(resident.phone),
                "id_number": shown.get("id_number") or mask_id_number(resident.id_number),
                "can_reveal": personal_data.revealable_fields(request.user, resident),
            }
        )
    context = {
        "household": household,
        "rows": rows,
        "household_phone": mask_phone(household.phone),
        "visits": household.visits.select_related("visitor", "resident")[:10],
        "changes": household.changes.select_related("resident", "actor")[:10],
        "leave_form": LeaveForm(),
    }
    return render(request, "grids/household_detail.html", context)


@login_required
@require_POST
def resident_reveal(request, pk):
    """Show one resident's full phone (and ID number for staff) once; the view is logged."""
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("household__grid"), pk=pk
    )
    fields = personal_data.revealable_fields(request.user, resident)
    if not fields:
        raise PermissionDenied
    values = personal_data.reveal(
        viewer=request.user, obj=resident, fields=fields, purpose=_("Grid portal")
    )
    # Shown on the next page only (the session entry is popped there), never stored.
    request.session["grids_revealed"] = {str(resident.pk): values}
    return redirect("grids:household_detail", pk=resident.household_id)


@login_required
def resident_add(request, household_pk):
    household = _household_for(request, household_pk)
    form = ResidentAddForm(request.POST or None, community=household.community)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        born_here = data.pop("born_here")
        tags = data.pop("tags")
        try:
            services.resident_add(
                actor=request.user, household=household, born_here=born_here, tags=tags, **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The resident was added."))
            return redirect(household)
    return render(request, "grids/resident_form.html", {"form": form, "household": household})


@login_required
@require_POST
def resident_leave(request, pk):
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("household__grid"), pk=pk
    )
    form = LeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
        return redirect("grids:household_detail", pk=resident.household_id)
    service = (
        services.resident_move_out
        if form.cleaned_data["what"] == "move_out"
        else services.resident_record_death
    )
    try:
        service(
            actor=request.user,
            resident=resident,
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("The change was recorded."))
    return redirect("grids:household_detail", pk=resident.household_id)


@login_required
def key_person_list(request):
    residents = (
        Resident.objects.visible_to(request.user)
        .filter(tags__isnull=False, status=Resident.Status.LIVING)
        .distinct()
        .select_related("household__grid")
        .prefetch_related(Prefetch("tags", queryset=KeyPersonTag.objects.all()))
        .order_by("household__grid__code", "household__number", "id")
    )
    tag = request.GET.get("tag")
    if tag:
        residents = residents.filter(tags__code=tag)
    tags = KeyPersonTag.objects.visible_to(request.user)
    context = {
        "page": _page(request, residents),
        "tags": tags,
        "tag": tag,
        "query": _query_without_page(request),
    }
    return render(request, "grids/key_person_list.html", context)


@login_required
def visit_create(request, household_pk):
    household = _household_for(request, household_pk)
    form = VisitForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_log(visitor=request.user, household=household, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The visit was logged."))
            return redirect(household)
    return render(request, "grids/visit_form.html", {"form": form, "household": household})


@login_required
def visit_list(request):
    visits = (
        Visit.objects.visible_to(request.user)
        .filter(visitor=request.user)
        .select_related("household", "resident", "grid")
    )
    return render(request, "grids/visit_list.html", {"page": _page(request, visits)})


# --- Incidents -------------------------------------------------------------------------


@login_required
def incident_create(request):
    grids = list(_working_grids(request.user))
    if not grids:
        raise PermissionDenied
    staff = any(administers(request.user, g.community_id) for g in grids[:1])
    form = IncidentReportForm(request.POST or None, request.FILES or None, grids=grids, staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_report(reporter=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Report #%(id)s was sent.") % {"id": incident.pk})
            return redirect(incident)
    outlines = grid_outlines(Grid.objects.filter(pk__in=[grid.pk for grid in grids]))
    return render(request, "grids/incident_form.html", {"form": form, "grid_outlines": outlines})


@login_required
def incident_list(request):
    incidents = Incident.objects.visible_to(request.user).select_related(
        "grid", "assignee", "assigned_unit"
    )
    filterset = IncidentFilter(request.GET, queryset=incidents, request=request)
    filterset.form.fields["grid"].queryset = Grid.objects.visible_to(request.user)
    for name in ("assignee", "reporter"):
        filterset.form.fields.pop(name, None)
    try:
        before = parse_before(request.GET.get(BEFORE))
    except ValueError:
        before = None
    # Newest first without a COUNT: a grid's reports only grow.
    query = request.GET.copy()
    query.pop(BEFORE, None)
    context = {
        "filter": filterset,
        "page": newest_first_page(filterset.qs, before, PAGE_SIZE),
        "query": query.urlencode(),
        "unit_only": _unit_only(request.user),
    }
    return render(request, "grids/incident_list.html", context)


def _unit_only(user) -> bool:
    """A resident unit's representative follows their unit's incidents and nothing else
    of the grid pages (the grid links are hidden for them)."""
    return not Grid.objects.visible_to(user).exists()


def _incident_for(request, pk) -> Incident:
    return get_object_or_404(
        # Only the relations every page shows: each more join costs PostgreSQL more
        # planning (7 joins planned in 4-5 ms, 4 in under 1); the rare ones load lazily.
        Incident.objects.visible_to(request.user).select_related(
            "grid", "assignee", "assigned_unit", "reporter"
        ),
        pk=pk,
    )


def _action_form(action, incident, data=None, files=None):
    if action == "assign":
        return AssignForm(data, incident=incident)
    if action == "resolve":
        return ResolveForm(data, files)
    if action in ("send_back", "close_not_fixed", "reject", "reopen"):
        return ReasonForm(data)
    if action == "mark_duplicate":
        return DuplicateForm(data, incident=incident)
    if action == "escalate":
        return EscalateForm(data, community_id=incident.community_id)
    return NoteForm(data)


@login_required
def incident_detail(request, pk):
    incident = _incident_for(request, pk)
    staff = administers(request.user, incident.community_id)
    context = {
        "incident": incident,
        "timeline": incident_timeline(incident),
        "photos": incident.photos.all(),
        "replies": incident.replies.select_related("author"),
        "actions": [
            {"name": step.name, "label": step.label, "form": _action_form(step.name, incident)}
            for step in Incident.workflow.available(incident, request.user)
        ],
        "reply_form": ReplyForm(community_id=incident.community_id) if staff else None,
        "unit_only": _unit_only(request.user),
        "mediation_case": escalation.incident_case(incident)
        if incident.status == Incident.Status.ESCALATED or incident.resolution
        else None,
    }
    return render(request, "grids/incident_detail.html", context)


@login_required
def incident_action(request, pk, action):
    incident = _incident_for(request, pk)
    if action not in services.INCIDENT_SERVICES:
        raise Http404
    label = Incident.workflow.actions[action].label
    form = _action_form(action, incident, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.service_data() if hasattr(form, "service_data") else form.cleaned_data
        try:
            services.INCIDENT_SERVICES[action](incident=incident, actor=request.user, **data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                add_service_errors(form, exc)  # field errors stay on the form, others above it
            else:
                messages.error(request, "; ".join(exc.messages))
                return redirect(incident)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": label})
            return redirect(incident)
    context = {
        "incident": incident,
        "form": form,
        "label": label,
        "confirm": (
            _("%(action)s: this cannot be undone. Continue?") % {"action": label}
            if action in IRREVERSIBLE_ACTIONS
            else ""
        ),
        "unit_only": _unit_only(request.user),
    }
    return render(request, "grids/incident_action.html", context)


@login_required
@require_POST
def incident_reply(request, pk):
    incident = _incident_for(request, pk)
    form = ReplyForm(request.POST, community_id=incident.community_id)
    if form.is_valid():
        try:
            services.incident_reply(incident=incident, author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("The reply was sent."))
    return redirect(incident)


@login_required
def incident_photo(request, pk, photo_pk):
    """Photos are served only to those who may see the incident (not from a public URL)."""
    incident = _incident_for(request, pk)
    ids = [incident.pk, *incident.duplicates.values_list("pk", flat=True)]
    photo = get_object_or_404(IncidentPhoto, pk=photo_pk, incident_id__in=ids)
    return file_response(row=photo, field=IncidentPhoto._meta.get_field("image"))


# --- Tasks and sweeps ------------------------------------------------------------------


@login_required
def task_list(request):
    tasks = (
        GridTask.objects.visible_to(request.user)
        .filter(responsible=request.user)
        .select_related("grid")
    )
    return render(request, "grids/task_list.html", {"page": _page(request, tasks)})


@login_required
@require_POST
def task_done(request, pk):
    task = get_object_or_404(GridTask.objects.visible_to(request.user), pk=pk)
    form = TaskDoneForm(request.POST)
    form.is_valid()
    try:
        services.grid_task_complete(
            task=task, actor=request.user, note=form.cleaned_data.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("The task is done."))
    return redirect("grids:task_list")


@login_required
def sweep_list(request):
    sweeps = (
        Sweep.objects.visible_to(request.user)
        .select_related("grid")
        .annotate(
            place_count=Count("places", distinct=True), check_count=Count("checks", distinct=True)
        )
        .order_by("-scheduled_on", "-id")
    )
    return render(request, "grids/sweep_list.html", {"page": _page(request, sweeps)})


@login_required
def sweep_detail(request, pk):
    sweep = get_object_or_404(Sweep.objects.visible_to(request.user), pk=pk)
    checks = sweep.checks.select_related("place", "incident", "checked_by")
    pending = list(sweep.places.exclude(checks__sweep=sweep).select_related("grid"))
    form = None
    if pending and sweep.status == Sweep.Status.PLANNED:
        form = SweepCheckForm(
            request.POST or None, request.FILES or None, sweep=sweep, pending_places=pending
        )
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        place = next(p for p in pending if str(p.pk) == data["place"])
        try:
            services.sweep_record_check(
                sweep=sweep,
                place=place,
                actor=request.user,
                failed_items=data["failed_items"],
                result="not_reached" if data["not_reached"] else None,
                notes=data["notes"],
                category=data["category"],
                photos=data["photos"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The check was recorded."))
            return redirect(sweep)
    context = {"sweep": sweep, "checks": checks, "pending": pending, "form": form}
    return render(request, "grids/sweep_detail.html", context)


# --- The map (一张图) -------------------------------------------------------------------


def _map_assets() -> dict:
    from grids import map as grid_map

    return {"map_scripts": grid_map.PAGE_SCRIPTS, "map_styles": grid_map.PAGE_STYLES}


def admin_map(request, admin_site):
    """The staff map (admin): grids, incidents (clustered by the server at low zoom),
    sweeps, wishes, units and buildings, with the dashboard's filters. The page is a
    frame: the script loads each layer from api/map/ with the form's query."""
    from grids import map as grid_map
    from grids.forms import MapFilterForm
    from hive import dashboard
    from hive.access.authorization import administers_any

    if not administers_any(request.user):
        raise PermissionDenied
    communities = dashboard.dashboard_communities(request.user)
    form = MapFilterForm(request.GET or None, communities=communities)
    query: dict | None = {"period": dashboard.DEFAULT_PERIOD}
    if form.is_bound:
        query = form.query() if form.is_valid() else None
    filters = grid_map.MapFilters(
        community_ids=(int(query["community"]),) if query and "community" in query else None
    )
    context = {
        **admin_site.each_context(request),
        "title": _("Map"),
        "form": form,
        "map_query": query,
        "map_bounds": grid_map.map_bounds(request.user, filters) if query else None,
        "layers": [
            ("grids", _("Grids (coloured by open and overdue incidents)"), True),
            ("incidents", _("Incidents"), True),
            ("sweeps", _("Sweeps at key places"), False),
            ("wishes", _("Published micro-wishes (per community)"), False),
            ("units", _("Resident units"), False),
            ("buildings", _("Buildings"), False),
        ],
        "categories": Category.choices,
        **_map_assets(),
    }
    return TemplateResponse(request, "admin/grids/map.html", context)
