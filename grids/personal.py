"""Who may see residents' full ID numbers and phones; every reveal goes through
hive.personal_data (which logs it)."""

from django.utils.translation import gettext as _

from hive.access.authorization import NotAuthorized, administers
from hive.personal_data import mask_id_number, mask_phone, personal_data_reveal

MASKS = {"id_number": mask_id_number, "phone": mask_phone, "contact_phone": mask_phone}


def _grid_of(obj):
    from grids.models import Household, KeyPlace, Resident

    if isinstance(obj, Resident):
        return obj.household.grid
    if isinstance(obj, Household | KeyPlace):
        return obj.grid
    return None


def revealable_fields(user, obj) -> list[str]:
    """Staff need full ID numbers and phones; a grid member needs the phones of their
    own grid's people (to call them), never the ID numbers."""
    from grids.services import works_in_grid

    fields = [name for name in MASKS if hasattr(obj, name) and getattr(obj, name)]
    if administers(user, obj.community_id):
        return fields
    grid = _grid_of(obj)
    if grid is not None and works_in_grid(user, grid):
        return [name for name in fields if name != "id_number"]
    return []


def reveal(*, viewer, obj, fields: list[str], purpose: str = "") -> dict[str, str]:
    """Full values of `fields`, logged; NotAuthorized for a field the role does not need.

    Authorization: checked here (revealable_fields).
    """
    allowed = revealable_fields(viewer, obj)
    refused = [name for name in fields if name not in allowed]
    if refused or not fields:
        raise NotAuthorized(_("Your role does not need these details."))
    return personal_data_reveal(viewer=viewer, obj=obj, fields=fields, purpose=purpose)


def masked(obj, field: str) -> str:
    return MASKS[field](getattr(obj, field))
