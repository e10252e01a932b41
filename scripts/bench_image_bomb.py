"""Time and peak memory of the photo upload rules (hive.uploads.PhotosField) on an image
bomb and on ordinary phone photos. Not a test: figures to compare before and after.

    .venv/bin/python scripts/bench_image_bomb.py

Scenarios (the files are made first, in this process, and written to a temporary folder):
- bomb:    six PNGs of 8000 × 5000 pixels (40 MP, ~120 KB each), in one form: the upload
           that held a worker 22 s at 460 MB;
- phone50: one 50-megapixel JPEG (8160 × 6120), a phone's full-resolution photo;
- phone12: six 12-megapixel JPEGs (4000 × 3000), an ordinary report.

Each scenario runs in a fresh Python process, which loads Django, reads the files, notes
its peak resident memory, cleans the files as the incident form does (PhotosField with six
photos at most), and prints the time taken and how far the peak rose; then whether the
photos were accepted or refused and why. Runs against whatever code is checked out.
"""

import contextlib
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _png_rgb(width: int, height: int) -> bytes:
    """A black RGB PNG, compressed row by row (never held decoded in memory)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" * (1 + width * 3)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def _jpeg(width: int, height: int) -> bytes:
    """A smooth photo-like JPEG (gradients and a little noise), small enough for the 8 MB
    limit on photo files."""
    import io

    from PIL import Image

    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    blue = Image.effect_noise((width // 8, height // 8), 24).resize((width, height))
    buffer = io.BytesIO()
    Image.merge("RGB", (red, green, blue)).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


SCENARIOS = {
    "bomb": lambda: [(f"bomb{i}.png", _png_rgb(8000, 5000)) for i in range(6)],
    "phone50": lambda: [("phone50.jpg", _jpeg(8160, 6120))],
    "phone12": lambda: [(f"phone12-{i}.jpg", _jpeg(4000, 3000)) for i in range(6)],
}


def _status_mb(key: str) -> float:
    """VmRSS (resident now) or VmHWM (peak resident) of this process, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Start the peak (VmHWM) afresh from the memory in use now: Django's start-up must
    not hide what the photos cost."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def child(folder: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hive.uploads import PhotosField

    uploads = [
        SimpleUploadedFile(path.name, path.read_bytes()) for path in sorted(Path(folder).iterdir())
    ]
    _reset_peak()
    before = _status_mb("VmRSS")
    start = time.perf_counter()
    try:
        cleaned = PhotosField(max_count=6).clean(uploads)
        stored = ", ".join(f"{len(photo.read()) // 1024} KB" for photo in cleaned)
        outcome = f"accepted, stored {stored}"
    except ValidationError as exc:
        outcome = "refused: " + " / ".join(exc.messages)
    seconds = time.perf_counter() - start
    peak = _status_mb("VmHWM")
    print(json.dumps({"seconds": seconds, "peak_rise_mb": peak - before, "outcome": outcome}))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for name, make in SCENARIOS.items():
        with tempfile.TemporaryDirectory() as folder:
            files = make()
            for filename, data in files:
                Path(folder, filename).write_bytes(data)
            size = len(files[0][1]) // 1024
            result = subprocess.run(  # noqa: S603 - fixed arguments
                [sys.executable, __file__, "--child", folder],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"{name:8} {len(files)} file(s) of {size} KB: {figures['seconds']:6.2f} s, "
                f"peak memory +{figures['peak_rise_mb']:4.0f} MB; {figures['outcome'][:160]}"
            )


if __name__ == "__main__":
    main()
