import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grids.models import Building, Grid, GridTask, Household, KeyPlace, Resident
from grids.validators import id_number_check_char


def id_number(region="140303", birth="19800101", serial="123") -> str:
    first17 = f"{region}{birth}{serial}"
    return first17 + id_number_check_char(first17)


def photo(name="p.jpg", fmt="JPEG", size=(30, 20)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    code = factory.Sequence(lambda n: f"G{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}网格")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    grid = factory.SubFactory(GridFactory)
    community = factory.SelfAttribute("grid.community")
    name = factory.Sequence(lambda n: f"{n}号楼")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    community = factory.SelfAttribute("grid.community")
    number = factory.Sequence(lambda n: f"H{n:05d}")
    head_name = factory.Sequence(lambda n: f"户主{n}")
    address = "虎尾沟1号楼1单元101"


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    community = factory.SelfAttribute("household.community")
    name = factory.Sequence(lambda n: f"居民{n}")
    gender = Resident.Gender.FEMALE
    relation = Resident.Relation.HEAD


class KeyPlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyPlace

    community = factory.SelfAttribute("grid.community")
    kind = KeyPlace.Kind.SHOP
    name = factory.Sequence(lambda n: f"商铺{n}")
    address = "虎尾沟路8号"


class GridTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GridTask

    community = factory.SelfAttribute("grid.community")
    title = factory.Sequence(lambda n: f"任务{n}")
    deadline = factory.Faker("future_date")
