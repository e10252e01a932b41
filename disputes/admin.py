"""Staff door: rooms, partners, mediators, the case ledger (调解台账) with filters and
.xlsx export, statistics, consultations. Workflow moves go through the services."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields
from import_export.admin import ExportMixin
from import_export.formats.base_formats import XLSX

from disputes import services
from disputes.models import (
    Agreement,
    CaseParty,
    Consultation,
    ConsultationAction,
    DisputeCase,
    FollowUp,
    GovernanceMethod,
    MediationRoom,
    MediationSession,
    Mediator,
    PartnerInstitution,
)
from disputes.selectors import PERIODS, case_statistics
from hive.access.roles import Role
from hive.admin import (
    CreateThroughServiceMixin,
    PersonalDataAdminMixin,
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    run_for_each,
)
from hive.models import Community, RoleAssignment, User
from hive.personal_data import mask_address, mask_name, mask_phone
from hive.ui.admin_lists import WorkQueueAdminMixin, short_text_column
from hive.ui.forms import add_service_errors
from hive.ui.resources import ScopedImportExportMixin, ScopedResource


@admin.register(MediationRoom)
class MediationRoomAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "community", "address", "is_active"]
    list_filter = ["community", "is_active"]
    search_fields = ["name", "address"]
    list_select_related = ["community"]
    filter_horizontal = ["partners"]


@admin.register(PartnerInstitution)
class PartnerInstitutionAdmin(PersonalDataAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "community", "resident_unit", "contact_name", "is_active"]
    list_filter = ["community", "kind", "is_active"]
    search_fields = ["name", "contact_name"]
    list_select_related = ["community", "resident_unit"]


class MediatorAdminForm(forms.ModelForm):
    class Meta:
        model = Mediator
        fields = ["community", "user", "institution", "specialities", "is_active"]


@admin.register(Mediator)
class MediatorAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = MediatorAdminForm
    list_display = ["__str__", "community", "institution", "specialities", "is_active"]
    list_filter = ["community", "institution", "is_active"]
    search_fields = ["user__name", "user__username", "specialities"]
    list_select_related = ["community", "user", "institution"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # People holding the mediator role in a community the staff member manages.
            assignments = RoleAssignment.objects.filter(
                role=Role.MEDIATOR, community__in=Community.objects.managed_by(request.user)
            )
            kwargs["queryset"] = User.objects.filter(pk__in=assignments.values("user_id")).order_by(
                "name", "username"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- The case ledger -----------------------------------------------------------------------


class CaseLedgerResource(ScopedResource):
    """The mediation ledger (调解台账); parties' names and phones masked."""

    community = fields.Field(attribute="community__name", column_name=_("community"))
    room = fields.Field(attribute="room__name", column_name=_("mediation room"))
    source = fields.Field(column_name=_("source"))
    kind = fields.Field(column_name=_("type"))
    status = fields.Field(column_name=_("status"))
    applicants = fields.Field(column_name=_("applicants"))
    respondents = fields.Field(column_name=_("respondents"))
    mediators = fields.Field(column_name=_("mediators"))
    governance = fields.Field(column_name=_("governance methods"))
    agreement_signed_on = fields.Field(column_name=_("agreement signed on"))

    class Meta:
        model = DisputeCase
        fields = [
            "number",
            "community",
            "room",
            "registered_at",
            "source",
            "kind",
            "title",
            "applicants",
            "respondents",
            "amount_in_dispute",
            "mediators",
            "governance",
            "status",
            "agreement_signed_on",
            "referred_to",
            "closed_at",
        ]
        export_order = fields

    def dehydrate_source(self, case):
        return case.get_source_display()

    def dehydrate_kind(self, case):
        return case.get_kind_display()

    def dehydrate_status(self, case):
        return case.get_status_display()

    def _parties(self, case, role):
        return "、".join(
            f"{mask_name(p.name)} {mask_phone(p.phone)}".strip()
            for p in case.parties.all()
            if p.role == role
        )

    def dehydrate_applicants(self, case):
        return self._parties(case, CaseParty.Role.APPLICANT)

    def dehydrate_respondents(self, case):
        return self._parties(case, CaseParty.Role.RESPONDENT)

    def dehydrate_mediators(self, case):
        return "、".join(str(m.user) for m in case.mediators.all())

    def dehydrate_governance(self, case):
        return "、".join(case.governance_labels)

    def dehydrate_agreement_signed_on(self, case):
        agreement = getattr(case, "agreement", None)
        return agreement.signed_on if agreement else ""


class PartyFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # Parties are checked when the case is registered; afterwards the inline only shows
        # them (masked), and the case's other fields must stay editable.
        if any(self.errors) or not self.instance._state.adding:
            return
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        try:
            services.clean_parties(rows)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["parties"]) from None


class PartyInline(admin.TabularInline):
    """Parties are entered when the case is registered; afterwards they are shown masked
    (personal data), not edited here."""

    model = CaseParty
    formset = PartyFormSet
    fields = ["role", "name", "phone", "address"]
    extra = 2

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)

    def get_fields(self, request, obj=None):
        return ["role", "name", "phone", "address"] if obj is None else ["role", "masked"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["role", "masked"]

    def has_add_permission(self, request, obj=None):
        return obj is None

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("party (masked)"))
    def masked(self, party):
        return (
            f"{mask_name(party.name)} · {mask_phone(party.phone)} · {mask_address(party.address)}"
        )


class _ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)


class SessionInline(_ReadOnlyInline):
    model = MediationSession
    fields = ["held_at", "room", "notes", "recorded_by"]
    readonly_fields = fields


class AgreementInline(_ReadOnlyInline):
    model = Agreement
    fields = ["signed_on", "terms", "judicial_confirmation", "recorded_by"]
    readonly_fields = fields


class FollowUpInline(_ReadOnlyInline):
    model = FollowUp
    fields = ["due_on", "visited_on", "honoured", "notes", "reminded_at"]
    readonly_fields = fields


class CaseAdminForm(forms.ModelForm):
    governance_methods = forms.MultipleChoiceField(
        label=_("governance methods"),
        choices=GovernanceMethod.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    source = forms.ChoiceField(
        label=_("source"),
        choices=[c for c in DisputeCase.Source.choices if c[0] != DisputeCase.Source.INCIDENT],
    )

    class Meta:
        model = DisputeCase
        fields = [
            "community",
            "room",
            "source",
            "kind",
            "title",
            "facts",
            "amount_in_dispute",
            "governance_methods",
            "mediators",
            "registered_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.source == DisputeCase.Source.INCIDENT:
            self.fields["source"].choices = DisputeCase.Source.choices

    def clean(self):
        cleaned = super().clean()
        community = cleaned.get("community") or getattr(self.instance, "community", None)
        room = cleaned.get("room")
        registering = self.instance.pk is None
        if community and room and (registering or "room" in self.changed_data):
            # The service's rules: a room of the community still in use; when
            # registering, a time not in the future (it is read-only afterwards).
            try:
                services.clean_registration(
                    community=community,
                    room=room,
                    registered_at=cleaned.get("registered_at") if registering else None,
                )
            except ValidationError as exc:
                add_service_errors(self, exc)
        if community and cleaned.get("mediators") is not None:
            try:
                services.clean_mediators(cleaned["mediators"], community.pk)
            except ValidationError as exc:
                self.add_error("mediators", exc.message_dict["mediators"])
        return cleaned


class StatisticsForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[(key, label) for key, (_trunc, label) in PERIODS.items()],
        initial="month",
        required=False,
    )
    room = forms.ModelChoiceField(
        label=_("Mediation room"), queryset=MediationRoom.objects.none(), required=False
    )
    kind = forms.ChoiceField(
        label=_("Type"), choices=[("", "---------"), *DisputeCase.Kind.choices], required=False
    )
    registered_after = forms.DateField(label=_("Registered from"), required=False)
    registered_before = forms.DateField(label=_("Registered until"), required=False)


@admin.register(DisputeCase)
class DisputeCaseAdmin(
    WorkQueueAdminMixin,
    CreateThroughServiceMixin,
    ScopedImportExportMixin,
    ScopedAdminMixin,
    ExportMixin,
    admin.ModelAdmin,
):
    form = CaseAdminForm
    change_list_template = "admin/disputes/disputecase/change_list.html"
    resource_classes = [CaseLedgerResource]
    export_formats = [XLSX]
    # A case has no deadline of its own: open ones first, the longest registered at the top.
    queue_final_states = DisputeCase.FINAL_STATES
    queue_age_field = "registered_at"
    list_display = [
        "number",
        short_text_column(DisputeCase, "title", length=24),
        "kind",
        "room",
        "status",
        "registered_at",
        "mediator_names",
        "last_activity_at",
        "stale_flagged_at",
    ]
    list_filter = [
        "status",
        "kind",
        "source",
        "room",
        "community",
        ("mediators", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["room", "community"]
    search_fields = ["number", "title", "facts"]
    date_hierarchy = "registered_at"
    filter_horizontal = ["mediators"]
    inlines = [PartyInline, SessionInline, AgreementInline, FollowUpInline]
    actions = ["accept_selected", "start_mediation_selected", "close_selected"]
    readonly_fields = [
        "number",
        "status",
        "source_link",
        "failure_reason",
        "referred_to",
        "referral_note",
        "withdrawal_reason",
        "closed_at",
        "last_activity_at",
        "stale_flagged_at",
        "timeline",
    ]

    def get_inlines(self, request, obj):
        # Registering: the parties. Afterwards: the record, read-only.
        return [PartyInline] if obj is None else self.inlines

    def get_fieldsets(self, request, obj=None):
        main = [
            "community",
            "room",
            "source",
            "kind",
            "title",
            "facts",
            "amount_in_dispute",
            "governance_methods",
            "mediators",
            "registered_at",
        ]
        if obj is None:
            return [(None, {"fields": main})]
        return [
            (None, {"fields": ["number", "status", *main, "source_link"]}),
            (
                _("Outcome"),
                {
                    "fields": [
                        "failure_reason",
                        "referred_to",
                        "referral_note",
                        "withdrawal_reason",
                        "closed_at",
                        "last_activity_at",
                        "stale_flagged_at",
                    ]
                },
            ),
            (_("Progress"), {"fields": ["timeline"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # A registered case keeps its community, number and registration time; a
        # finished one its mediators (as services.case_assign_mediators refuses).
        fixed = ["mediators"] if obj.status in DisputeCase.FINAL_STATES else []
        return [*self.readonly_fields, "community", "registered_at", "source", *fixed]

    def save_related(self, request, form, formsets, change):
        # The mediators the form adds are told, as at every other door.
        before = set(form.instance.mediators.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        services.case_mediators_told(form.instance, before=before)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("mediators__user")

    def get_export_queryset(self, request):
        return (
            super()
            .get_export_queryset(request)
            .select_related("community", "room", "agreement")
            .prefetch_related("parties", "mediators__user")
        )

    @admin.display(description=_("mediators"))
    def mediator_names(self, case):
        return "、".join(str(m.user) for m in case.mediators.all())

    @admin.display(description=_("escalated from"))
    def source_link(self, case):
        if not case.source_id:
            return "—"
        return f"{case.source_type.name} #{case.source_id}"

    @admin.display(description=_("timeline"))
    def timeline(self, case):
        from django.template.loader import render_to_string

        from hive.selectors import timeline_for

        return render_to_string("hive/_timeline.html", {"entries": timeline_for(case)})

    def create_through_service(self, request, obj, form):
        # Numbering and the first timeline entry; the admin's view is one transaction,
        # so a refusal later (the parties) gives the number back.
        services.case_save_new(obj, actor=request.user)
        return obj

    # --- actions ----------------------------------------------------------------------

    @admin.action(description=_("Accept the selected cases"))
    def accept_selected(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda case, user: services.case_accept(case=case, actor=user),
            success_message=gettext("%(count)s cases accepted."),
        )

    @admin.action(description=_("Start mediation of the selected cases"))
    def start_mediation_selected(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda case, user: services.case_start_mediation(case=case, actor=user),
            success_message=gettext("%(count)s cases in mediation."),
        )

    @admin.action(description=_("Close the selected cases"))
    def close_selected(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda case, user: services.case_close(case=case, actor=user),
            success_message=gettext("%(count)s cases closed."),
        )

    # --- statistics -------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "statistics/",
                self.admin_site.admin_view(self.statistics_view),
                name="disputes_disputecase_statistics",
            ),
            path(
                "<int:pk>/agreement/",
                self.admin_site.admin_view(self.agreement_view),
                name="disputes_disputecase_agreement",
            ),
            *super().get_urls(),
        ]

    # --- the printable agreement ------------------------------------------------------

    def agreement_view(self, request, pk):
        from disputes.views import agreement_document_response

        # Scoped like the change page: a case the staff member does not manage is a 404.
        cases = self.get_queryset(request).prefetch_related(None)
        case = get_object_or_404(cases.select_related("community", "room"), pk=pk)
        if not self.has_view_permission(request, case):
            raise PermissionDenied
        return agreement_document_response(
            request, case, back_url=reverse("admin:disputes_disputecase_change", args=[case.pk])
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pk = unquote(object_id)
        if pk.isdigit() and Agreement.objects.filter(case_id=pk).exists():
            extra_context = {
                **(extra_context or {}),
                "agreement_document_url": reverse(
                    "admin:disputes_disputecase_agreement", args=[pk]
                ),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def statistics_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        cases = self.get_queryset(request)
        form = StatisticsForm(request.GET or None)
        form.fields["room"].queryset = MediationRoom.objects.managed_by(request.user)
        period = "month"
        if form.is_valid():
            data = form.cleaned_data
            period = data["period"] or "month"
            if data["room"]:
                cases = cases.filter(room=data["room"])
            if data["kind"]:
                cases = cases.filter(kind=data["kind"])
            if data["registered_after"]:
                cases = cases.filter(registered_at__date__gte=data["registered_after"])
            if data["registered_before"]:
                cases = cases.filter(registered_at__date__lte=data["registered_before"])
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Mediation statistics"),
            "opts": self.model._meta,
            "form": form,
            "stats": case_statistics(cases, period=period),
        }
        return TemplateResponse(request, "admin/disputes/disputecase/statistics.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "statistics_url": reverse("admin:disputes_disputecase_statistics"),
        }
        return super().changelist_view(request, extra_context=extra_context)


# --- Consultations -------------------------------------------------------------------------


class ConsultationActionInline(admin.TabularInline):
    model = ConsultationAction
    fields = ["description", "responsible", "due_on", "done_on"]
    extra = 1


@admin.register(Consultation)
class ConsultationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["held_on", "topic", "community", "property_company", "open_actions"]
    list_filter = ["community", "property_company"]
    search_fields = ["topic", "resolution"]
    list_select_related = ["community", "property_company"]
    date_hierarchy = "held_on"
    inlines = [ConsultationActionInline]

    @admin.display(description=_("open actions"))
    def open_actions(self, consultation):
        return sum(1 for action in consultation.actions.all() if action.done_on is None)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("actions")
