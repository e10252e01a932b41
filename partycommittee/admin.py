from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportMixin

from hive.admin import PersonalDataAdminMixin, ScopedAdminMixin, run_for_each, with_reason
from hive.ui.admin_lists import WorkQueueAdminMixin, short_text_column
from hive.ui.forms import add_service_errors
from hive.ui.resources import ScopedImportExportMixin
from partycommittee import services
from partycommittee.evaluations import admin as evaluation_admin  # noqa: F401  (registers its pages)
from partycommittee.models import (
    Agreement,
    BigPartyCommittee,
    Campaign,
    CommitteeDocument,
    CommitteeMember,
    DemandItem,
    JointMeeting,
    MeetingAttendance,
    Nomination,
    Objection,
    Project,
    ResidentUnit,
    ResourceItem,
    Responsibility,
)
from partycommittee.resources import (
    DemandItemResource,
    JointMeetingResource,
    ProjectResource,
    ResidentUnitResource,
    ResourceItemResource,
    ResponsibilityResource,
)
from partycommittee.selectors import campaign_results
from partycommittee.signals import meeting_points_requested


class ImportExportAdmin(
    ScopedImportExportMixin, ScopedAdminMixin, ImportExportMixin, admin.ModelAdmin
):
    pass


class ExportAdmin(ScopedImportExportMixin, ScopedAdminMixin, ExportMixin, admin.ModelAdmin):
    pass


@admin.register(ResidentUnit)
class ResidentUnitAdmin(PersonalDataAdminMixin, ImportExportAdmin):
    resource_classes = [ResidentUnitResource]
    list_display = [
        "name",
        "kind",
        "community",
        "party_org_head",
        "party_member_count",
        "is_active",
    ]
    list_filter = ["community", "kind", "is_active"]
    search_fields = ["name", "party_org_name", "party_org_head", "contact_name"]
    list_select_related = ["community"]
    filter_horizontal = ["representatives"]


class CommitteeMemberInline(ScopedAdminMixin, admin.TabularInline):
    model = CommitteeMember
    fields = ["user", "position", "unit", "term_start", "term_end"]
    autocomplete_fields = ["user"]
    extra = 0


class CommitteeDocumentInline(admin.TabularInline):
    model = CommitteeDocument
    fields = ["title", "kind", "file"]
    extra = 0


@admin.register(BigPartyCommittee)
class BigPartyCommitteeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "community", "established_on"]
    inlines = [CommitteeMemberInline, CommitteeDocumentInline]
    list_select_related = ["community"]


class AttendanceInline(ScopedAdminMixin, admin.TabularInline):
    model = MeetingAttendance
    fields = ["unit", "status", "attendee"]
    extra = 0


@admin.register(JointMeeting)
class JointMeetingAdmin(ExportAdmin):
    resource_classes = [JointMeetingResource]
    list_display = ["title", "held_at", "place", "community"]
    list_filter = ["community", "held_at"]
    search_fields = ["title", "agenda", "minutes"]
    date_hierarchy = "held_at"
    inlines = [AttendanceInline]
    list_select_related = ["community"]
    actions = ["award_attendance_points"]

    @admin.action(description=_("Award points to party members of the units present"))
    def award_attendance_points(self, request, queryset):
        # The rule lives with the party-member points (volunteers); it runs daily there too.
        run_for_each(
            self,
            request,
            queryset,
            lambda meeting, user: meeting_points_requested.send(JointMeeting, meeting=meeting),
            success_message=gettext("Points awarded for %(count)s meetings."),
        )


@admin.register(DemandItem)
class DemandItemAdmin(ImportExportAdmin):
    resource_classes = [DemandItemResource]
    list_display = ["title", "category", "priority", "source", "community", "created_at"]
    list_filter = ["community", "category", "priority", "source"]
    search_fields = ["title", "description", "raised_by"]
    list_select_related = ["community"]


@admin.register(ResourceItem)
class ResourceItemAdmin(ImportExportAdmin):
    resource_classes = [ResourceItemResource]
    list_display = ["title", "kind", "unit", "capacity", "is_available", "community"]
    list_filter = ["community", "kind", "is_available"]
    search_fields = ["title", "description", "unit__name"]
    list_select_related = ["community", "unit"]


class ResponsibilityFormSet(BaseInlineFormSet):
    """Responsibilities take the project's community (Responsibility.clean() checks that
    their unit belongs to it)."""

    def save_new(self, form, commit=True):
        form.instance.community_id = self.instance.community_id
        return super().save_new(form, commit)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Set before validation, so the model's own checks see the community.
        form.instance.community_id = self.instance.community_id
        return form


class ResponsibilityInline(ScopedAdminMixin, admin.TabularInline):
    model = Responsibility
    formset = ResponsibilityFormSet
    fields = ["unit", "task", "deadline", "status", "progress_note"]
    extra = 0


class AgreementFormSet(BaseInlineFormSet):
    """The service's rule (services.agreement_check) for an agreement added or changed
    here; one left as it was does not stop the project from being edited."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):
                continue
            try:
                services.agreement_check(project=self.instance)
            except ValidationError as exc:
                form.add_error(None, exc.message_dict["project"])


class AgreementInline(admin.StackedInline):
    model = Agreement
    formset = AgreementFormSet
    fields = ["parties", "signed_on", "file"]
    extra = 0
    max_num = 1


class ProjectAdminForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "community",
            "title",
            "description",
            "demands",
            "resources",
            "units",
            "meeting",
            "is_public",
            "public_results",
        ]

    def clean(self):
        cleaned = super().clean()
        community = cleaned.get("community")
        if community is not None:
            try:
                services.project_links_check(
                    community=community,
                    meeting=cleaned.get("meeting"),
                    **{
                        name: list(cleaned.get(name) or [])
                        for name in ("demands", "resources", "units")
                    },
                )
            except ValidationError as exc:
                add_service_errors(self, exc)
        return cleaned


def _step_action(step):
    def action(modeladmin, request, queryset):
        run_for_each(
            modeladmin,
            request,
            queryset,
            lambda project, user: services.project_transition(
                project=project, to=step.target, actor=user
            ),
            success_message=_("%(count)s project(s) moved on."),
        )

    action.__name__ = f"move_to_{step.target}"
    action.short_description = step.label
    return action


@admin.register(Project)
class ProjectAdmin(ExportAdmin):
    form = ProjectAdminForm
    resource_classes = [ProjectResource]
    list_display = ["title", "status", "is_public", "community", "created_at"]
    list_filter = ["community", "status", "is_public"]
    search_fields = ["title", "description"]
    filter_horizontal = ["demands", "resources", "units"]
    inlines = [ResponsibilityInline, AgreementInline]
    readonly_fields = ["status"]
    list_select_related = ["community"]
    actions = [
        *(
            _step_action(step)
            for step in Project.workflow.actions.values()
            if step.name != "cancel"
        ),
        "cancel_projects",
    ]

    @with_reason(
        description=_("Cancel (asks for the reason)"),
        title=_("Cancel projects"),
        intro=_("These projects will be cancelled; the reason goes into their timeline."),
        button=_("Cancel the projects"),
    )
    def cancel_projects(self, project, user, reason):
        services.project_transition(
            project=project, to=Project.Status.CANCELLED, actor=user, note=reason
        )


@admin.register(Responsibility)
class ResponsibilityAdmin(WorkQueueAdminMixin, ExportAdmin):
    resource_classes = [ResponsibilityResource]
    queue_final_states = [Responsibility.Status.DONE]
    deadline_field = "deadline"
    due_soon = timedelta(days=7)
    list_display = [
        short_text_column(Responsibility, "task"),
        "unit",
        "deadline_column",
        "status",
        "community",
    ]
    list_filter = ["community", "status", "deadline"]
    search_fields = ["task", "unit__name"]
    list_select_related = ["community", "unit"]


class NominationInline(ScopedAdminMixin, admin.TabularInline):
    model = Nomination
    fields = ["nominee_kind", "unit", "nominee_name", "reason", "nominated_by"]
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "seats",
        "nomination_start",
        "voting_end",
        "announced_at",
        "community",
    ]
    list_filter = ["community", "kind"]
    search_fields = ["title"]
    inlines = [NominationInline]
    readonly_fields = ["results", "announced_at", "objection_end"]
    list_select_related = ["community"]
    actions = ["announce"]

    @admin.action(description=_("Announce the results"), permissions=["change"])
    def announce(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda campaign, user: services.campaign_announce(campaign=campaign),
            success_message=gettext("Results announced for %(count)d campaign(s)."),
        )

    @admin.display(description=_("objections until"))
    def objection_end(self, obj):
        return obj.objection_end or "-"

    @admin.display(description=_("results"))
    def results(self, obj):
        if obj.pk is None:
            return "-"
        return (
            "；".join(f"{n.nominee_name} {n.vote_count}" for n in campaign_results(campaign=obj))
            or "-"
        )


@admin.register(Nomination)
class NominationAdmin(PersonalDataAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Every nomination, with who made it: a member's account, or the name and phone a
    resident left on the public form (masked; revealing them is logged)."""

    list_display = [
        "nominee_name",
        "nominee_kind",
        "campaign",
        "nominated_by",
        "masked_nominator_name",
        "masked_nominator_phone",
        "created_at",
    ]
    list_filter = ["campaign__community", "nominee_kind"]
    search_fields = ["nominee_name", "campaign__title"]
    list_select_related = ["campaign", "nominated_by"]
    fields = [
        "campaign",
        "nominee_kind",
        "unit",
        "nominee_name",
        "reason",
        "nominated_by",
        "nominator_name",
        "nominator_phone",
        "consent_at",
        "slot",
    ]
    readonly_fields = ["consent_at", "slot"]


@admin.register(Objection)
class ObjectionAdmin(PersonalDataAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Residents' objections to announced results; the office records how each was
    handled. The name and phone are masked; revealing them is logged."""

    list_display = [
        "campaign",
        "nomination",
        "masked_name",
        "masked_phone",
        "created_at",
        "handled_at",
    ]
    list_filter = ["campaign__community", "handled_at"]
    search_fields = ["campaign__title", "reason"]
    list_select_related = ["campaign", "nomination"]
    fields = [
        "campaign",
        "nomination",
        "reason",
        "name",
        "phone",
        "consent_at",
        "handled_at",
        "handling_note",
    ]
    readonly_fields = ["campaign", "nomination", "reason", "consent_at"]

    def has_add_permission(self, request):
        # Objections come from residents, through the public form.
        return False
