"""Portal forms (phone-first) of the grids app."""

import functools
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from disputes.models import DisputeCase, MediationRoom
from grids.models import (
    Building,
    Category,
    FiveRole,
    Grid,
    Incident,
    KeyPersonTag,
    ReplyTemplate,
    Resident,
)
from grids.selectors import assignee_candidates
from grids.services import MAX_INCIDENT_PHOTOS, MAX_RESIDENT_REPORT_PHOTOS
from grids.services.placing import reporter_community
from hive import geo
from hive.access.roles import Role
from hive.dashboard import DEFAULT_PERIOD
from hive.models import User
from hive.ui.forms import BootstrapFormMixin, DashboardFilterForm, PublicTextField
from hive.ui.public_forms import RATING_CHOICES, PublicSubmissionForm, clean_mobile
from hive.uploads import PhotosField
from partycommittee.models import ResidentUnit

# <input type="date"> takes only ISO dates; the locale's format (2026/12/05) is rejected.
ISO_DATE = "%Y-%m-%d"


# Incident actions the portal asks to confirm: nothing in the portal undoes them.
IRREVERSIBLE_ACTIONS = frozenset({"close", "close_not_fixed", "reject", "mark_duplicate"})


class PortalFormMixin(BootstrapFormMixin):
    """Bootstrap classes (hive.ui.forms), and `narrow()` to limit the choices."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow()

    def narrow(self) -> None:
        """Limit choices to what the user may pick; runs before any validation."""


class CameraPhotosField(PhotosField):
    """Photos from the phone's camera or gallery."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, max_count=MAX_INCIDENT_PHOTOS, **kwargs)
        self.widget.attrs["accept"] = "image/jpeg,image/png,image/webp"


def clean_point_fields(form: forms.Form, latitude_field="latitude", longitude_field="longitude"):
    """The map point of a form through hive.geo.clean_point (both or neither, ranges, a
    swapped pair named as such); errors go on the form's own fields."""
    data = form.cleaned_data
    latitude, longitude = data.get(latitude_field), data.get(longitude_field)
    if latitude is None and longitude is None:
        return
    if latitude is None or longitude is None:
        form.add_error(longitude_field, gettext("Give both latitude and longitude, or neither."))
        return
    try:
        data[latitude_field], data[longitude_field] = geo.clean_point(latitude, longitude)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            name = {"latitude": latitude_field, "longitude": longitude_field}.get(field)
            if name is not None and form.fields[name].widget.is_hidden:
                name = None  # set by the map pin: the message goes above the form
            form.add_error(name, messages)


class PointField(forms.DecimalField):
    """Latitude or longitude as typed or set by the map pin; the range and order checks are
    hive.geo's (clean_point_fields), so a swapped pair gets its own message."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class IncidentReportForm(PortalFormMixin, forms.Form):
    grid = forms.ModelChoiceField(
        queryset=Grid.objects.none(),
        required=False,
        label=_("Grid"),
        help_text=_("Or leave it empty and set the point on the map: the point finds the grid."),
    )
    category = forms.ChoiceField(choices=Category.choices, label=_("Category"))
    priority = forms.ChoiceField(
        choices=Incident.Priority.choices, initial=Incident.Priority.NORMAL, label=_("Priority")
    )
    location = forms.CharField(max_length=200, label=_("Location"))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Description"))
    latitude = PointField(label=_("Latitude"))
    longitude = PointField(label=_("Longitude"))
    photos = CameraPhotosField(label=_("Photos"), help_text=_("Up to 6 photos: JPEG, PNG or WebP."))

    on_behalf_of = forms.CharField(
        max_length=60,
        required=False,
        label=_("On behalf of resident"),
        help_text=_("When you report for a resident who came in or called."),
    )

    def __init__(self, *args, grids, staff=False, **kwargs):
        self.grids = [grid for grid in grids if not grid.holds_unplaced]
        self.staff = staff
        super().__init__(*args, **kwargs)

    def narrow(self):
        grids = self.grids
        self.fields["grid"].queryset = Grid.objects.for_people().filter(
            pk__in=[g.pk for g in grids]
        )
        if len(grids) == 1:
            self.fields["grid"].initial = grids[0].pk
        if not self.staff:
            del self.fields["on_behalf_of"]

    def clean(self):
        data = super().clean()
        clean_point_fields(self)
        if self.errors:
            return data
        data["community"] = None
        if data.get("grid") is None:
            latitude, longitude = data.get("latitude"), data.get("longitude")
            if latitude is None:
                self.add_error("grid", gettext("Choose the grid, or set the point on the map."))
                return data
            try:
                data["community"] = reporter_community(
                    grids=self.grids, latitude=latitude, longitude=longitude
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


class VisitForm(PortalFormMixin, forms.Form):
    resident = forms.ModelChoiceField(
        queryset=Resident.objects.none(),
        required=False,
        label=_("Key person"),
        help_text=_("Leave empty for a visit to the whole household."),
    )
    role = forms.ChoiceField(choices=FiveRole.choices, label=_("Role played"))
    visited_at = forms.DateTimeField(
        initial=timezone.now,
        label=_("Visited at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Notes"))

    def __init__(self, *args, household, **kwargs):
        self.household = household
        super().__init__(*args, **kwargs)

    def narrow(self):
        self.fields["resident"].queryset = self.household.residents.filter(
            status=Resident.Status.LIVING
        )


class ResidentAddForm(PortalFormMixin, forms.ModelForm):
    born_here = forms.BooleanField(
        required=False,
        label=_("Born into this household"),
        help_text=_("Recorded as a birth; otherwise as a move-in."),
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=KeyPersonTag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Key-person tags"),
    )

    class Meta:
        model = Resident
        fields = [
            "name",
            "gender",
            "relation",
            "birth_date",
            "id_number",
            "phone",
            "moved_in_on",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
            "moved_in_on": forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        }

    def __init__(self, *args, community, **kwargs):
        self.community = community
        super().__init__(*args, **kwargs)

    def narrow(self):
        self.fields["tags"].queryset = KeyPersonTag.objects.filter(
            Q(community__isnull=True) | Q(community=self.community)
        )

    def _post_clean(self):
        # The service validates the full model (household, community) when it saves.
        pass


class LeaveForm(PortalFormMixin, forms.Form):
    what = forms.ChoiceField(
        choices=[("move_out", _("Moved out")), ("death", _("Death"))], label=_("Change")
    )
    on = forms.DateField(
        initial=timezone.localdate,
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )
    note = forms.CharField(max_length=200, required=False, label=_("Note"))


class ReasonForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Reason"))


class NoteForm(PortalFormMixin, forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Note")
    )


class ResolveForm(PortalFormMixin, forms.Form):
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("What was done"))
    photos = CameraPhotosField(label=_("Photos"))


def candidate_parts(user: User) -> dict[str, str]:
    """What the dispatch picker says about one of selectors.assignee_candidates: name,
    role(s) and grid(s) in the community, and how many incidents they have in hand."""
    roles = [
        str(role.label)
        for role, holds in (
            (Role.GRID_MEMBER, user.is_grid_member),  # type: ignore[attr-defined]
            (Role.COMMUNITY_STAFF, user.is_community_staff),  # type: ignore[attr-defined]
        )
        if holds
    ]
    grids = [str(grid) for grid in user.member_grids]  # type: ignore[attr-defined]
    grids += [
        gettext("%(grid)s (deputy)") % {"grid": grid}
        for grid in user.deputy_grids  # type: ignore[attr-defined]
    ]
    load: int = user.load  # type: ignore[attr-defined]
    # Translators: between the items of a short list (roles, grids), e.g. "、".
    separator = gettext(", ")
    return {
        "name": str(user),
        "roles": separator.join(roles),
        "grids": separator.join(grids),
        "load": ngettext("%(count)s incident in hand", "%(count)s incidents in hand", load)
        % {"count": load},
    }


class CandidateChoiceField(forms.ModelChoiceField):
    """One line per candidate: name · role · grid(s) · load."""

    def label_from_instance(self, obj):
        return " · ".join(part for part in candidate_parts(obj).values() if part)


class MoveGridForm(forms.Form):
    """Community staff move a report to another grid of its community (the admin's incident
    page): above all a report waiting in the holding grid of unplaced reports."""

    grid = forms.ModelChoiceField(queryset=Grid.objects.none(), label=_("Move to grid"))
    note = forms.CharField(max_length=200, required=False, label=_("Note"))

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = (
            Grid.objects.for_people()
            .filter(community_id=incident.community_id)
            .exclude(pk=incident.grid_id)
            .order_by("code", "pk")
        )


class DispatchForm(forms.Form):
    """Whom an incident goes to: a person among selectors.assignee_candidates (radio
    rows, the incident's own grid first) or a resident unit, with a note. The admin's
    dispatch panel uses it as is, the portal's assign step as AssignForm; the service
    checks the same rule again."""

    assignee = CandidateChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label=None,
        widget=forms.RadioSelect,
        label=_("Assign to a person"),
    )
    unit = forms.ModelChoiceField(
        queryset=ResidentUnit.objects.none(),
        required=False,
        label=_("or to a resident unit"),
        help_text=_("The unit's representatives take the work on in the portal."),
    )
    note = forms.CharField(
        max_length=500,
        required=False,
        label=_("Note"),
        widget=forms.TextInput(attrs={"class": "vTextField"}),  # the admin's width
    )

    def __init__(self, *args, incident, **kwargs):
        self.incident = incident
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignee_candidates(incident)
        self.fields["unit"].queryset = ResidentUnit.objects.filter(
            community_id=incident.community_id, is_active=True
        )
        if not self.is_bound:
            # Who it goes to today, or else the incident's own grid member: most dispatches
            # are then one press of the button.
            if incident.assignee_id or incident.assigned_unit_id:
                self.initial.setdefault("assignee", incident.assignee_id)
                self.initial.setdefault("unit", incident.assigned_unit_id)
            else:
                # The field's own queryset: the picker then renders from the rows read here.
                choices = self.fields["assignee"].queryset
                own = next((user for user in choices if user.in_incident_grid), None)
                if own is not None:
                    self.initial.setdefault("assignee", own.pk)

    def clean(self):
        data = super().clean()
        if bool(data.get("assignee")) == bool(data.get("unit")):
            raise ValidationError(_("Choose either a person or a resident unit to assign to."))
        return data

    @property
    def submit_label(self) -> str:
        if self.incident.status == Incident.Status.REPORTED:
            return gettext("Accept and assign")
        return gettext("Assign")

    def assignee_rows(self) -> list[dict[str, Any]]:
        """The radio buttons with what to show beside each, for a table of candidates."""
        rows = []
        for radio in self["assignee"]:
            user = radio.data["value"].instance
            rows.append(
                {
                    "radio": radio,
                    "in_incident_grid": user.in_incident_grid,
                    **candidate_parts(user),
                }
            )
        return rows


class AssignForm(PortalFormMixin, DispatchForm):
    """The portal's assign step: the same picker as the admin's dispatch panel."""


class EscalateForm(PortalFormMixin, forms.Form):
    """Send a small dispute to the mediation room: the case needs a room, a type and the
    two sides (the disputes app checks them again)."""

    room = forms.ModelChoiceField(queryset=MediationRoom.objects.none(), label=_("Mediation room"))
    kind = forms.ChoiceField(choices=DisputeCase.Kind.choices, label=_("Type of dispute"))
    applicant_name = forms.CharField(max_length=60, label=_("Applicant"))
    applicant_phone = forms.CharField(max_length=20, required=False, label=_("Applicant's phone"))
    respondent_name = forms.CharField(max_length=60, label=_("Respondent"))
    respondent_phone = forms.CharField(max_length=20, required=False, label=_("Respondent's phone"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
        label=_("Note for the mediators"),
    )

    def __init__(self, *args, community_id, **kwargs):
        self.community_id = community_id
        super().__init__(*args, **kwargs)

    def narrow(self):
        self.fields["room"].queryset = MediationRoom.objects.filter(
            community_id=self.community_id, is_active=True
        )

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "room": data["room"],
            "kind": data["kind"],
            "note": data["note"],
            "parties": [
                {
                    "role": role,
                    "name": data[f"{role}_name"],
                    "phone": data[f"{role}_phone"],
                }
                for role in ("applicant", "respondent")
            ],
        }


class DuplicateForm(PortalFormMixin, forms.Form):
    original = forms.ModelChoiceField(queryset=Incident.objects.none(), label=_("Original report"))

    def __init__(self, *args, incident, **kwargs):
        self.incident = incident
        super().__init__(*args, **kwargs)

    def narrow(self):
        incident = self.incident
        self.fields["original"].queryset = Incident.objects.filter(
            community_id=incident.community_id, duplicate_of__isnull=True
        ).exclude(pk=incident.pk)
        self.fields["original"].widget = forms.NumberInput()
        self.fields["original"].help_text = _("The number of the original report.")


class ReplyForm(PortalFormMixin, forms.Form):
    template = forms.ModelChoiceField(
        queryset=ReplyTemplate.objects.none(), required=False, label=_("Reply template")
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Reply")
    )

    def __init__(self, *args, community_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ReplyTemplate.objects.filter(community_id=community_id)


class TaskDoneForm(PortalFormMixin, forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("What was done")
    )


class SweepCheckForm(PortalFormMixin, forms.Form):
    place = forms.ChoiceField(label=_("Place"))
    failed_items = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Items that failed"),
        help_text=_("Tick what is not in order; any failed item is reported as an incident."),
    )
    not_reached = forms.BooleanField(required=False, label=_("Could not reach the place"))
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Notes")
    )
    category = forms.ChoiceField(
        choices=Category.choices, initial=Category.HIDDEN_DANGER, label=_("Category of a finding")
    )
    photos = CameraPhotosField(label=_("Photos"))

    def __init__(self, *args, sweep, pending_places, **kwargs):
        self.sweep, self.pending_places = sweep, pending_places
        super().__init__(*args, **kwargs)

    def narrow(self):
        self.fields["place"].choices = [(p.pk, str(p)) for p in self.pending_places]
        self.fields["failed_items"].choices = [(item, item) for item in self.sweep.checklist_items]


# --- A resident's own report (随手拍), public -------------------------------------------

_HTML_TAG = re.compile(r"<\s*[a-zA-Z/!?]")


def community_grids(community) -> list[Grid]:
    """The grids a resident chooses from, by code: one query."""
    return list(Grid.objects.for_people().filter(community=community).order_by("code", "pk"))


def where_choices(community, grids: list[Grid] | None = None) -> list[tuple[str, Any]]:
    """The "where" select: one group per grid, its buildings then "elsewhere in this
    grid"; values "b<pk>" (a building) or "g<pk>" (a grid). Two queries (one when the
    grids were read)."""
    buildings: dict[int, list[Building]] = {}
    for building in Building.objects.filter(community=community).order_by("name", "pk"):
        buildings.setdefault(building.grid_id, []).append(building)
    choices: list[tuple[str, Any]] = [("", gettext("Not sure: use my location"))]
    for grid in community_grids(community) if grids is None else grids:
        options = [(f"b{building.pk}", building.name) for building in buildings.get(grid.pk, [])]
        options.append((f"g{grid.pk}", gettext("Elsewhere in this grid")))
        choices.append((grid.name, options))
    return choices


def where_place(community, value: str) -> Building | Grid | None:
    """The place a "where" value names when the select offers it (a building of one of
    the community's grids, with its grid; or a grid of the community), else None. One
    query; none for an empty or malformed value."""
    kind, pk = value[:1], value[1:]
    if not pk.isdigit():
        return None
    if kind == "b":
        # order_by(): a primary-key lookup needs no ordering (the models' default ordering
        # joins and sorts, a measurable share of a public submission's time).
        return (
            Building.objects.select_related("grid")
            .filter(community=community, grid__community=community, pk=int(pk))
            .order_by()
            .first()
        )
    if kind == "g":
        return Grid.objects.for_people().filter(community=community, pk=int(pk)).order_by().first()
    return None


class WhereField(forms.ChoiceField):
    """The "where" select. A submitted value is checked against the one place the form
    read for it (`places`), not against the whole list: the list is read only when the
    select is shown (a GET, or a POST shown again with its errors)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.places: dict[str, Building | Grid] = {}

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.places


class ResidentReportForm(PublicSubmissionForm):
    """The public report form (随手拍) of one community: no account, works without
    JavaScript (the location button only fills the two hidden coordinates)."""

    refusal_message = _("Your report could not be accepted. Please phone your community office.")
    notice = (
        _(
            "What we collect: your name and mobile phone, with your report, its photos and the place."  # noqa: E501
        ),
        _("Why: so that the community can ask you about the problem and tell you what was done."),
        _(
            "Who sees it: the staff of your community office and the grid member who handles "
            "your report. The tracking page shows the progress, never your name or phone."
        ),
        _(
            "How long we keep it: until your report is finished, then for two years in the "
            "community's ledger, after which your name and phone are deleted."
        ),
    )

    category = forms.ChoiceField(label=_("What kind of problem"), choices=Category.choices)
    description = PublicTextField(
        label=_("What is the problem?"),
        min_length=4,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you saw, and since when (at most 500 characters)."),
    )
    photos = PhotosField(
        label=_("Photos"),
        max_count=MAX_RESIDENT_REPORT_PHOTOS,
        help_text=_("Up to 3 photos: JPEG, PNG or WebP."),
    )
    where = WhereField(label=_("Where"), required=False)
    location = PublicTextField(
        label=_("Place (optional)"),
        required=False,
        max_length=200,
        help_text=_("For example “by the east gate, next to the bicycle shed”."),
    )
    latitude = PointField(widget=forms.HiddenInput)
    longitude = PointField(widget=forms.HiddenInput)
    contact_name = forms.CharField(label=_("Your name"), max_length=30)
    contact_phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, community, **kwargs):
        self.community = community
        super().__init__(*args, **kwargs)
        where = self.fields["where"]
        # Read when the select or the map is shown, once however often they are walked.
        self.grids = functools.cache(functools.partial(community_grids, community))
        where.choices = functools.cache(lambda: where_choices(community, self.grids()))
        if self.is_bound:
            value = str(self.data.get(self.add_prefix("where")) or "")
            place = where_place(community, value)
            where.places = {value: place} if place is not None else {}
        self.fields["photos"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"

    def grid_outlines(self) -> list[dict[str, Any]]:
        """The grids' names and boundaries for the map pin (no personal data)."""
        return [
            {"name": grid.name, "boundary": grid.boundary} for grid in self.grids() if grid.boundary
        ]

    def clean_description(self):
        description = self.cleaned_data["description"]
        if _HTML_TAG.search(description):
            raise ValidationError(_("Please write plain text, without HTML."), code="html")
        return description

    def clean_contact_phone(self):
        return clean_mobile(self.cleaned_data["contact_phone"])

    def clean_contact_name(self):
        return " ".join(self.cleaned_data["contact_name"].split())

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            cleaned["latitude"] = cleaned["longitude"] = None
        clean_point_fields(self)
        # The place was read with the value (__init__): no query here.
        place = self.fields["where"].places.get(cleaned.get("where") or "")
        cleaned["building"] = place if isinstance(place, Building) else None
        cleaned["grid"] = place if isinstance(place, Grid) else None
        return cleaned


class ReportRatingForm(BootstrapFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with how it was handled? (5 = very)"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Anything to add (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MapFilterForm(DashboardFilterForm):
    """The staff map's filters: the dashboard's (period, and for a street one community),
    then the incidents' category and status (open, overdue, or one status)."""

    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        from grids.map_api import STATUS_CHOICES

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories")), *Category.choices]
        self.fields["status"].choices = [("", _("All statuses")), *STATUS_CHOICES]

    def query(self) -> dict[str, str]:
        """The map endpoints' query string for these filters (grids.map_api)."""
        data = self.cleaned_data
        query = {"period": data.get("period") or DEFAULT_PERIOD}
        community = data.get("community")
        if community is not None:
            query["community"] = str(community.pk)
        for name in ("category", "status"):
            if data.get(name):
                query[name] = data[name]
        return query
