"""Peak memory of a web worker while it takes the worst photo each form accepts.

    .venv/bin/python bench/photos.py                # SQLite in a scratch directory

Builds, for each bound (the portal and API: PHOTO_MAX_MEGAPIXELS; the public problem report form:
REPORT_PHOTO_MAX_MEGAPIXELS), the worst image of each type the photo service accepts (the largest
header each format may have, with an EXIF orientation so the upright copy is made too), a large
phone JPEG that is decoded reduced, and the issue's 7000×7000 PNG of a few KB (refused). Each image
is then posted by a fresh process that has the whole app loaded (a worker), through the real route:
`POST /api/work-orders/<id>/attachments` with a token, or `POST /report/<token>`. The process
prints its peak RSS (ru_maxrss) after start-up and a small warm-up upload (the baseline), and after
the upload. Target: the peak under 150 MB.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import common  # noqa: F401 (puts the checkout on sys.path)
from PIL import Image

from portal.platform.extensions import migrate

TARGET_MB = 150.0
ORIENTATION = 0x0112


def _rss_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak) of this process from /proc, in MB. The kernel's peak of this
    process's own memory: unlike ru_maxrss it does not carry over the parent's peak through exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB
    raise SystemExit(f"no {field} in /proc/self/status (Linux only)")


def _reset_peak() -> None:
    """Start the peak (VmHWM) again from the current RSS (Linux: 5 into /proc/self/clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def _exif() -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # "turn 90°": the service makes an upright copy
    return exif.tobytes()


def _pattern(size: tuple[int, int], mode: str) -> Image.Image:
    """A smooth image (small file, same decoded size as any other of that size and mode)."""
    gradient = Image.linear_gradient("L").resize(size)
    if mode == "L":
        return gradient
    bands = [gradient, gradient.transpose(Image.Transpose.ROTATE_90).resize(size), Image.new("L", size, 90)]
    if mode == "RGBA":
        bands.append(Image.new("L", size, 255))
    return Image.merge(mode, bands)


def build(fmt: str, size: tuple[int, int], *, mode: str = "RGB", progressive: bool = False,
          exif: bool = True) -> bytes:
    out = io.BytesIO()
    img = _pattern(size, mode) if mode != "1" else Image.new("1", size)
    options: dict = {"exif": _exif()} if exif else {}
    if fmt == "JPEG":
        options.update(quality=85, subsampling=0, progressive=progressive)  # 4:4:4: the most coefficients
    elif fmt == "PNG" and mode == "1":
        options["optimize"] = True
    img.save(out, fmt, **options)
    return out.getvalue()


def _side(pixels: int) -> tuple[int, int]:
    """The largest square of at most `pixels` pixels."""
    side = int(pixels ** 0.5)
    while (side + 1) * (side + 1) <= pixels:
        side += 1
    while side * side > pixels:
        side -= 1
    return side, side


def cases(limit: int) -> list[tuple[str, bytes]]:
    """The worst accepted image of each type for a bound of `limit` pixels, from the service's own rules."""
    from portal.services.work_orders.attachments import header_limit

    png = header_limit("PNG", progressive=False, bands=4, limit=limit)
    webp = header_limit("WEBP", progressive=False, bands=4, limit=limit)
    progressive = header_limit("JPEG", progressive=True, bands=3, limit=limit)
    return [
        (f"PNG RGBA {'×'.join(map(str, _side(png)))}", build("PNG", _side(png), mode="RGBA")),
        (f"WebP RGBA {'×'.join(map(str, _side(webp)))}", build("WEBP", _side(webp), mode="RGBA")),
        (f"JPEG baseline {'×'.join(map(str, _side(limit)))}", build("JPEG", _side(limit))),
        (f"JPEG progressive {'×'.join(map(str, _side(progressive)))}", build("JPEG", _side(progressive), progressive=True)),
        ("JPEG baseline 8064×6048 (48.8 MP phone)", build("JPEG", (8064, 6048))),
        ("PNG 1-bit 7000×7000 (the issue's)", build("PNG", (7000, 7000), mode="1", exif=False)),
    ]


def setup() -> dict[str, str]:
    """The scratch database the workers share (made here, so no worker imports Alembic, as in
    production): an admin, an asset whose warehouse takes problem reports, a token."""
    from portal import create_app
    from portal.schemas.equipment import EquipmentCreate
    from portal.schemas.warehouse import WarehouseUpdate
    from portal.services.assets.equipment import create_equipment
    from portal.services.common.actor import Actor
    from portal.services.identity import auth as auth_service
    from portal.services.identity import warehouses

    app = create_app(common.app_config())
    with app.app_context():
        migrate.bind(app)  # Flask-Migrate is bound on demand (platform/extensions.py)
        common.fresh_schema()
        admin = auth_service.create_user("admin@bench.test", "bench-password", "admin", "Bench Plant", name="Admin")
        actor = Actor.of(admin)
        warehouses.update_settings(actor, WarehouseUpdate(problemReportsEnabled=True))
        pump = create_equipment(actor, EquipmentCreate(assetTag="P-1"))
        return {"BENCH_TOKEN": common.bearer_token(admin.id), "BENCH_REPORT_TOKEN": pump.report_token}


def child(path: str, form: str) -> None:
    """One worker: the app loaded, a warm-up upload, then the measured one; prints a JSON line."""
    common.quiet_request_log()
    from portal import create_app
    from portal.models import WorkOrderAttachment
    from portal.platform.extensions import db
    from portal.services.work_orders import attachments

    app = create_app(common.app_config(RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False))
    data = Path(path).read_bytes()
    token, report_token = os.environ["BENCH_TOKEN"], os.environ["BENCH_REPORT_TOKEN"]
    with app.app_context():
        client = app.test_client()

        def post(body: bytes):
            if form == "report":
                return client.post(f"/report/{report_token}", content_type="multipart/form-data",
                                   data={"description": "Noise", "reporterName": "Bench",
                                         "photo": (io.BytesIO(body), "photo.bin")})
            wo = client.post("/api/work-orders", json={"title": "Bench", "type": "corrective", "priority": "low"},
                             headers={"Authorization": f"Bearer {token}"}).json
            return client.post(f"/api/work-orders/{wo['id']}/attachments", content_type="multipart/form-data",
                               data={"file": (io.BytesIO(body), "photo.bin")},
                               headers={"Authorization": f"Bearer {token}"})

        warm = post(build("JPEG", (64, 48)))
        assert warm.status_code in (200, 201), warm.get_data(as_text=True)
        counted = db.session.query(WorkOrderAttachment).count()
        before = _rss_mb("VmRSS")
        _reset_peak()
        response = post(data)
        after = _rss_mb("VmHWM")
        stored = db.session.query(WorkOrderAttachment).order_by(WorkOrderAttachment.created_at.desc()).first()
        accepted = db.session.query(WorkOrderAttachment).count() > counted
        refusal = ""
        if not accepted:
            body = response.get_data(as_text=True)
            shown = re.search(r"This photo is too large[^<]*", body)
            refusal = (response.json["errors"][0]["message"] if response.is_json
                       else shown.group(0).strip() if shown else f"status {response.status_code}")
        print(json.dumps({"startup_mb": before, "peak_mb": after, "accepted": accepted, "refusal": refusal,
                          "stored": f"{stored.width}×{stored.height}" if accepted and stored else "",
                          "limit": attachments.max_pixels(public=form == "report")}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--form", choices=["api", "report"], default="api", help=argparse.SUPPRESS)
    parser.add_argument("--forms", default="api,report", help="which forms to measure (api, report)")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.form)
        return
    from portal.config import load_config
    from portal.platform import redis  # noqa: F401 (scratch_instance's clean-up at exit stops it; not importable then)

    scratch = common.scratch_instance()
    config = load_config()
    env = {**os.environ, **setup()}
    bounds = {"api": config["PHOTO_MAX_MEGAPIXELS"], "report": config["REPORT_PHOTO_MAX_MEGAPIXELS"]}
    print(f"{'form':7s} {'image':42s} {'file KB':>8s} {'result':56s} {'RSS MB':>9s} {'peak MB':>8s} {'+MB':>6s}")
    worst = 0.0
    for form in args.forms.split(","):
        for name, data in cases(int(bounds[form] * 1_000_000)):
            path = scratch / "photo.bin"
            path.write_bytes(data)
            run = subprocess.run([sys.executable, __file__, "--child", str(path), "--form", form],
                                 capture_output=True, text=True, env=env)
            if run.returncode != 0:
                raise SystemExit(f"{form} {name}: the worker failed\n{run.stderr[-3000:]}")
            figures = json.loads(run.stdout.strip().splitlines()[-1])
            result = f"stored {figures['stored']}" if figures["accepted"] else f"refused: {figures['refusal']}"
            if figures["accepted"]:
                worst = max(worst, figures["peak_mb"])
            print(f"{form:7s} {name:42s} {len(data) / 1024:8.0f} {result[:56]:56s} {figures['startup_mb']:9.1f} "
                  f"{figures['peak_mb']:8.1f} {figures['peak_mb'] - figures['startup_mb']:6.1f}", flush=True)
    print(f"\nbounds: portal/API {bounds['api']:g} MP, report form {bounds['report']:g} MP; "
          f"worst accepted peak {worst:.1f} MB (target < {TARGET_MB:g} MB: {'met' if worst < TARGET_MB else 'NOT met'})")


if __name__ == "__main__":
    main()
