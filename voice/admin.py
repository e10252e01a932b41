"""Admin of the suggestion box and demand solicitation, and the links into the demand
list shown on the demand's own page."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Imported for their registrations: the demand's and the wish's admins are extended below.
import grids.admin  # noqa: F401
import partycommittee.admin  # noqa: F401
import volunteers.admin  # noqa: F401
from grids.models import ResidentReport
from hive.admin import (
    CreateThroughServiceMixin,
    PersonalDataAdminMixin,
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    ask_first,
    run_for_each,
    with_reason,
)
from partycommittee.models import DemandItem
from voice import services
from voice.forms import AnswerForm, DemandCategoryForm, MergeForm, WishToDemandForm
from voice.models import ReportDemand, Solicitation, Submission, Suggestion, WishDemand
from volunteers.models import MicroWish


@admin.register(Suggestion)
class SuggestionAdmin(PersonalDataAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "tracking_code",
        "short_text",
        "topic",
        "community",
        "status",
        "answer_public",
        "masked_resident_phone",
        "created_at",
    ]
    list_filter = ["status", "answer_public", "topic", "community"]
    list_select_related = ["community"]
    search_fields = ["tracking_code", "text", "answer"]
    date_hierarchy = "created_at"
    actions = ["answer_selected"]
    fields = [
        "community",
        "tracking_code",
        "topic",
        "text",
        "resident_name",
        "resident_phone",
        "consent_at",
        "status",
        "answer",
        "answer_public",
        "answered_at",
        "answered_by",
        "created_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        # Staff may tidy the wording and the contact; the answer goes through the action.
        editable = {"topic", "text", "resident_name", "resident_phone"}
        return [name for name in self.fields if name not in editable]

    def has_add_permission(self, request):
        # Suggestions come from residents through the public form.
        return False

    @admin.display(description=_("suggestion"))
    def short_text(self, suggestion):
        return suggestion.text[:40]

    @admin.action(description=_("Answer the selected suggestions"))
    def answer_selected(self, request, queryset):
        form = AnswerForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            text, public = form.cleaned_data["text"], form.cleaned_data["public"]
            run_for_each(
                self,
                request,
                queryset,
                lambda suggestion, user: services.suggestion_answer(
                    suggestion=suggestion, actor=user, text=text, public=public
                ),
                success_message=gettext("%(count)s suggestions answered."),
            )
            return None
        return ask_first(
            self,
            request,
            queryset,
            form=form,
            title=_("Answer suggestions"),
            intro=_(
                "The same answer goes to each selected suggestion. A public answer is "
                "listed on the community's page with the suggestion, without name or phone."
            ),
            button=_("Answer"),
            action_name="answer_selected",
        )


class SubmissionInline(ReadOnlyAdminMixin, ScopedAdminMixin, admin.TabularInline):
    model = Submission
    extra = 0
    fields = ["tracking_code", "source", "unit", "text", "status", "demand", "created_at"]
    readonly_fields = ["tracking_code", "source", "unit", "text", "status", "demand", "created_at"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit", "demand")


@admin.register(Solicitation)
class SolicitationAdmin(CreateThroughServiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["topic", "community", "opens_at", "closes_at", "public_link"]
    list_filter = ["community"]
    list_select_related = ["community"]
    search_fields = ["topic", "description"]
    fields = ["community", "topic", "description", "opens_at", "closes_at"]
    inlines = [SubmissionInline]

    def create_through_service(self, request, obj, form):
        data = form.cleaned_data
        return services.solicitation_open(
            community=data["community"],
            topic=data["topic"],
            description=data["description"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            actor=request.user,
        )

    @admin.display(description=_("public form"))
    def public_link(self, solicitation):
        url = reverse("voice:submission_new", args=[solicitation.community.code, solicitation.pk])
        return format_html('<a href="{}">{}</a>', url, url)


@admin.register(Submission)
class SubmissionAdmin(PersonalDataAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "tracking_code",
        "short_text",
        "solicitation",
        "source",
        "unit",
        "status",
        "demand",
        "created_at",
    ]
    list_filter = ["status", "source", "community", "solicitation"]
    list_select_related = ["community", "solicitation", "unit", "demand"]
    search_fields = ["tracking_code", "text"]
    actions = ["merge_selected", "decline_selected"]
    fields = [
        "community",
        "solicitation",
        "tracking_code",
        "source",
        "unit",
        "submitted_by",
        "text",
        "resident_name",
        "resident_phone",
        "consent_at",
        "status",
        "demand_link",
        "decline_reason",
        "created_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        editable = {"text", "resident_name", "resident_phone"}
        return [name for name in self.fields if name not in editable]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("demand"))
    def short_text(self, submission):
        return submission.text[:40]

    @admin.display(description=_("on the demand list as"))
    def demand_link(self, submission):
        if not submission.demand_id:
            return "-"
        url = reverse("admin:partycommittee_demanditem_change", args=[submission.demand_id])
        return format_html('<a href="{}">{}</a>', url, submission.demand)

    @admin.action(description=_("Merge the selected submissions into one demand"))
    def merge_selected(self, request, queryset):
        form = MergeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                demand = services.submissions_merge(
                    submissions=list(queryset), actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
                return None
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return None
            self.message_user(
                request,
                gettext("%(count)s submissions are now the demand “%(title)s”.")
                % {"count": queryset.count(), "title": demand.title},
            )
            return None
        return ask_first(
            self,
            request,
            queryset,
            form=form,
            title=_("Merge submissions into one demand"),
            intro=_(
                "One demand is added to the demand list and each selected submission is "
                "linked to it. Phone and ID numbers in the texts are masked."
            ),
            button=_("Add to the demand list"),
            action_name="merge_selected",
        )

    @with_reason(
        description=_("Decline the selected submissions (asks for a reason)"),
        title=_("Decline submissions"),
        success=_("%(count)s submissions declined."),
        intro=_("The sender reads the reason on the tracking page."),
        button=_("Decline"),
    )
    def decline_selected(self, submission, user, reason):
        services.submission_decline(submission=submission, actor=user, reason=reason)


@admin.register(WishDemand)
class WishDemandAdmin(CreateThroughServiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Turn a micro-wish into a demand in one step: pick the wish and a category."""

    list_display = ["wish", "demand", "created_by", "created_at"]
    list_select_related = ["wish", "demand", "created_by"]
    search_fields = ["wish__tracking_code", "wish__title", "demand__title"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        # The wishes this user manages that are not in the demand list yet.
        wishes = MicroWish.objects.managed_by(request.user).filter(demand_link__isnull=True)

        class ScopedForm(WishToDemandForm):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.fields["wish"].queryset = wishes

        return ScopedForm

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["wish", "category", "priority"]
        return ["wish", "demand", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["wish", "demand", "created_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def create_through_service(self, request, obj, form):
        data = form.cleaned_data
        return services.wish_to_demand(
            wish=data["wish"],
            actor=request.user,
            category=data["category"],
            priority=data["priority"],
        )

    def get_changeform_initial_data(self, request):
        return {"wish": request.GET.get("wish")}


# --- On the demand's own page: where it came from -----------------------------------------


class DemandSubmissionInline(ReadOnlyAdminMixin, ScopedAdminMixin, admin.TabularInline):
    model = Submission
    fk_name = "demand"
    extra = 0
    fields = ["tracking_code", "solicitation", "source", "unit", "text", "created_at"]
    readonly_fields = ["tracking_code", "solicitation", "source", "unit", "text", "created_at"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("solicitation", "unit")

    verbose_name = _("demand submission merged into this demand")
    verbose_name_plural = _("demand submissions merged into this demand")


class DemandWishInline(ReadOnlyAdminMixin, ScopedAdminMixin, admin.TabularInline):
    model = WishDemand
    fk_name = "demand"
    extra = 0
    fields = ["wish", "created_by", "created_at"]
    readonly_fields = ["wish", "created_by", "created_at"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("wish", "created_by")


@admin.action(description=_("Turn the selected micro-wishes into demands (asks for a category)"))
def wishes_to_demands(modeladmin, request, queryset):
    """On the micro-wish list (volunteers' admin): each selected wish becomes a demand of
    the demand list, linked to it (voice.services.wish_to_demand)."""
    form = DemandCategoryForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        run_for_each(
            modeladmin,
            request,
            queryset,
            lambda wish, user: services.wish_to_demand(wish=wish, actor=user, **form.cleaned_data),
            success_message=gettext("%(count)s micro-wishes added to the demand list."),
        )
        return None
    return ask_first(
        modeladmin,
        request,
        queryset,
        form=form,
        title=_("Turn micro-wishes into demands"),
        intro=_(
            "Each selected wish becomes a demand of the demand list, linked to it, with the "
            "wish's wording and without the resident's contact. The wish itself goes on."
        ),
        button=_("Add to the demand list"),
        action_name="wishes_to_demands",
    )


class DemandReportInline(ReadOnlyAdminMixin, ScopedAdminMixin, admin.TabularInline):
    model = ReportDemand
    fk_name = "demand"
    extra = 0
    fields = ["report", "created_by", "created_at"]
    readonly_fields = ["report", "created_by", "created_at"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report", "created_by")


@admin.register(ReportDemand)
class ReportDemandAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Residents' reports turned into demands (from the action on the reports' list)."""

    list_display = ["report", "demand", "created_by", "created_at"]
    list_select_related = ["report", "demand", "created_by"]
    search_fields = ["report__tracking_code", "demand__title"]


@admin.action(description=_("Turn the selected reports into demands (asks for a category)"))
def reports_to_demands(modeladmin, request, queryset):
    """On the residents' reports list (grids' admin): each selected report becomes a
    demand of the demand list, linked to it (voice.services.report_to_demand)."""
    form = DemandCategoryForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        run_for_each(
            modeladmin,
            request,
            queryset,
            lambda report, user: services.report_to_demand(
                report=report, actor=user, **form.cleaned_data
            ),
            success_message=gettext("%(count)s reports added to the demand list."),
        )
        return None
    return ask_first(
        modeladmin,
        request,
        queryset,
        form=form,
        title=_("Turn residents' reports into demands"),
        intro=_(
            "Each selected report becomes a demand of the demand list, linked to it, with the "
            "report's wording and without the resident's contact. The incident goes on."
        ),
        button=_("Add to the demand list"),
        action_name="reports_to_demands",
    )


def _extend_report_admin() -> None:
    """Offer the action on the residents' reports list without grids knowing about voice."""
    report_admin = admin.site._registry.get(ResidentReport)
    if report_admin is None or reports_to_demands in (report_admin.actions or ()):
        return
    setattr(report_admin, "actions", [*(report_admin.actions or ()), reports_to_demands])  # noqa: B010


def _extend_wish_admin() -> None:
    """Offer the action on the micro-wish list without volunteers knowing about voice."""
    wish_admin = admin.site._registry.get(MicroWish)
    if wish_admin is None or wishes_to_demands in (wish_admin.actions or ()):
        return
    setattr(wish_admin, "actions", [*(wish_admin.actions or ()), wishes_to_demands])  # noqa: B010


def _extend_demand_admin() -> None:
    """Add the two inlines to the demand's admin, registered by partycommittee, without
    partycommittee knowing about voice (it must not import it)."""
    demand_admin = admin.site._registry.get(DemandItem)
    if demand_admin is None:
        return
    extra = [DemandSubmissionInline, DemandWishInline, DemandReportInline]
    inlines = [*[inline for inline in demand_admin.inlines if inline not in extra], *extra]
    # On this one registered instance only (Django reads `self.inlines`).
    setattr(demand_admin, "inlines", inlines)  # noqa: B010


_extend_demand_admin()
_extend_wish_admin()
_extend_report_admin()
