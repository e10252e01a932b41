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


# --- Image bombs: pixels bounded before anything is decoded ------------------------------


def _refuse_decoding(monkeypatch):
    """Any decode after this fails the test: refusals must come from the header alone."""
    from hive import uploads

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded an image that should have been refused first")

    monkeypatch.setattr(uploads, "_reencode", no_decoding)


def test_a_png_declaring_more_pixels_than_allowed_is_refused_from_its_header(monkeypatch):
    from tests.factories import png_bomb

    _refuse_decoding(monkeypatch)
    # 35 megapixels in 4 KB: under the old 40-MP limit, over the 24 MP a PNG may have.
    upload = SimpleUploadedFile("bomb.png", png_bomb(7000, 5000), content_type="image/png")
    with pytest.raises(ValidationError) as excinfo:
        clean_image_upload(upload)
    assert excinfo.value.code == "too_many_pixels"
    assert "24" in excinfo.value.messages[0]


def test_a_png_beyond_pillows_own_guard_is_a_refusal_not_an_error(monkeypatch):
    from tests.factories import png_bomb

    _refuse_decoding(monkeypatch)
    upload = SimpleUploadedFile("huge.png", png_bomb(20000, 20000))  # 400 MP
    with pytest.raises(ValidationError) as excinfo:
        clean_image_upload(upload)
    assert excinfo.value.code == "too_many_pixels"


def test_pillows_guard_is_the_largest_photo_the_rules_accept():
    from hive.uploads import largest_accepted_pixels

    assert Image.MAX_IMAGE_PIXELS == largest_accepted_pixels() == 64_000_000


def test_a_big_jpeg_is_accepted_and_stored_downscaled_but_a_png_as_big_is_not(settings):
    # The defaults scaled down: a PNG may have 0.5 MP, a JPEG (decoded reduced) 2 MP.
    settings.HIVE_MAX_IMAGE_PIXELS = 500_000
    settings.HIVE_MAX_JPEG_PIXELS = 2_000_000
    settings.HIVE_IMAGE_MAX_EDGE = 200
    jpeg = SimpleUploadedFile("phone.jpg", _image_bytes("JPEG", size=(1600, 1200)))
    stored = Image.open(io.BytesIO(clean_image_upload(jpeg).read()))
    assert stored.format == "JPEG" and max(stored.size) == 200
    assert stored.size == (200, 150)
    png = SimpleUploadedFile("screen.png", _image_bytes("PNG", size=(1600, 1200)))
    with pytest.raises(ValidationError) as excinfo:
        clean_image_upload(png)
    assert excinfo.value.code == "too_many_pixels"
    too_big = SimpleUploadedFile("sensor.jpg", _image_bytes("JPEG", size=(1700, 1200)))
    with pytest.raises(ValidationError):
        clean_image_upload(too_big)


def test_a_jpeg_is_decoded_reduced(settings, monkeypatch):
    """draft(): the decoder itself works at 1/2, 1/4 or 1/8 of the size."""
    from PIL import ImageFile

    settings.HIVE_IMAGE_MAX_EDGE = 100
    upload = SimpleUploadedFile("a.jpg", _image_bytes("JPEG", size=(1600, 1200)))
    decoded_sizes = []
    original_load = ImageFile.ImageFile.load

    def spy(image):
        decoded_sizes.append(image.size)
        return original_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    clean_image_upload(upload)
    # 1600 // 100 = 16: the decoder's smallest scale, 1/8, gives 200 × 150.
    assert decoded_sizes[0] == (200, 150)
    assert max(max(size) for size in decoded_sizes) == 200


def test_a_panorama_is_decoded_reduced_too(settings, monkeypatch):
    """draft() picks its scale from the smaller ratio: asked for (edge, edge), a 4:1
    panorama was decoded at full size. Asked in its own proportions it is reduced."""
    from PIL import ImageFile

    settings.HIVE_IMAGE_MAX_EDGE = 100
    upload = SimpleUploadedFile("pano.jpg", _image_bytes("JPEG", size=(1600, 400)))
    decoded_sizes = []
    original_load = ImageFile.ImageFile.load

    def spy(image):
        decoded_sizes.append(image.size)
        return original_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    stored = Image.open(io.BytesIO(clean_image_upload(upload).read()))
    assert decoded_sizes[0] == (200, 50)  # 1/8, not 1600 × 400
    assert stored.size == (100, 25)


def test_photos_of_one_form_are_bounded_together_before_any_is_decoded(settings, monkeypatch):
    settings.HIVE_MAX_UPLOAD_PIXELS = 3000
    _refuse_decoding(monkeypatch)
    photos = [SimpleUploadedFile(f"{i}.png", _image_bytes("PNG", size=(40, 30))) for i in range(3)]
    with pytest.raises(ValidationError) as excinfo:
        PhotosField(max_count=6).clean(photos)
    assert [error.code for error in excinfo.value.error_list] == ["too_many_pixels_together"]


def test_six_bombs_are_refused_each_by_name(monkeypatch):
    from tests.factories import png_bomb

    _refuse_decoding(monkeypatch)
    bombs = [SimpleUploadedFile(f"b{i}.png", png_bomb(8000, 5000)) for i in range(6)]
    with pytest.raises(ValidationError) as excinfo:
        PhotosField(max_count=6).clean(bombs)
    assert [message.split(":")[0] for message in excinfo.value.messages] == [
        f"b{i}.png" for i in range(6)
    ]


def test_a_truncated_photo_is_a_refusal_not_a_server_error():
    data = _image_bytes("PNG", size=(400, 300), color=None)
    upload = SimpleUploadedFile("cut.png", data[: len(data) // 2])
    with pytest.raises(ValidationError) as excinfo:
        clean_image_upload(upload)
    assert excinfo.value.code == "not_image"
