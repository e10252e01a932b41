import factory

from hive.models import Community, Street, User
from hive.roles import Role
from hive.services import role_assign

PASSWORD = "test-pass-4827"


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"街道{n}")
    code = factory.Sequence(lambda n: f"street-{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"社区{n}")
    code = factory.Sequence(lambda n: f"community-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")

    @classmethod
    def _create(cls, model_class, *args, password=PASSWORD, **kwargs):
        return model_class.objects.create_user(*args, password=password, **kwargs)


def user_with_role(role: str, *, community=None, street=None, **kwargs) -> User:
    user = UserFactory(**kwargs)
    if role == Role.STREET_ADMIN:
        role_assign(user=user, role=role, street=street or community.street)
    else:
        role_assign(user=user, role=role, community=community)
    user.refresh_from_db()
    return user
