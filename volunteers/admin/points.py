"""Admin for party members, point rules and schemes, the ledger, manual awards and stars.

The ledger is read-only here: entries come from services (automatic awards, approved
manual awards, reversals); staff export it as .xlsx. Manual awards are proposed with
the add form and approved by a second staff member with an action.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields
from import_export.admin import ExportMixin
from import_export.formats.base_formats import XLSX

from hive.admin import (
    CreateThroughServiceMixin,
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    run_for_each,
    with_reason,
)
from hive.ui.admin_lists import WorkQueueAdminMixin, short_text_column
from hive.ui.resources import ScopedImportExportMixin, ScopedResource
from volunteers import services
from volunteers.models import (
    PartyMember,
    PointAward,
    PointEntry,
    PointRule,
    PointsScheme,
    StarRating,
)

# --- Spreadsheets --------------------------------------------------------------------------


class PointLedgerResource(ScopedResource):
    """The points ledger (积分台账) as a spreadsheet."""

    community = fields.Field(attribute="community__name", column_name=_("community"))
    member = fields.Field(column_name=_("member"))
    rule = fields.Field(attribute="rule__name", column_name=_("rule"))
    category = fields.Field(column_name=_("category"))
    points = fields.Field(attribute="points", column_name=_("points"))
    reason = fields.Field(attribute="reason", column_name=_("reason"))
    awarded_at = fields.Field(attribute="awarded_at", column_name=_("counts for"))
    correction_of = fields.Field(attribute="reverses_id", column_name=_("reverses"))
    approved_by = fields.Field(column_name=_("approved by"))
    created_at = fields.Field(attribute="created_at", column_name=_("recorded at"))

    class Meta:
        model = PointEntry
        fields = [
            "id",
            "community",
            "member",
            "rule",
            "category",
            "points",
            "reason",
            "awarded_at",
            "correction_of",
            "approved_by",
            "created_at",
        ]
        export_order = fields

    def dehydrate_member(self, entry):
        return str(entry.member.user)

    def dehydrate_category(self, entry):
        return entry.rule.get_category_display()

    def dehydrate_approved_by(self, entry):
        return str(entry.approved_by) if entry.approved_by_id else ""


class StarListResource(ScopedResource):
    """The star list (星级名单) of a period."""

    community = fields.Field(attribute="community__name", column_name=_("community"))
    period = fields.Field(attribute="period_label", column_name=_("period"))
    member = fields.Field(column_name=_("party member"))
    branch = fields.Field(attribute="member__branch", column_name=_("party branch"))
    score = fields.Field(attribute="score", column_name=_("score"))
    stars = fields.Field(attribute="stars", column_name=_("stars"))

    class Meta:
        model = StarRating
        fields = ["community", "period", "member", "branch", "score", "stars"]
        export_order = fields

    def dehydrate_member(self, rating):
        return str(rating.member.user)


class PartyMemberResource(ScopedResource):
    community = fields.Field(attribute="community__name", column_name=_("community"))
    person = fields.Field(column_name=_("person"))
    branch = fields.Field(attribute="branch", column_name=_("party branch"))
    joined = fields.Field(attribute="joined_party_on", column_name=_("joined the party on"))
    unit = fields.Field(attribute="registered_unit__name", column_name=_("registered from unit"))
    active = fields.Field(attribute="is_active", column_name=_("active"))

    class Meta:
        model = PartyMember
        fields = ["community", "person", "branch", "joined", "unit", "active"]
        export_order = fields

    def dehydrate_person(self, member):
        return str(member.user)


class _Export(ScopedImportExportMixin, ScopedAdminMixin, ExportMixin, admin.ModelAdmin):
    export_formats = [XLSX]


# --- Party members, rules, schemes ------------------------------------------------------------


@admin.register(PartyMember)
class PartyMemberAdmin(_Export):
    resource_classes = [PartyMemberResource]
    list_display = [
        "user",
        "community",
        "branch",
        "joined_party_on",
        "is_in_service",
        "registered_unit",
        "is_active",
    ]
    list_filter = ["community", "is_in_service", "is_active", "registered_unit"]
    search_fields = ["user__name", "user__username", "branch"]
    list_select_related = ["user", "community", "registered_unit"]
    autocomplete_fields = ["user"]

    def has_delete_permission(self, request, obj=None):
        # Ledger entries point at the profile; deactivate instead.
        return False


@admin.register(PointRule)
class PointRuleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "category",
        "points",
        "cap_per_period",
        "trigger",
        "is_active",
        "community",
    ]
    list_filter = ["community", "category", "trigger", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["community"]

    def has_delete_permission(self, request, obj=None):
        # Ledger entries name their rule; switch a rule off instead.
        return False


@admin.register(PointsScheme)
class PointsSchemeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "community",
        "initial_score",
        "period",
        "star2_from",
        "star3_from",
        "star4_from",
        "star5_from",
    ]
    list_select_related = ["community"]


# --- The ledger, manual awards, ratings -----------------------------------------------------


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdminMixin, _Export):
    resource_classes = [PointLedgerResource]
    list_display = [
        "awarded_at",
        "member",
        "rule",
        "points",
        "reason",
        "reverses",
        "approved_by",
        "community",
    ]
    list_filter = ["community", "rule__category", "rule"]
    search_fields = ["reason", "member__user__name", "member__user__username"]
    date_hierarchy = "awarded_at"
    list_select_related = ["member__user", "rule", "community", "approved_by", "reverses"]
    actions = ["reverse_selected"]

    def get_actions(self, request):
        # Not behind "delete"/"change" permissions: reversing adds entries.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_export_queryset(self, request):
        return (
            super()
            .get_export_queryset(request)
            .select_related("member__user", "rule", "community", "approved_by")
        )

    @with_reason(
        description=_("Reverse the selected entries (asks for a reason)"),
        title=_("Reverse ledger entries"),
        success=_("%(count)s entries reversed."),
        max_length=300,
    )
    def reverse_selected(self, entry, user, reason):
        services.entry_reverse(entry=entry, actor=user, reason=reason)


class PointAwardForm(forms.ModelForm):
    class Meta:
        model = PointAward
        fields = ["member", "rule", "points", "reason", "occurred_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "points" not in self.fields:
            return  # the change page: every field is read-only
        self.fields["points"].required = False
        self.fields["points"].help_text = _("Empty: the rule's points.")
        self.fields["rule"].queryset = self.fields["rule"].queryset.filter(
            trigger=PointRule.Trigger.MANUAL, is_active=True
        )


@admin.register(PointAward)
class PointAwardAdmin(
    WorkQueueAdminMixin, CreateThroughServiceMixin, ScopedAdminMixin, admin.ModelAdmin
):
    """Propose with the add form; a second staff member approves or rejects. Awards
    waiting for approval come first, the oldest at the top."""

    form = PointAwardForm
    queue_open_states = [PointAward.Status.PENDING]
    list_display = [
        "created_at",
        "member",
        "rule",
        "points",
        short_text_column(PointAward, "reason"),
        "status",
        "requested_by",
        "decided_by",
        "community",
    ]
    list_filter = ["status", "community", "rule"]
    search_fields = ["reason", "member__user__name"]
    list_select_related = ["member__user", "rule", "community", "requested_by", "decided_by"]
    actions = ["approve_selected", "reject_selected"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "member",
            "rule",
            "points",
            "reason",
            "occurred_on",
            "status",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "entry",
        ]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) or PointAwardForm.Meta.fields

    def has_delete_permission(self, request, obj=None):
        return False

    def create_through_service(self, request, obj, form):
        return services.award_propose(actor=request.user, **form.cleaned_data)

    def change_through_service(self, request, obj, form):
        pass  # every field is read-only once proposed

    @admin.action(description=_("Approve the selected awards (not your own)"))
    def approve_selected(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda award, user: services.award_approve(award=award, actor=user),
            success_message=gettext("%(count)s awards approved and entered in the ledger."),
        )

    @with_reason(
        description=_("Reject the selected awards (asks for a reason)"),
        title=_("Reject manual awards"),
        success=_("%(count)s awards rejected."),
        max_length=300,
    )
    def reject_selected(self, award, user, reason):
        services.award_reject(award=award, actor=user, note=reason)


@admin.register(StarRating)
class StarRatingAdmin(ReadOnlyAdminMixin, _Export):
    resource_classes = [StarListResource]
    list_display = ["period_label", "member", "score", "stars", "community", "updated_at"]
    list_filter = ["community", "period_label", "stars"]
    search_fields = ["member__user__name", "member__user__username"]
    list_select_related = ["member__user", "community"]

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("member__user", "community")
