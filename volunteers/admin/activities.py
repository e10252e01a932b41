"""Admin for teams and activities (attendance recorded on the activity's own page)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hive.admin import ReadOnlyAdminMixin, ScopedAdminMixin, with_reason
from hive.ui.forms import add_service_errors
from volunteers import services
from volunteers.models import Activity, SignUp, Team, TeamMembership


class TeamMembershipInline(ScopedAdminMixin, admin.TabularInline):
    model = TeamMembership
    fields = ["user", "joined_on"]
    extra = 0


@admin.register(Team)
class TeamAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "community", "leader", "member_count", "is_active"]
    list_filter = ["kind", "community", "is_active"]
    search_fields = ["name", "description"]
    list_select_related = ["community", "leader"]
    inlines = [TeamMembershipInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(n_members=Count("memberships"))

    @admin.display(description=_("members"), ordering="n_members")
    def member_count(self, team):
        return team.n_members


class SignUpInline(ReadOnlyAdminMixin, ScopedAdminMixin, admin.TabularInline):
    model = SignUp
    fields = ["user", "status", "created_at", "attended", "hours"]
    readonly_fields = fields
    extra = 0


class AttendanceForm(forms.Form):
    attendees = forms.MultipleChoiceField(
        label=_("Who came"), required=False, widget=forms.CheckboxSelectMultiple
    )
    hours = forms.DecimalField(
        label=_("Service hours each"),
        required=False,
        max_digits=5,
        decimal_places=2,
        help_text=_("Empty: the activity's length."),
    )

    def __init__(self, *args, signups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = [(s.user_id, str(s.user)) for s in signups]


@admin.register(Activity)
class ActivityAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "starts_at",
        "place",
        "team",
        "capacity",
        "status",
        "community",
        "attendance_link",
    ]
    list_filter = ["status", "kind", "community", "team"]
    search_fields = ["title", "place", "description"]
    date_hierarchy = "starts_at"
    list_select_related = ["community", "team"]
    filter_horizontal = ["units"]
    readonly_fields = ["status", "attendance_recorded_at"]
    inlines = [SignUpInline]
    actions = ["cancel_selected"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "units":
            from partycommittee.models import ResidentUnit

            kwargs["queryset"] = ResidentUnit.objects.managed_by(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        activity = form.instance
        if activity.units.exclude(community_id=activity.community_id).exists():
            activity.units.remove(*activity.units.exclude(community_id=activity.community_id))
            self.message_user(
                request,
                gettext("Units of another community were left out."),
                messages.WARNING,
            )

    @admin.display(description=_("attendance"))
    def attendance_link(self, activity):
        if activity.status != Activity.Status.OPEN:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:volunteers_activity_attendance", args=[activity.pk]),
            gettext("Record attendance"),
        )

    @with_reason(
        description=_("Cancel the selected activities (asks for a reason)"),
        title=_("Cancel activities"),
        success=_("%(count)s activities cancelled."),
        max_length=300,
    )
    def cancel_selected(self, activity, user, reason):
        services.activity_cancel(activity=activity, actor=user, note=reason)

    def get_urls(self):
        return [
            path(
                "<int:pk>/attendance/",
                self.admin_site.admin_view(self.attendance_view),
                name="volunteers_activity_attendance",
            ),
            *super().get_urls(),
        ]

    def attendance_view(self, request, pk):
        activity = self.get_queryset(request).filter(pk=pk).first()
        if activity is None:
            raise Http404
        if not self.has_change_permission(request, activity):
            raise PermissionDenied
        signups = list(SignUp.objects.active().filter(activity=activity).select_related("user"))
        form = AttendanceForm(request.POST if request.method == "POST" else None, signups=signups)
        if form.is_valid():
            try:
                services.activity_record_attendance(
                    activity=activity,
                    actor=request.user,
                    attendee_ids=form.cleaned_data["attendees"],
                    hours=form.cleaned_data["hours"],
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    add_service_errors(form, exc)
                else:
                    self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, gettext("Attendance recorded."), messages.SUCCESS)
                return redirect("admin:volunteers_activity_change", activity.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Record attendance: %(title)s") % {"title": activity.title},
            "opts": self.model._meta,
            "original": activity,
            "activity": activity,
            "form": form,
        }
        return TemplateResponse(request, "admin/volunteers/activity/attendance.html", context)
