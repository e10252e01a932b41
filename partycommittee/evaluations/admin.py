"""Staff side of the three-double evaluation: policies, rounds (open, close, compute,
publish), the community's own sheets, and a progress-and-results page per round with a
chart and an .xlsx export."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hive import periods
from hive.admin import ReadOnlyAdminMixin, ScopedAdminMixin, run_for_each
from hive.selectors import timeline_for
from partycommittee.evaluations import selectors, services
from partycommittee.evaluations.models import (
    DIMENSIONS,
    OWED_STATUSES,
    DutyReport,
    EvaluationPolicy,
    EvaluationRound,
    EvaluationSheet,
    PeriodKind,
    UnitResult,
)
from partycommittee.evaluations.resources import results_dataset
from partycommittee.evaluations.selectors import owed_in_open_round_q

Status = EvaluationRound.Status


@admin.register(EvaluationPolicy)
class EvaluationPolicyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "community",
        "is_enabled",
        "period_kind",
        "reminder_every_days",
        "peer_sample_size",
        "community_weight",
        "peer_weight",
    ]
    list_filter = ["is_enabled", "period_kind"]
    list_select_related = ["community"]
    fieldsets = [
        (None, {"fields": ["community", "is_enabled", "period_kind"]}),
        (
            _("Calendar"),
            {"fields": ["open_days_before_end", "days_after_end", "reminder_every_days"]},
        ),
        (_("Peer evaluation"), {"fields": ["peer_sample_size"]}),
        (
            _("Weights"),
            {
                "fields": [
                    "community_weight",
                    "peer_weight",
                    "communication_weight",
                    "service_weight",
                    "overall_weight",
                ]
            },
        ),
    ]


class RoundAdminForm(forms.ModelForm):
    """Staff name any day of the period; the period's bounds and, when left empty, the
    opening and deadline follow from the community's policy."""

    class Meta:
        model = EvaluationRound
        fields = [
            "community",
            "period_kind",
            "period_start",
            "opens_at",
            "deadline",
            "reminder_every_days",
            "peer_sample_size",
            *EvaluationRound.WEIGHT_FIELDS,
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "deadline"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = _("Empty: from the community's policy.")
        if "period_start" in self.fields:
            self.fields["period_start"].help_text = _("Any day of the period.")

    def clean(self):
        data = super().clean()
        community = data.get("community") or getattr(self.instance, "community", None)
        kind = data.get("period_kind") or self.instance.period_kind
        day = data.get("period_start")
        if community is not None and kind in PeriodKind.values and day:
            start, after = periods.bounds(kind, day)
            end = after - datetime.timedelta(days=1)  # the round's last day
            data["period_start"] = start
            self.instance.period_end = end
            policy = services.policy_for(community)
            opens_at, deadline = services.default_calendar(policy, start, end)
            if "opens_at" in self.fields and not data.get("opens_at"):
                data["opens_at"] = opens_at
            if "deadline" in self.fields and not data.get("deadline"):
                data["deadline"] = deadline
            if self.instance.pk is None:
                for name in ("reminder_every_days", "peer_sample_size", *policy.WEIGHT_FIELDS):
                    if name not in self.data and name in self.fields:
                        data[name] = getattr(policy, name)
        return data


def _round_action(service, description, success):
    def action(modeladmin, request, queryset):
        run_for_each(
            modeladmin,
            request,
            queryset,
            lambda evaluation_round, user: service(evaluation_round, user),
            success_message=success,
        )

    action.__name__ = service.__name__
    action.short_description = description
    return action


def open_now(evaluation_round, user):
    services.round_open_now(evaluation_round=evaluation_round, actor=user)


def close_now(evaluation_round, user):
    services.round_close_now(evaluation_round=evaluation_round, actor=user)


def compute_results(evaluation_round, user):
    services.round_recompute(evaluation_round=evaluation_round)


def publish_results(evaluation_round, user):
    services.round_publish(evaluation_round=evaluation_round, actor=user)


@admin.register(EvaluationRound)
class EvaluationRoundAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = RoundAdminForm
    list_display = [
        "__str__",
        "community",
        "period_kind",
        "status",
        "opens_at",
        "deadline",
        "results_computed_at",
        "progress_link",
    ]
    list_filter = ["community", "status", "period_kind"]
    list_select_related = ["community"]
    date_hierarchy = "period_start"
    actions = [
        _round_action(open_now, _("Open now"), _("%(count)s round(s) opened.")),
        _round_action(close_now, _("Close now"), _("%(count)s round(s) closed.")),
        _round_action(
            compute_results, _("Compute the results again"), _("%(count)s round(s) computed.")
        ),
        _round_action(
            publish_results, _("Publish the results"), _("%(count)s round(s) published.")
        ),
    ]
    fieldsets = [
        (None, {"fields": ["community", "period_kind", "period_start", "period_end", "status"]}),
        (_("Calendar"), {"fields": ["opens_at", "deadline", "reminder_every_days"]}),
        (_("Peer evaluation"), {"fields": ["peer_sample_size"]}),
        (
            _("Weights"),
            {
                "fields": [
                    "community_weight",
                    "peer_weight",
                    "communication_weight",
                    "service_weight",
                    "overall_weight",
                ]
            },
        ),
        (
            _("Progress"),
            {"fields": ["opened_at", "closed_at", "results_computed_at", "published_at"]},
        ),
    ]
    _always_readonly = [
        "period_end",
        "status",
        "opened_at",
        "closed_at",
        "results_computed_at",
        "published_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None or obj.status == Status.SCHEDULED:
            return self._always_readonly
        names = [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]
        # Once open, the sheets exist: only the deadline may still move (while open).
        editable = {"deadline", "reminder_every_days"} if obj.status == Status.OPEN else set()
        return [name for name in names if name not in editable]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != Status.SCHEDULED:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("progress and results"))
    def progress_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:partycommittee_evaluationround_progress", args=[obj.pk]),
            gettext("View"),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="partycommittee_evaluationround_progress",
            ),
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="partycommittee_evaluationround_export",
            ),
            *super().get_urls(),
        ]

    def _round_or_404(self, request, pk):
        evaluation_round = self.get_queryset(request).select_related("community").filter(pk=pk)
        evaluation_round = evaluation_round.first()
        if evaluation_round is None:
            raise Http404
        if not self.has_view_permission(request, evaluation_round):
            raise PermissionDenied
        return evaluation_round

    def progress_view(self, request, pk):
        evaluation_round = self._round_or_404(request, pk)
        handlers = {
            "open": open_now,
            "close": close_now,
            "compute": compute_results,
            "publish": publish_results,
        }
        action = request.POST.get("action") if request.method == "POST" else None
        if action in handlers:
            if not self.has_change_permission(request, evaluation_round):
                raise PermissionDenied
            try:
                handlers[action](evaluation_round, request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, gettext("Done."), messages.SUCCESS)
            return redirect("admin:partycommittee_evaluationround_progress", pk=evaluation_round.pk)
        progress = selectors.round_progress(evaluation_round)
        results = list(
            UnitResult.objects.filter(round=evaluation_round)
            .select_related("unit")
            .order_by(F("rank").asc(nulls_last=True), "unit__name")
        )
        chart = {
            "units": [r.unit.name for r in results],
            "community": [_number(r.community_score) for r in results],
            "peers": [_number(r.peer_score) for r in results],
            "score": [_number(r.score) for r in results],
            "labels": {
                "community": gettext("from the community"),
                "peers": gettext("from peers"),
                "score": gettext("weighted score"),
            },
        }
        community_result = getattr(evaluation_round, "community_result", None)
        context = {
            **self.admin_site.each_context(request),
            "title": str(evaluation_round),
            "opts": self.model._meta,
            "original": evaluation_round,
            "round": evaluation_round,
            "progress": progress,
            "missing": [row for row in progress if not row["complete"]],
            "community_sheets_owed": sum(
                1 for row in progress if row["community_sheet_status"] in OWED_STATUSES
            ),
            "results": results,
            "community_result": community_result,
            "distribution": selectors.score_distribution(evaluation_round),
            "chart": chart,
            "timeline": timeline_for(evaluation_round),
            "actions": EvaluationRound.workflow.actions_for(evaluation_round, request.user),
            "sheets_url": reverse("admin:partycommittee_evaluationsheet_changelist")
            + f"?round__id__exact={evaluation_round.pk}&kind__exact=community_to_unit",
        }
        return TemplateResponse(
            request, "admin/partycommittee/evaluationround/progress.html", context
        )

    def export_view(self, request, pk):
        evaluation_round = self._round_or_404(request, pk)
        results = UnitResult.objects.filter(round=evaluation_round).select_related(
            "round__community", "unit"
        )
        content = results_dataset(
            results.order_by(F("rank").asc(nulls_last=True), "unit__name")
        ).export("xlsx")
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = (
            f'attachment; filename="evaluation-results-{evaluation_round.pk}-{stamp}.xlsx"'
        )
        return response


def _number(value):
    return float(value) if value is not None else None


class CommunitySheetForm(forms.ModelForm):
    """Staff fill in the community's sheets here; the rules are the service's."""

    submit_now = forms.BooleanField(
        label=_("Submit now"),
        required=False,
        help_text=_("A submitted sheet cannot be changed. Leave unticked to save a draft."),
    )

    class Meta:
        model = EvaluationSheet
        fields = ["communication", "service", "overall", "comment"]

    def clean(self):
        data = super().clean()
        sheet = self.instance
        try:
            services.sheet_check(
                sheet=sheet,
                actor=self.request_user,
                scores={name: data.get(name) for name in DIMENSIONS},
                submit=data.get("submit_now", False),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    self.add_error(name if name in self.fields else None, errors)
            else:
                raise
        return data


class OwedFilter(admin.SimpleListFilter):
    """The sheets still owed in a round that is open now (the admin home's to-do)."""

    title = _("owed")
    parameter_name = "owed"

    def lookups(self, request, model_admin):
        return [("open_round", _("Still owed in an open round"))]

    def queryset(self, request, queryset):
        if self.value() == "open_round":
            return queryset.filter(owed_in_open_round_q())
        return queryset


@admin.register(EvaluationSheet)
class EvaluationSheetAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = CommunitySheetForm
    list_display = [
        "__str__",
        "round",
        "kind",
        "status",
        "communication",
        "service",
        "overall",
        "submitted_at",
    ]
    list_filter = ["round", "kind", "status", OwedFilter]
    list_select_related = ["round__community", "rater_unit", "ratee_unit"]
    search_fields = ["rater_unit__name", "ratee_unit__name"]
    actions = ["submit_selected"]

    def get_fields(self, request, obj=None):
        if self._fillable(request, obj):
            return ["round", "kind", "ratee_unit", "status", *DIMENSIONS, "comment", "submit_now"]
        return [
            "round",
            "kind",
            "rater_unit",
            "ratee_unit",
            "status",
            *DIMENSIONS,
            "comment",
            "submitted_at",
            "submitted_by",
        ]

    def get_readonly_fields(self, request, obj=None):
        if self._fillable(request, obj):
            return ["round", "kind", "ratee_unit", "status"]
        return self.get_fields(request, obj)

    @staticmethod
    def _fillable(request, obj) -> bool:
        return bool(
            obj is not None
            and obj.kind == EvaluationSheet.Kind.COMMUNITY_TO_UNIT
            and obj.is_editable
            and obj.round.status == Status.OPEN
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def has_add_permission(self, request):
        return False  # sheets are created when a round opens

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            services.sheet_save(
                sheet=EvaluationSheet.objects.get(pk=obj.pk),
                actor=request.user,
                comment=data.get("comment", ""),
                submit=data.get("submit_now", False),
                **{name: data.get(name) for name in DIMENSIONS},
            )
        except ValidationError as exc:
            # Lost a race with the close or another submit between the form check and now.
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    @admin.action(description=_("Submit the selected community sheets"))
    def submit_selected(self, request, queryset):
        def submit(sheet, user):
            services.sheet_save(
                sheet=sheet,
                actor=user,
                comment=sheet.comment,
                submit=True,
                **{name: getattr(sheet, name) for name in DIMENSIONS},
            )

        run_for_each(
            self,
            request,
            queryset.filter(kind=EvaluationSheet.Kind.COMMUNITY_TO_UNIT),
            submit,
            success_message=gettext("%(count)s sheets submitted."),
        )


@admin.register(DutyReport)
class DutyReportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "round", "status", "submitted_at", "submitted_by"]
    list_filter = ["round", "status"]
    list_select_related = ["unit", "round__community", "submitted_by"]
    search_fields = ["unit__name", "text"]
    fields = ["round", "unit", "status", "text", "submitted_at", "submitted_by"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UnitResult)
class UnitResultAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "unit",
        "round",
        "rank",
        "score",
        "community_score",
        "peer_score",
        "completion_rate",
        "change",
    ]
    list_filter = ["round"]
    list_select_related = ["unit", "round__community"]
    search_fields = ["unit__name"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
