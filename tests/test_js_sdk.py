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

# The suite's server (sdk/js/testing/helpers.mjs starts the same when run alone): the API budget lasts
# 3 seconds, so a test waits out a 429 in seconds, and the sync's settle horizon is 1 second.
JS_ENV = {**SDK_ENV, "RATELIMIT_API": "60/3 seconds", "SYNC_SETTLE_SECONDS": "1"}


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


def _sdk_operations() -> dict[str, list[str]]:
    """The client's OPERATIONS map, each entry with whether its method exists on a constructed client."""
    script = ("const sdk = require('./index.cjs'); const c = new sdk({ baseUrl: 'http://127.0.0.1:9/api' });"
              "const out = {}; for (const [id, [m, p, name]] of Object.entries(sdk.OPERATIONS)) {"
              "  const f = name.split('.').reduce((o, k) => (o == null ? o : o[k]), c);"
              "  out[id] = [m, p, name, typeof f === 'function']; }"
              "process.stdout.write(JSON.stringify(out));")
    done = subprocess.run(["node", "-e", script], cwd=SDK, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_documented_operation_has_a_client_method(app):
    """Each (method, path) of the OpenAPI document is an entry of the client's OPERATIONS, under its
    operationId, and that method exists; an endpoint added to the document without one fails here."""
    if _node_major() is None:
        pytest.skip("node is not installed: the JavaScript SDK's operations could not be listed")
    documented = {}
    for path, item in build_openapi()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "patch", "delete", "head"):
                shape = re.sub(r"\{[^}]+\}", "{}", path.removeprefix("/api"))
                documented[operation["operationId"]] = [method.upper(), shape]
    sdk = _sdk_operations()
    missing = sorted(set(documented) - set(sdk))
    assert not missing, f"operations of the OpenAPI document without a method in sdk/js/index.cjs: {missing}"
    stale = sorted(set(sdk) - set(documented))
    assert not stale, f"sdk/js/index.cjs OPERATIONS names operations the document no longer has: {stale}"
    for operation_id, (method, path, name, exists) in sdk.items():
        assert [method, path] == documented[operation_id], f"{operation_id}: {name} calls {method} {path}"
        assert exists, f"{operation_id}: the client has no method {name}"
    declared = (SDK / "index.d.ts").read_text()
    for _, _, name, _ in sdk.values():
        assert re.search(rf"\b{re.escape(name.split('.')[-1])}\(", declared), f"index.d.ts does not declare {name}"


TSC = ROOT / ".ci" / "typescript" / "node_modules" / ".bin" / "tsc"


def test_declarations_compile_strict_in_a_project_without_node_types():
    """An integrator's TypeScript project: the packed SDK installed from its archive, no @types/node,
    `tsc --strict` over a file that uses the client (sdk/js/testing/consumer)."""
    if _node_major() is None or not shutil.which("npm"):
        pytest.skip("node/npm are not installed: the JavaScript SDK's declarations were not compiled")
    if not TSC.exists():
        pytest.skip("TypeScript is not installed (make sdk-js-deps): the JavaScript SDK's declarations "
                    "were not compiled")
    project = Path(tempfile.mkdtemp(prefix="maintainpro-ts-consumer-"))
    try:
        packed = subprocess.run(["npm", "pack", "--silent", "--pack-destination", str(project)], cwd=SDK,
                                capture_output=True, text=True, timeout=120)
        assert packed.returncode == 0, packed.stderr
        archive = packed.stdout.strip().splitlines()[-1]
        (project / "package.json").write_text('{"name": "consumer", "private": true, "type": "module"}\n')
        for name in ("app.ts", "tsconfig.json"):
            shutil.copy(SDK / "testing" / "consumer" / name, project / name)
        installed = subprocess.run(["npm", "install", "--offline", "--no-audit", "--no-fund", "--loglevel=error",
                                    f"./{archive}"], cwd=project, capture_output=True, text=True, timeout=120)
        assert installed.returncode == 0, installed.stderr
        assert not (project / "node_modules" / "@types").exists()
        compiled = subprocess.run([str(TSC), "-p", "."], cwd=project, capture_output=True, text=True, timeout=300)
        assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    finally:
        shutil.rmtree(project, ignore_errors=True)


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
        with live_server(instance, DEFAULT_USERS, worker=True, **JS_ENV) as server:
            done = subprocess.run(["node", "--test", "test/"], cwd=SDK, capture_output=True, text=True, timeout=900,
                                  env={**server.env, "MAINTAINPRO_TEST_SERVER": json.dumps(server.describe())})
            assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-3000:]}\n--- server ---\n" \
                                         f"{server.log_tail()}"
            assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout, done.stdout[-2000:]
    except ServerFailed as exc:
        pytest.fail(str(exc))
    finally:
        shutil.rmtree(instance, ignore_errors=True)
