"""Signatures drawn in the tests with Pillow, as the portal's pad sends them (a PNG, ink on white)."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw


def signature_png(size: tuple[int, int] = (600, 200), *, ink: bool = True, transparent: bool = False) -> bytes:
    """A scribble across the middle (or nothing, `ink=False`); on white, or on a transparent canvas."""
    img = Image.new("RGBA", size, (0, 0, 0, 0) if transparent else (255, 255, 255, 255))
    if ink:
        w, h = size
        points = [(w * x // 10, h // 2 + (h // 4 if x % 2 else -h // 4)) for x in range(1, 10)]
        ImageDraw.Draw(img).line(points, fill=(16, 21, 28, 255), width=5)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()
