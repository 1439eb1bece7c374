def test_manager_creates_and_lists_work_orders(client, auth):
    h = auth("north", "manager")
    r = client.post("/api/work-orders", json={"title": "Pump maintenance", "priority": "high"}, headers=h)
    assert r.status_code == 201, r.json
    assert r.json["foNumber"].startswith("WO-")
    r = client.get("/api/work-orders", headers=h)
    assert r.status_code == 200
    assert len(r.json) == 1
    assert r.headers["X-Total-Count"] == "1"
    other = client.get(f"/api/work-orders/{r.json[0]['id']}", headers=auth("south", "manager"))
    assert other.status_code == 404
    assert other.json["message"]
