import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from hive.uploads import PhotosField, clean_image_upload


def _image_bytes(fmt="JPEG", size=(40, 30), exif=None, color="red"):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    options = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _gps_exif():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise
    gps = {1: "N", 2: (37.0, 51.0, 30.0), 3: "E", 4: (113.0, 34.0, 12.0)}
    exif[0x8825] = gps
    return exif


@pytest.mark.parametrize(("fmt", "ext"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_accepted_formats_are_recognised_by_content(fmt, ext):
    upload = SimpleUploadedFile("whatever.txt", _image_bytes(fmt), content_type="text/plain")
    cleaned = clean_image_upload(upload)
    assert cleaned.name.endswith(f".{ext}")
    assert Image.open(io.BytesIO(cleaned.read())).format == fmt


def test_a_text_file_named_like_a_photo_is_refused():
    upload = SimpleUploadedFile("photo.jpg", b"not really a picture", content_type="image/jpeg")
    with pytest.raises(ValidationError) as excinfo:
        clean_image_upload(upload)
    assert excinfo.value.code == "not_image"


def test_gif_is_refused_even_though_it_is_an_image():
    upload = SimpleUploadedFile("a.gif", _image_bytes("GIF"), content_type="image/gif")
    with pytest.raises(ValidationError) as excinfo:
        clean_image_upload(upload)
    assert excinfo.value.code == "bad_format"


def test_too_large_file_is_refused(settings):
    settings.HIVE_MAX_IMAGE_BYTES = 1000
    upload = SimpleUploadedFile("big.png", _image_bytes("PNG", size=(400, 400)) + b"x" * 2000)
    with pytest.raises(ValidationError) as excinfo:
        clean_image_upload(upload)
    assert excinfo.value.code == "too_large"


def test_exif_and_gps_are_stripped_and_orientation_applied():
    upload = SimpleUploadedFile("gps.jpg", _image_bytes("JPEG", size=(40, 30), exif=_gps_exif()))
    assert Image.open(io.BytesIO(upload.read())).getexif()  # the original carries EXIF
    upload.seek(0)
    cleaned = Image.open(io.BytesIO(clean_image_upload(upload).read()))
    assert dict(cleaned.getexif()) == {}
    assert cleaned.size == (30, 40)  # rotated as the camera said


def test_photos_field_limits_the_count_and_names_each_bad_file():
    field = PhotosField(max_count=2)
    photos = [SimpleUploadedFile(f"{i}.png", _image_bytes("PNG")) for i in range(3)]
    with pytest.raises(ValidationError):
        field.clean(photos)
    bad = [SimpleUploadedFile("ok.png", _image_bytes("PNG")), SimpleUploadedFile("x.jpg", b"nope")]
    with pytest.raises(ValidationError) as excinfo:
        field.clean(bad)
    assert any(message.startswith("x.jpg") for message in excinfo.value.messages)
    assert len(field.clean(bad[:1])) == 1
    assert field.clean([]) == []
