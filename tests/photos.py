"""Images built in the tests with Pillow: a phone photo with GPS EXIF and an orientation tag."""
from __future__ import annotations

import io

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(size: tuple[int, int] = (64, 32), orientation: int = 6) -> bytes:
    """A JPEG whose EXIF carries a GPS position and 'rotate 90° clockwise' (orientation 6)."""
    img = Image.new("RGB", size, (200, 30, 30))
    img.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue: orientation is visible
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png(size: tuple[int, int] = (40, 30), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 10, 255) if mode == "RGBA" else (10, 120, 10)).save(out, "PNG")
    return out.getvalue()


def webp(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 10, 120)).save(out, "WEBP")
    return out.getvalue()


def gif(size: tuple[int, int] = (10, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("P", size).save(out, "GIF")
    return out.getvalue()


def bomb_png(size: tuple[int, int] = (10_000, 10_000)) -> bytes:
    """A tiny PNG that decodes to 100 megapixels (a decompression bomb)."""
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG", optimize=True)
    return out.getvalue()


def with_gps(fmt: str, size: tuple[int, int] = (20, 10)) -> bytes:
    """A PNG or WebP carrying EXIF with a GPS position and orientation 6."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0)})
    out = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def smooth(size: tuple[int, int], fmt: str, *, mode: str = "RGB", progressive: bool = False) -> bytes:
    """A gradient image of `size`: a small file, the decoded size of any other image of that size."""
    gradient = Image.linear_gradient("L").resize(size)
    img = Image.merge("RGB", [gradient, gradient, Image.new("L", size, 90)]).convert(mode)
    out = io.BytesIO()
    img.save(out, fmt, **({"progressive": progressive, "quality": 85} if fmt == "JPEG" else {}))
    return out.getvalue()
