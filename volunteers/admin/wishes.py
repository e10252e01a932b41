"""Admin for micro-wishes: the ledger export and one wish's follow-up page."""

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields
from import_export.admin import ExportMixin
from import_export.formats.base_formats import XLSX

from hive.admin import ReadOnlyAdminMixin, ScopedAdminMixin, run_for_each, with_reason
from hive.personal_data import mask_address, mask_name, mask_phone, personal_data_reveal
from hive.selectors import timeline_for
from hive.ui.admin_lists import WorkQueueAdminMixin, short_text_column
from hive.ui.resources import ScopedImportExportMixin, ScopedResource
from volunteers import services
from volunteers.forms import AssignForm, RejectForm, StaffConfirmForm
from volunteers.models import MicroWish, WishPhoto
from volunteers.selectors import wish_funnel


class WishLedgerResource(ScopedResource):
    """The wish ledger (台账) as a spreadsheet; contact details masked."""

    community = fields.Field(attribute="community__name", column_name=_("community"))
    category = fields.Field(column_name=_("category"))
    status = fields.Field(column_name=_("status"))
    resident = fields.Field(column_name=_("resident's name"))
    phone = fields.Field(column_name=_("resident's phone"))
    claimed_by = fields.Field(column_name=_("claimed by"))

    class Meta:
        model = MicroWish
        fields = [
            "tracking_code",
            "community",
            "category",
            "title",
            "status",
            "resident",
            "phone",
            "created_at",
            "published_at",
            "claimed_by",
            "claimed_at",
            "fulfilled_at",
            "confirmed_at",
            "rating",
        ]
        export_order = fields

    def dehydrate_category(self, wish):
        return wish.get_category_display()

    def dehydrate_status(self, wish):
        return wish.get_status_display()

    def dehydrate_resident(self, wish):
        return mask_name(wish.resident_name)

    def dehydrate_phone(self, wish):
        return mask_phone(wish.resident_phone)

    def dehydrate_claimed_by(self, wish):
        return str(wish.claimed_by) if wish.claimed_by_id else ""


class AgeFilter(admin.SimpleListFilter):
    title = _("age")
    parameter_name = "age"

    BANDS = {
        "1d": (None, 1),
        "3d": (1, 3),
        "7d": (3, 7),
        "older": (7, None),
    }

    def lookups(self, request, model_admin):
        return [
            ("1d", _("Under a day")),
            ("3d", _("1 to 3 days")),
            ("7d", _("3 to 7 days")),
            ("older", _("Over a week")),
        ]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value())
        if band is None:
            return queryset
        now = timezone.now()
        younger, older = band
        if younger is not None:
            queryset = queryset.filter(created_at__lte=now - timedelta(days=younger))
        if older is not None:
            queryset = queryset.filter(created_at__gt=now - timedelta(days=older))
        return queryset


class WishPhotoInline(ReadOnlyAdminMixin, ScopedAdminMixin, admin.TabularInline):
    model = WishPhoto
    extra = 0
    fields = ["image", "created_at"]
    readonly_fields = ["image", "created_at"]

    def get_queryset(self, request):
        # Photos follow their wish's scope (the wish page itself is already scoped).
        return admin.TabularInline.get_queryset(self, request)


@admin.register(MicroWish)
class MicroWishAdmin(
    WorkQueueAdminMixin, ScopedImportExportMixin, ScopedAdminMixin, ExportMixin, admin.ModelAdmin
):
    change_list_template = "admin/volunteers/microwish/change_list.html"
    resource_classes = [WishLedgerResource]
    export_formats = [XLSX]
    # A wish has no deadline: open ones first, the longest waiting at the top. A fulfilled
    # one still waits for the resident's (or staff's) confirmation.
    queue_final_states = [
        MicroWish.Status.CONFIRMED,
        MicroWish.Status.REJECTED,
        MicroWish.Status.WITHDRAWN,
    ]
    list_display = [
        "tracking_code",
        short_text_column(MicroWish, "title", length=20),
        "category",
        "community",
        "status",
        "created_at",
        "claimed_by",
        "stale_flagged_at",
    ]
    list_filter = ["status", "category", "community", AgeFilter]
    list_select_related = ["community", "claimed_by"]
    search_fields = ["tracking_code", "title", "description"]
    date_hierarchy = "created_at"
    actions = ["publish_selected", "reject_selected"]
    inlines = [WishPhotoInline]
    fieldsets = [
        (None, {"fields": ["community", "tracking_code", "status", "workflow_link"]}),
        (_("Wish"), {"fields": ["category", "title", "description"]}),
        (_("Resident (masked)"), {"fields": ["masked_name", "masked_phone", "masked_address"]}),
        (
            _("Follow-up"),
            {
                "fields": [
                    "published_at",
                    "rejection_reason",
                    "claimed_by",
                    "claimed_at",
                    "assigned_by",
                    "fulfilment_note",
                    "fulfilled_at",
                    "rating",
                    "confirmation_note",
                    "confirmed_at",
                    "confirmed_by_staff",
                    "stale_flagged_at",
                    "claim_reminded_at",
                    "consent_at",
                    "created_at",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Staff may tidy the wording (e.g. remove a phone number from the text before it
        # goes on the wall); everything else changes through the workflow.
        editable = {"category", "title", "description"}
        names = [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]
        return [name for name in names if name not in editable]

    def has_add_permission(self, request):
        # Wishes come from residents through the public form.
        return False

    @admin.display(description=_("resident's name"))
    def masked_name(self, wish):
        return mask_name(wish.resident_name)

    @admin.display(description=_("resident's phone"))
    def masked_phone(self, wish):
        return mask_phone(wish.resident_phone)

    @admin.display(description=_("address or grid"))
    def masked_address(self, wish):
        return mask_address(wish.address)

    @admin.display(description=_("follow up"))
    def workflow_link(self, wish):
        from django.utils.html import format_html

        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:volunteers_microwish_workflow", args=[wish.pk]),
            gettext("Publish, reject, assign, confirm, or see the contact"),
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "funnel": wish_funnel(self.get_queryset(request)),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/workflow/",
                self.admin_site.admin_view(self.workflow_view),
                name="volunteers_microwish_workflow",
            ),
            *super().get_urls(),
        ]

    # --- actions ----------------------------------------------------------------------

    @admin.action(description=_("Publish the selected wishes on the wall"))
    def publish_selected(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda wish, user: services.wish_publish(wish=wish, actor=user),
            success_message=gettext("%(count)s wishes published."),
        )

    @with_reason(
        description=_("Reject the selected wishes (asks for a reason)"),
        title=_("Reject micro-wishes"),
        success=_("%(count)s wishes rejected."),
        intro=_(
            "These wishes will be rejected; the resident reads the reason on the tracking page."
        ),
        button=_("Reject"),
        label=_("Reason shown to the resident"),
    )
    def reject_selected(self, wish, user, reason):
        services.wish_reject(wish=wish, actor=user, reason=reason)

    # --- one wish's follow-up page ----------------------------------------------------

    def workflow_view(self, request, pk):
        wish = self.get_queryset(request).select_related("community", "claimed_by").filter(pk=pk)
        wish = wish.first()
        if wish is None:
            raise Http404
        if not self.has_change_permission(request, wish):
            raise PermissionDenied
        action = request.POST.get("action") if request.method == "POST" else None
        reject_form = RejectForm(request.POST if action == "reject" else None)
        assign_form = AssignForm(
            request.POST if action == "assign" else None, community_id=wish.community_id
        )
        confirm_form = StaffConfirmForm(request.POST if action == "confirm" else None)
        contact = None

        def publish():
            services.wish_publish(wish=wish, actor=request.user)
            return True

        def reject():
            if not reject_form.is_valid():
                return False
            reason = reject_form.cleaned_data["reason"]
            services.wish_reject(wish=wish, actor=request.user, reason=reason)
            return True

        def assign():
            if not assign_form.is_valid():
                return False
            data = assign_form.cleaned_data
            if data["unit"] is not None:
                services.wish_assign_unit(
                    wish=wish, unit=data["unit"], actor=request.user, note=data["note"]
                )
            else:
                services.wish_assign(
                    wish=wish, member=data["member"], actor=request.user, note=data["note"]
                )
            return True

        def confirm():
            if not confirm_form.is_valid():
                return False
            data = confirm_form.cleaned_data
            services.wish_confirm(
                wish=wish, rating=data["rating"], note=data["note"], actor=request.user
            )
            return True

        handlers = {"publish": publish, "reject": reject, "assign": assign, "confirm": confirm}
        if action == "reveal":
            contact = personal_data_reveal(
                viewer=request.user,
                obj=wish,
                fields=["resident_name", "resident_phone", "address"],
                purpose=gettext("Follow up a micro-wish"),
            )
        elif action in handlers:
            try:
                done = handlers[action]()
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                if done:
                    self.message_user(request, gettext("Done."), messages.SUCCESS)
                    return redirect("admin:volunteers_microwish_workflow", pk=wish.pk)
        wish.refresh_from_db()
        context = {
            **self.admin_site.each_context(request),
            "title": str(wish),
            "opts": self.model._meta,
            "original": wish,
            "wish": wish,
            "contact": contact,
            "masked": {
                "name": mask_name(wish.resident_name),
                "phone": mask_phone(wish.resident_phone),
                "address": mask_address(wish.address),
            },
            "timeline": timeline_for(wish),
            "reject_form": reject_form,
            "assign_form": assign_form,
            "confirm_form": confirm_form,
            "actions": MicroWish.workflow.actions_for(wish, request.user),
        }
        return TemplateResponse(request, "admin/volunteers/microwish/workflow.html", context)
