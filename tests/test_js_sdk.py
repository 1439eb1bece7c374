"""The JavaScript SDK (sdk/js): its Node.js suite against the real app, and its declarations against
the OpenAPI document. The suite needs node 18+; without it the test skips and says so."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from live_server import DEFAULT_USERS, SDK_ENV, ServerFailed, live_server

from portal.api.docs import build_openapi

ROOT = Path(__file__).resolve().parent.parent
SDK = ROOT / "sdk" / "js"
sys.path.insert(0, str(SDK / "tools"))

import gen_types  # noqa: E402


def _blocks(text: str) -> dict[str, str]:
    """models.d.ts -> {name: its declaration}."""
    found = re.finditer(r"^export (?:interface|type) (\w+)[\s\S]*?(?=^export |\Z)", text, re.M)
    return {m.group(1): m.group(0).strip() for m in found}


def test_declarations_match_the_current_openapi_document(app):
    """Every object the client's declarations use (and what those refer to) is declared exactly as the
    OpenAPI document describes it now; other engineers' new schemas do not make this fail."""
    committed = _blocks((SDK / "models.d.ts").read_text())
    fresh = _blocks(gen_types.render(build_openapi()))
    index = (SDK / "index.d.ts").read_text()
    imported = index.split("import type {", 1)[1].split("}", 1)[0]
    todo = [n.strip() for n in imported.split(",") if n.strip()]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        assert name in fresh, f"{name} is no longer in the OpenAPI document"
        assert committed.get(name) == fresh[name], \
            f"sdk/js/models.d.ts is stale for {name}: run .venv/bin/python sdk/js/tools/gen_types.py"
        todo.extend(ref for ref in re.findall(r"\b([A-Z]\w+)\b", fresh[name]) if ref in fresh)
    assert {"WorkOrderOut", "WebhookOut", "ApiKeyCreatedOut", "PartOut"} <= seen


def _node_major() -> int | None:
    node = shutil.which("node")
    if not node:
        return None
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    return int(version.lstrip("v").split(".")[0]) if version.startswith("v") else None


def test_node_sdk_suite_against_the_real_app():
    major = _node_major()
    if major is None:
        pytest.skip("node is not installed: the JavaScript SDK suite (sdk/js, `npm test`) did not run")
    if major < 18:
        pytest.skip(f"node {major} is older than 18: the JavaScript SDK suite (sdk/js) did not run")
    instance = tempfile.mkdtemp(prefix="maintainpro-sdk-js-")
    try:
        with live_server(instance, DEFAULT_USERS, worker=True, **SDK_ENV) as server:
            done = subprocess.run(["node", "--test", "test/"], cwd=SDK, capture_output=True, text=True, timeout=900,
                                  env={**server.env, "MAINTAINPRO_TEST_SERVER": json.dumps(server.describe())})
            assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-3000:]}\n--- server ---\n" \
                                         f"{server.log_tail()}"
            assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout, done.stdout[-2000:]
    except ServerFailed as exc:
        pytest.fail(str(exc))
    finally:
        shutil.rmtree(instance, ignore_errors=True)
