"""Photos are decoded within a memory bound: a PNG or WebP too large is refused from its header,
a large JPEG is decoded reduced, every upload is decoded once (services/work_orders/attachments.py)."""
from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import factories
import pytest
from photos import bomb_png, jpeg_with_gps, smooth
from PIL import Image

from portal.models import WorkOrderAttachment
from portal.platform.extensions import db
from portal.services.common.errors import DomainError
from portal.services.work_orders import attachments

ROOT = Path(__file__).resolve().parent.parent


pytestmark = pytest.mark.usefixtures("upload_dir")


@pytest.fixture
def wo(users):
    return factories.work_order(users.actor("north", "requester"), title="Pump 3 leaking")




def upload(client, headers, wo_id, data: bytes, name: str = "photo.png"):
    return client.post(f"/api/work-orders/{wo_id}/attachments", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def test_the_issues_png_is_refused_by_the_api_before_it_is_decoded(client, auth, wo, photo_decodes):
    png = bomb_png((7000, 7000))  # 49 megapixels in a few KB
    assert len(png) < 20_000
    r = upload(client, auth("north", "technician"), wo.id, png)
    assert r.status_code == 400
    assert r.json["errors"] == [{"field": "file", "message": "This photo is too large: at most 3.2 megapixels"}]
    assert photo_decodes == [] and db.session.query(WorkOrderAttachment).count() == 0


def test_refusing_it_costs_no_memory_while_decoding_it_would(tmp_path):
    """In a fresh process (the kernel's peak RSS of its own, VmHWM, reset before each step): judging
    the 7000×7000 PNG adds almost nothing; decoding it, as the service did before, adds ~49 MB (so the
    measure sees a decode)."""
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png((7000, 7000)))
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from portal.services.common.errors import DomainError
        from portal.services.work_orders import attachments

        def peak_growth(step):
            def field(name):
                line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith(name + ":"))
                return int(line.split()[1]) // 1024
            Path("/proc/self/clear_refs").write_text("5")
            before = field("VmRSS")
            step()
            return field("VmHWM") - before

        data = Path({str(path)!r}).read_bytes()
        def judge():
            try:
                attachments.open_photo(data, 3_200_000)
            except DomainError as exc:
                assert "too large" in exc.errors[0]["message"]
            else:
                raise SystemExit("not refused")
        print(peak_growth(judge), peak_growth(lambda: attachments.decode(attachments.open_photo(data, 50_000_000))))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    refused_mb, decoded_mb = map(int, run.stdout.split())
    assert refused_mb < 5, run.stdout
    assert decoded_mb >= 40, run.stdout


@pytest.mark.parametrize("fmt, size, progressive, limit", [
    ("PNG", (1800, 1800), False, "3.2"),  # 3.24 MP: a PNG cannot be decoded reduced
    ("WEBP", (1300, 1300), False, "1.6"),  # 1.69 MP: libwebp needs ~16 bytes a pixel to decode
    ("JPEG", (1700, 1700), True, "2.56"),  # 2.89 MP: a progressive JPEG keeps all its coefficients
])
def test_each_format_is_refused_above_what_it_costs_to_decode(client, auth, wo, photo_decodes, fmt, size, progressive, limit):
    r = upload(client, auth("north", "technician"), wo.id, smooth(size, fmt, progressive=progressive))
    assert r.status_code == 400
    assert r.json["errors"] == [{"field": "file", "message": f"This photo is too large: at most {limit} megapixels"}]
    assert photo_decodes == []


def test_a_phone_jpeg_is_decoded_at_half_size_and_stored_within_the_bound(client, auth, wo, photo_decodes):
    """12.2 megapixels (4032×3024) against PHOTO_MAX_MEGAPIXELS 3.2: libjpeg photo_decodes it at 1/2."""
    r = upload(client, auth("north", "technician"), wo.id, smooth((4032, 3024), "JPEG"), "IMG_0001.jpg")
    assert r.status_code == 201, r.json
    assert photo_decodes == [(2016, 1512)]  # decoded reduced, not decoded whole then resized
    row = db.session.get(WorkOrderAttachment, r.json["id"])
    assert (row.width, row.height) == (2016, 1512)
    stored = Image.open(io.BytesIO(client.get(f"/api/work-orders/{wo.id}/attachments/{row.id}",
                                              headers=auth("north", "technician")).data))
    assert stored.size == (2016, 1512) and stored.width * stored.height <= 3_200_000


def test_a_large_jpeg_is_reduced_as_little_as_the_bound_allows_and_turned_upright(app, client, auth, wo, photo_decodes):
    app.config["PHOTO_MAX_MEGAPIXELS"] = 0.2
    r = upload(client, auth("north", "technician"), wo.id, jpeg_with_gps(size=(1600, 800)), "wide.jpg")
    assert r.status_code == 201, r.json
    assert photo_decodes == [(400, 200)]  # 1/2 would be 0.32 MP, so 1/4
    assert (r.json["width"], r.json["height"]) == (200, 400)  # orientation 6 applied after the reduced decode


def test_a_jpeg_too_large_even_at_one_eighth_is_refused(app, client, auth, wo, photo_decodes):
    app.config["PHOTO_MAX_MEGAPIXELS"] = 0.001  # 1,000 pixels: 400×400 at 1/8 is 2,500
    r = upload(client, auth("north", "technician"), wo.id, smooth((400, 400), "JPEG"), "big.jpg")
    assert r.status_code == 400 and "at most 0.064 megapixels" in r.json["errors"][0]["message"]
    assert photo_decodes == []


def test_every_api_upload_is_decoded_once(client, auth, wo, photo_decodes):
    r = upload(client, auth("north", "technician"), wo.id, jpeg_with_gps(), "a.jpg")
    assert r.status_code == 201 and photo_decodes == [(64, 32)]


def test_header_limits_follow_the_memory_bound():
    limit = 1_000_000
    assert attachments.header_limit("PNG", progressive=False, bands=4, limit=limit) == limit
    assert attachments.header_limit("WEBP", progressive=False, bands=4, limit=limit) == limit // 2
    assert attachments.header_limit("JPEG", progressive=True, bands=3, limit=limit) == 800_000
    assert attachments.header_limit("JPEG", progressive=True, bands=4, limit=limit) == 666_666
    assert attachments.header_limit("JPEG", progressive=False, bands=3, limit=limit) == 64 * limit


def test_a_truncated_png_within_the_bound_is_not_an_image(client, auth, wo):
    data = smooth((300, 300), "PNG")
    r = upload(client, auth("north", "technician"), wo.id, data[: len(data) // 2])
    assert r.status_code == 400 and r.json["errors"][0]["message"] == "Not a JPEG, PNG or WebP image"
    with pytest.raises(DomainError):
        attachments.decode(attachments.open_photo(data[: len(data) // 2], 1_000_000))
