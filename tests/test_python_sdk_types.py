"""The Python SDK (sdk/python) against the OpenAPI document: its models are the document's schemas,
it has a method for every operation, and a consumer project type-checks with `mypy --strict`
against the built package with no extra setup. Its suite against the real app is
sdk/python/tests/test_python_sdk.py."""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from portal.api.docs import build_openapi

ROOT = Path(__file__).resolve().parent.parent
SDK = ROOT / "sdk" / "python"
BIN = Path(sys.executable).parent
for extra in (SDK / "tools", SDK):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import gen_models  # noqa: E402
from maintainpro_client import ENDPOINTS, MaintainProClient  # noqa: E402

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head")


def _definitions(text: str) -> dict[str, str]:
    """models.py -> {name: the source of its definition}."""
    tree = ast.parse(text)
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            found[node.name] = ast.get_source_segment(text, node) or ""
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name):
                found[target.id] = ast.get_source_segment(text, node) or ""
    return found


def test_models_match_the_current_openapi_document(app):
    """Every model the client uses (and what those refer to) is defined exactly as the OpenAPI document
    describes it now; other engineers' new schemas do not make this fail."""
    committed = _definitions((SDK / "maintainpro_client" / "models.py").read_text())
    fresh = _definitions(gen_models.render(build_openapi()))
    client_source = (SDK / "maintainpro_client" / "client.py").read_text()
    imported = client_source.split("from .models import (", 1)[1].split(")", 1)[0]
    todo = [n.strip() for n in imported.split(",") if n.strip()]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        assert name in fresh, f"{name} is no longer in the OpenAPI document"
        assert committed.get(name) == fresh[name], \
            f"sdk/python/maintainpro_client/models.py is stale for {name}: run .venv/bin/python sdk/python/tools/gen_models.py"
        body = fresh[name].split(":", 1)[1] if ":" in fresh[name] else fresh[name]
        todo.extend(ref for ref in set(re.findall(r"\b([A-Z]\w+)\b", body)) if ref in fresh)
    assert {"WorkOrderOut", "WebhookOut", "ApiKeyCreatedOut", "PartOut", "UserAdminOut"} <= seen


def test_every_documented_operation_has_a_method_and_every_method_a_documented_operation(app):
    documented = {(method.upper(), path.removeprefix("/api"))
                  for path, item in build_openapi()["paths"].items() for method in item if method in HTTP_METHODS}
    called = set(ENDPOINTS.values())
    assert not documented - called, f"operations without a method in sdk/python: {sorted(documented - called)}"
    assert not called - documented, f"methods of operations the API no longer has: {sorted(called - documented)}"
    assert len(called) == len(ENDPOINTS), "two methods call the same operation"
    client = MaintainProClient("http://127.0.0.1:9/api")
    for name in ENDPOINTS:
        target: object = client
        for part in name.split("."):
            target = getattr(target, part, None)
        assert callable(target), f"ENDPOINTS names client.{name}, which is not a method"


CONSUMER = '''\
"""An integrator's script: list, sync, create, errors."""
from maintainpro_client import MaintainProClient, MaintainProError, MaintainProTimeout, verify_timestamped_webhook
from maintainpro_client.models import PartOut, WorkOrderCreate, WorkOrderOut


def run(client: MaintainProClient) -> str:
    page = client.work_orders.list(status=["new", "assigned"], limit=50)
    titles: list[str] = [w["title"] for w in page]
    total: int | None = page.total
    sync = client.work_orders.sync(cursor="*", updatedSince="2026-01-01T00:00:00Z")
    copy: dict[str, WorkOrderOut] = {}
    for work_order in sync:
        copy[work_order["id"]] = work_order
    cursor: str = sync.cursor
    parts: list[PartOut] = list(client.parts.sync())
    order: WorkOrderCreate = {"title": "Pump P-101 leaking", "priority": "high"}
    made = client.work_orders.create(order)
    number: str = made["foNumber"]
    cost: str = client.work_orders.get(made["id"])["partsCost"]
    csv: str = client.work_orders.export(format="ndjson", status="new")
    try:
        client.work_orders.get("missing")
    except MaintainProTimeout as timeout:
        cause: BaseException | None = timeout.__cause__
        print(cause)
    except MaintainProError as error:
        status: int = error.status
        wait: int | None = error.retry_after
        print(status, wait, error.errors[:1])
    ok: bool = verify_timestamped_webhook(b"{}", "1700000000", "00", "secret", tolerance=300)
    return f"{titles} {total} {cursor} {len(parts)} {number} {cost} {len(csv)} {ok}"
'''


def test_a_consumer_project_passes_mypy_strict_against_the_built_package():
    """Build the wheel, install it into a fresh virtualenv (no network), and type-check a consumer file."""
    work = Path(tempfile.mkdtemp(prefix="maintainpro-sdk-py-typing-"))
    try:
        source = work / "src"
        shutil.copytree(SDK, source, ignore=shutil.ignore_patterns("tests", "build", "*.egg-info", "__pycache__"))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                        "-w", str(work / "dist"), str(source)], check=True, capture_output=True, timeout=300)
        wheel = next((work / "dist").glob("maintainpro_client-*.whl"))
        venv = work / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
        python = venv / "bin" / "python"
        site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   check=True, capture_output=True, text=True, timeout=60).stdout.strip())
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile",
                        "--target", str(site), str(wheel)], check=True, capture_output=True, timeout=300)
        # The SDK's one dependency (requests) as the consumer's project would have it installed.
        (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        project = work / "project"
        project.mkdir()
        (project / "integrate.py").write_text(CONSUMER)
        done = subprocess.run([str(BIN / "mypy"), "--strict", "--no-incremental", "--cache-dir", os.devnull,
                               "--python-executable", str(python),
                               "integrate.py"], cwd=project, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Success" in done.stdout
        installed = subprocess.run([str(python), "-c", "import maintainpro_client, sys; print(maintainpro_client.__file__)"],
                                   capture_output=True, text=True, timeout=60, cwd=project)
        assert installed.stdout.strip().startswith(str(site)), installed.stdout + installed.stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_the_sdk_itself_passes_mypy_strict():
    """Inside the package too: no Any returned where a model is promised (requests has no stubs here)."""
    done = subprocess.run([str(BIN / "mypy"), "--strict", "--ignore-missing-imports", "--no-incremental",
                           "--cache-dir", os.devnull, "maintainpro_client"], cwd=SDK, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
