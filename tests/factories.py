import factory
from django.conf import settings
from django.utils import translation
from django.utils.html import escape

from hive.access.roles import Role
from hive.models import Community, Street, User
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


def png_bomb(width: int, height: int) -> bytes:
    """A valid black PNG of `width` × `height` pixels in a few kilobytes (1-bit grey, every
    row the same): the shape of an image bomb, cheap to make in a test."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the packed bits
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def otp_code(user) -> str:
    """The current TOTP code of the user's authenticator (a confirmed device, made if
    missing), as a staff member would type it."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test device", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def api_token_key(user, *, name: str = "") -> str:
    """The key of a new API token of `user`, as the token endpoint gives it (with the
    second factor, for staff, as if they had typed the code)."""
    from hive.services import api_token_issue

    _token, key = api_token_issue(user=user, second_factor=True, name=name)
    return key


def refused_with(response, field: str, message: str) -> None:
    """A door refused a write with `message` (its msgid, translated as the response was):
    the API with a 400 naming `field`, a page (admin, portal) by showing its form again
    with the message."""
    with translation.override(response.get("Content-Language", settings.LANGUAGE_CODE)):
        shown = translation.gettext(message)
    if response.get("Content-Type", "").startswith("application/json"):
        assert response.status_code == 400, response.content
        assert any(shown in error for error in response.json()[field]), response.json()
    else:
        assert response.status_code == 200, response.status_code
        assert escape(shown) in response.content.decode(), shown
