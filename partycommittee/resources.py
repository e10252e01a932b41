from django.utils.translation import gettext_lazy as _
from import_export import fields, widgets

from hive.personal_data import mask_phone
from hive.ui.resources import CommunityResource, WholeNumberWidget
from partycommittee.models import (
    DemandItem,
    JointMeeting,
    Project,
    ResidentUnit,
    ResourceItem,
    Responsibility,
)


def _field(attribute, label, **kwargs):
    # Empty cells arrive as None; text columns store them as "".
    kwargs.setdefault("widget", widgets.CharWidget(allow_blank=True))
    return fields.Field(attribute=attribute, column_name=label, **kwargs)


class ResidentUnitResource(CommunityResource):
    name = _field("name", _("name"))
    kind = _field("kind", _("kind"))
    address = _field("address", _("address"))
    contact_name = _field("contact_name", _("contact person"))
    contact_phone = _field("contact_phone", _("contact phone"))

    def dehydrate_contact_phone(self, unit):
        # Exports carry the phone masked; the full number is only on the logged form.
        return mask_phone(unit.contact_phone)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        # A masked number coming back from an exported sheet keeps the stored one.
        if field.attribute == "contact_phone" and "*" in str(row.get(field.column_name) or ""):
            return
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    party_org_name = _field("party_org_name", _("party organisation"))
    party_org_head = _field("party_org_head", _("party organisation head"))
    party_member_count = _field(
        "party_member_count", _("number of party members"), widget=WholeNumberWidget()
    )
    joined_on = _field("joined_on", _("joined on"), widget=widgets.DateWidget("%Y-%m-%d"))
    is_active = _field("is_active", _("active"), widget=widgets.BooleanWidget())

    class Meta:
        model = ResidentUnit
        import_id_fields = ["community", "name"]
        fields = [
            "community",
            "name",
            "kind",
            "address",
            "contact_name",
            "contact_phone",
            "party_org_name",
            "party_org_head",
            "party_member_count",
            "joined_on",
            "is_active",
        ]
        clean_model_instances = True
        skip_unchanged = True


class DemandItemResource(CommunityResource):
    title = _field("title", _("title"))
    description = _field("description", _("description"))
    source = _field("source", _("source"))
    category = _field("category", _("category"))
    priority = _field("priority", _("priority"), widget=WholeNumberWidget())
    raised_by = _field("raised_by", _("raised by"))

    class Meta:
        model = DemandItem
        import_id_fields = ["community", "title"]
        fields = [
            "community",
            "title",
            "description",
            "source",
            "category",
            "priority",
            "raised_by",
        ]
        clean_model_instances = True
        skip_unchanged = True


class ResourceItemResource(CommunityResource):
    unit = _field("unit", _("unit"), widget=widgets.ForeignKeyWidget(ResidentUnit, "name"))
    kind = _field("kind", _("kind"))
    title = _field("title", _("title"))
    description = _field("description", _("description"))
    capacity = _field("capacity", _("capacity"))
    availability = _field("availability", _("availability"))
    is_available = _field("is_available", _("available"), widget=widgets.BooleanWidget())

    class Meta:
        model = ResourceItem
        import_id_fields = ["community", "unit", "title"]
        fields = [
            "community",
            "unit",
            "kind",
            "title",
            "description",
            "capacity",
            "availability",
            "is_available",
        ]
        clean_model_instances = True
        skip_unchanged = True


class ProjectResource(CommunityResource):
    title = _field("title", _("title"))
    status = _field("get_status_display", _("status"), readonly=True)
    created_at = _field("created_at", _("created at"), readonly=True)

    class Meta:
        model = Project
        fields = ["community", "title", "status", "created_at"]


class ResponsibilityResource(CommunityResource):
    unit = _field("unit", _("unit"), widget=widgets.ForeignKeyWidget(ResidentUnit, "name"))
    task = _field("task", _("task"))
    deadline = _field("deadline", _("deadline"), widget=widgets.DateWidget("%Y-%m-%d"))
    status = _field("get_status_display", _("status"), readonly=True)

    class Meta:
        model = Responsibility
        fields = ["community", "unit", "task", "deadline", "status"]


class JointMeetingResource(CommunityResource):
    title = _field("title", _("title"))
    held_at = _field("held_at", _("held at"), widget=widgets.DateTimeWidget("%Y-%m-%d %H:%M"))
    place = _field("place", _("place"))

    class Meta:
        model = JointMeeting
        fields = ["community", "title", "held_at", "place"]
