"""Offline technician (issue 21): what a device keeps, replaying a queue, the cost of idempotency.

Prints, for a technician with N open work orders (10 checklist items, 3 comments and a photo each)
in a warehouse of P parts:
- the bytes the device keeps: the static shell (the worker's precache), the pages /offline/keep
  lists (My work, the outbox, each work order page), the part catalogue (/offline/parts) and each
  work order's photo thumbnails, as the server sends them (uncompressed);
- the time to replay Q queued actions (ticks and comments, each with its Idempotency-Key, CSRF
  header, HX-Request: what static/js/offline.js sends), then the same queue again (every answer lost
  on the way back: each key answers its first answer, nothing runs twice);
- the extra server cost of a key on a write: Q comments without a key vs Q with one, same run.
In-process test client (the server's share; the device's own time is not in it).
"""
from __future__ import annotations

import argparse
import os
import re
import time
from datetime import timedelta

import common
from sqlalchemy import insert

from portal import create_app
from portal.models import AuthSession, ChecklistItem, Part, WorkOrder, WorkOrderComment
from portal.models.types import new_id, utcnow
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.identity import auth as auth_service
from portal.services.work_orders import attachments as attachment_service
from portal.web.offline import SHELL_FILES


def photo(n: int) -> bytes:
    """A phone-sized photo (1600x1200 JPEG): smooth patches of colour with a fine grain, about what
    a photo of a machine compresses to (pure noise would not compress at all, a flat image to nothing)."""
    import io
    import random

    from PIL import Image, ImageFilter

    rng = random.Random(n)
    small = Image.new("RGB", (40, 30))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(40 * 30)])
    big = small.resize((1600, 1200), Image.BICUBIC).filter(ImageFilter.GaussianBlur(2))
    grain = Image.effect_noise((1600, 1200), 12).convert("RGB")
    out = io.BytesIO()
    Image.blend(big, grain, 0.08).save(out, "JPEG", quality=85)
    return out.getvalue()


def load(work_orders: int, parts: int) -> str:
    now = utcnow()
    tech = auth_service.create_user("tech@bench.test", "bench-password", "technician", "Bench Plant",
                                    name="Anna Technician")
    rows = [{"id": new_id(), "warehouse_id": tech.warehouse_id, "fo_number": f"WO-B-{n:04d}",
             "title": f"Bench work order {n}", "description": "Bearing noise on the drive end", "status": "assigned",
             "priority": "medium", "type": "preventive", "assigned_to": tech.id, "requested_by": tech.id,
             "due_date": now + timedelta(days=3), "created_at": now - timedelta(days=1),
             "updated_at": now, "actual_duration": 0} for n in range(work_orders)]
    db.session.execute(insert(WorkOrder), rows)
    db.session.execute(insert(ChecklistItem), [
        {"id": new_id(), "work_order_id": r["id"], "position": n, "item_key": f"i{n}", "description": f"Check point {n}",
         "type": "checkbox", "required": False, "done": False, "flagged": False, "updated_at": now}
        for r in rows for n in range(10)])
    db.session.execute(insert(WorkOrderComment), [
        {"id": new_id(), "warehouse_id": tech.warehouse_id, "work_order_id": r["id"], "author_id": tech.id,
         "body": f"Note {n} on the drive end bearing.", "visible_to_reporter": False, "created_at": now}
        for r in rows for n in range(3)])
    db.session.execute(insert(Part), [
        {"id": new_id(), "warehouse_id": tech.warehouse_id, "part_number": f"P-{n:05d}",
         "description": f"Bearing 62{n % 100:02d}-2RS, sealed", "stock_level": n % 7, "reorder_point": 2,
         "unit_cost": 12, "supplier": "SKF Industrial", "created_at": now, "updated_at": now} for n in range(parts)])
    db.session.commit()
    actor = Actor.of(tech)
    for n, r in enumerate(rows):
        attachment_service.add_attachment(actor, r["id"], photo(n), f"fault-{n}.jpg")
    return tech.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=50)
    parser.add_argument("--queue", type=int, default=100)
    parser.add_argument("--parts", type=int, default=500)
    args = parser.parse_args()

    common.scratch_instance()
    common.quiet_request_log()
    app = create_app(common.app_config(RATELIMIT_ENABLED=False))
    with app.app_context():
        backend = common.fresh_schema()
        tech_id = load(args.work_orders, args.parts)
        session = AuthSession(user_id=tech_id, expires_at=utcnow() + timedelta(hours=1))
        db.session.add(session)
        db.session.commit()
        session_id = session.id
        wo_ids = [wo_id for (wo_id,) in db.session.query(WorkOrder.id).order_by(WorkOrder.fo_number)]
        items = [i for (i,) in db.session.query(ChecklistItem.id).filter(ChecklistItem.work_order_id == wo_ids[0])]
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = session_id
        sess["_fresh"] = True

    shell = sum(os.path.getsize(os.path.join(app.static_folder or "", name)) for name in SHELL_FILES)
    pages = client.get("/offline/keep").json["pages"]
    htmls = [client.get(path).get_data(as_text=True) for path in pages]
    kept = sum(len(html) for html in htmls)
    # The thumbnails the worker keeps: those the kept pages show (static/sw.js, THUMB_IN_PAGE).
    thumbs = [url for html in htmls for url in re.findall(r'src="(/work-orders/[^"/]+/attachments/[^"/?]+\?size=thumb)"', html)]
    thumb_bytes = sum(len(client.get(url).get_data()) for url in thumbs)
    catalogue = len(client.get("/offline/parts").get_data())
    total = shell + kept + thumb_bytes + catalogue
    print(f"{backend}: a technician with {args.work_orders} open work orders (10 checks, 3 comments, a photo each), "
          f"{args.parts} parts")
    print(f"  static shell        {shell / 1024:8.1f} KiB ({len(SHELL_FILES)} files)")
    print(f"  pages kept          {kept / 1024:8.1f} KiB ({len(pages)} pages, "
          f"{kept / max(1, len(pages)) / 1024:.1f} KiB a page)")
    print(f"  photo thumbnails    {thumb_bytes / 1024:8.1f} KiB ({len(thumbs)}, "
          f"{thumb_bytes / max(1, len(thumbs)) / 1024:.1f} KiB each)")
    print(f"  part catalogue      {catalogue / 1024:8.1f} KiB ({args.parts} parts, {catalogue / max(1, args.parts):.0f} B a part)")
    print(f"  on the device       {total / 1024:8.1f} KiB")

    token = client.get("/outbox/token").json["csrfToken"]
    wo = wo_ids[0]

    def action(n: int) -> tuple[str, dict]:
        if n % 2 and n // 2 < len(items):
            return f"/work-orders/{wo}/checklist/{items[n // 2]}", {"done": ["false", "true" if n % 4 == 1 else "false"]}
        return f"/work-orders/{wo}/comments", {"body": f"Queued note {n}"}

    def replay(prefix: str, keyed: bool = True) -> float:
        started = time.perf_counter()
        for n in range(args.queue):
            path, data = action(n)
            headers = {"X-CSRFToken": token, "HX-Request": "true"}
            if keyed:
                headers["Idempotency-Key"] = f"{prefix}-{n}"
            r = client.post(path, data=data, headers=headers)
            assert r.status_code == 200, (path, r.status_code)
        return time.perf_counter() - started

    first = replay("dev")
    again = replay("dev")
    print(f"  replay {args.queue} queued actions   {first * 1000:8.0f} ms ({first * 1000 / args.queue:.1f} ms each)")
    print(f"  the same queue again      {again * 1000:8.0f} ms (every key answers its first answer)")
    plain = replay("", keyed=False)
    keyed = replay("cost")
    print(f"  {args.queue} writes without a key {plain * 1000:8.0f} ms, with a key {keyed * 1000:.0f} ms: "
          f"ratio {keyed / plain:.2f}")


if __name__ == "__main__":
    main()
