"""The import graph of portal/: no cycle between its modules, and services that know neither the
queue library, the HTTP request nor the faces and jobs that call them (README "Layout").

The graph is read from the source with the standard library's ast, without importing anything:
every `import` and `from ... import` counts, at module level or inside a function (a deferred
import still ties the two modules together). An import under `if TYPE_CHECKING:` does not run
and does not count. `from package import name` points at the submodule when `name` is one, else at
the package; the package a module sits in is not counted as imported by it (Python runs the
package's __init__ first, which imports none of its submodules at module level).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _modules(root: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package's __init__) for every module of root/portal/."""
    found = {}
    for path in sorted((root / "portal").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of the tree except those under `if TYPE_CHECKING:` (never run)."""
    nodes, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        nodes.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return nodes


class ImportGraph:
    def __init__(self, root: Path = ROOT) -> None:
        self.modules = _modules(root)
        # module -> {imported module or external name: first line importing it}
        self.imports: dict[str, dict[str, int]] = {}
        # module -> names imported from flask (to spot `request`)
        self.flask_names: dict[str, set[str]] = {}
        for name, (path, is_package) in self.modules.items():
            self._read(name, path, is_package)

    def _resolve(self, dotted: str) -> str:
        """The longest prefix of `dotted` that is a module of portal/, or `dotted` itself (external)."""
        probe = dotted
        while probe:
            if probe in self.modules:
                return probe
            probe = probe.rpartition(".")[0]
        return dotted

    def _read(self, name: str, path: Path, is_package: bool) -> None:
        package = name if is_package else name.rpartition(".")[0]
        found: dict[str, int] = {}
        flask_names: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [self._resolve(alias.name) for alias in node.names]
                if any(alias.name == "flask" for alias in node.names):
                    flask_names.add("flask")
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, one level up per extra dot
                    parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(parts + ([base] if base else []))
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.append(full if full in self.modules else self._resolve(base))
                if base == "flask":
                    flask_names.update(alias.name for alias in node.names)
            elif (isinstance(node, ast.Attribute) and node.attr == "request"
                  and isinstance(node.value, ast.Name) and node.value.id == "flask"):
                flask_names.add("request")
            for target in targets:
                if target != name:
                    found.setdefault(target, node.lineno)
        self.imports[name] = found
        self.flask_names[name] = flask_names

    def edges(self) -> dict[str, set[str]]:
        return {name: {t for t in targets if t in self.modules} for name, targets in self.imports.items()}

    def cycles(self) -> list[list[str]]:
        """Every strongly connected component of more than one module (Tarjan), each as a list
        of its modules: the modules of a cycle, and of cycles sharing modules, together."""
        edges = self.edges()
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        found: list[list[str]] = []

        def visit(start: str) -> None:
            # Iterative, so a deep import chain never hits the recursion limit.
            work = [(start, iter(sorted(edges[start])))]
            index[start] = low[start] = len(index)
            stack.append(start)
            on_stack.add(start)
            while work:
                node, children = work[-1]
                child = next(children, None)
                if child is not None:
                    if child not in index:
                        index[child] = low[child] = len(index)
                        stack.append(child)
                        on_stack.add(child)
                        work.append((child, iter(sorted(edges[child]))))
                    elif child in on_stack:
                        low[node] = min(low[node], index[child])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

        for name in sorted(edges):
            if name not in index:
                visit(name)
        return found

    def describe(self, component: list[str]) -> str:
        members = set(component)
        return "\n".join(f"  {name} imports {', '.join(sorted(t for t in self.edges()[name] if t in members))}"
                         for name in component)


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    return ImportGraph()


def test_no_import_cycle_between_modules_of_portal(graph: ImportGraph) -> None:
    cycles = graph.cycles()
    assert not cycles, "import cycles in portal/:\n" + "\n\n".join(graph.describe(c) for c in cycles)


# What a service may not know: the queue library (platform/queue.py is the interface), the HTTP
# request (a service takes plain values), and the callers above it.
FORBIDDEN_IN_SERVICES = ("rq", "portal.jobs", "portal.api", "portal.web")


def test_services_import_neither_the_queue_library_nor_the_request_nor_their_callers(graph: ImportGraph) -> None:
    services = [name for name in graph.modules if name.startswith("portal.services.") or name == "portal.services"]
    assert len(services) > 30  # the walk found the services
    wrong = []
    for name in services:
        for target, line in graph.imports[name].items():
            if any(target == f or target.startswith(f + ".") for f in FORBIDDEN_IN_SERVICES):
                wrong.append(f"{name} (line {line}) imports {target}")
        if "request" in graph.flask_names[name]:
            wrong.append(f"{name} uses flask's request")
    assert not wrong, "\n".join(wrong)


def _graph_of(tmp_path: Path, files: dict[str, str]) -> ImportGraph:
    """An ImportGraph over a made-up portal/ (the checker's own test: it must see what it is for)."""
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return ImportGraph(tmp_path)


def test_the_checker_sees_function_level_and_from_imports_and_ignores_type_checking(tmp_path: Path) -> None:
    g = _graph_of(tmp_path, {
        "portal/__init__.py": "",
        "portal/services/__init__.py": "",
        "portal/services/a.py": "from portal.services import b\n",
        "portal/services/b.py": "def f():\n    from portal.services.c import thing\n",
        "portal/services/c.py": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from portal.services import a\n"
                                 "import portal.services.d\n"),
        "portal/services/d.py": "from flask import request\nimport rq\nfrom portal.services.a import x\n",
    })
    assert g.cycles() == [["portal.services.a", "portal.services.b", "portal.services.c", "portal.services.d"]]
    assert "rq" in g.imports["portal.services.d"] and "request" in g.flask_names["portal.services.d"]
    assert "portal.services.a" not in g.imports["portal.services.c"]  # TYPE_CHECKING only


def test_rq_is_known_to_the_queue_interface_and_the_worker_side_only(graph: ImportGraph) -> None:
    users = sorted(name for name, targets in graph.imports.items()
                   if any(t == "rq" or t.startswith("rq.") for t in targets))
    assert "portal.platform.queue" in users
    assert [u for u in users if u != "portal.platform.queue" and not u.startswith("portal.jobs")] == []


def test_every_task_services_enqueue_names_a_job_function_by_the_name_stored_in_redis() -> None:
    """Services name their jobs by a dotted string (they never import portal.jobs): each must be a
    function of portal/jobs, under the name jobs already queued in Redis carry."""
    import importlib

    from portal.platform import queue
    from portal.services.data_exchange import import_runs
    from portal.services.integrations import claims

    tasks = {claims.DELIVER.func: claims.DELIVER, import_runs.RUN_IMPORT.func: import_runs.RUN_IMPORT}
    assert sorted(tasks) == ["portal.jobs.imports.run_import", "portal.jobs.webhooks.deliver"]
    for name, task in tasks.items():
        module, _, function = name.rpartition(".")
        assert callable(getattr(importlib.import_module(module), function)), name
        assert task.queue in queue.QUEUES


def test_platform_knows_no_business_rule(graph: ImportGraph) -> None:
    """portal/platform is infrastructure: it imports neither the services, the payload schemas nor the
    faces. (The models are data, not rules: the live counters know which rows belong to a work order.)"""
    above = ("portal.services", "portal.schemas", "portal.api", "portal.web", "portal.jobs", "portal.wiring")
    wrong = [f"{name} (line {line}) imports {target}"
             for name in graph.modules if name.startswith("portal.platform")
             for target, line in graph.imports[name].items()
             if any(target == a or target.startswith(a + ".") for a in above)]
    assert not wrong, "\n".join(wrong)


def _readme_layout() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("\n## Layout\n", 1)[1].split("```", 2)[1]
    return block.splitlines()[1:]


def test_the_readme_layout_matches_the_tree() -> None:
    """Every path the README's layout names exists, and every package and module directly under
    portal/ and portal/platform/ (and every package of portal/services/) is named there: the
    picture cannot go stale. A line is names, three or more spaces, a description; an indented
    line names what is inside the last portal/ folder above it."""
    named: set[str] = set()
    parent = ""
    for line in _readme_layout():
        if not line.strip():
            continue
        names = re.split(r"\s{3,}", line.strip(), maxsplit=1)[0].split()
        if line.startswith(" "):
            paths = [parent + name for name in names]
        else:
            first = names[0]
            base = first.rstrip("/").rpartition("/")[0]
            paths = [first] + [f"{base}/{name}" if base else name for name in names[1:]]
            if first.startswith("portal/") and first.endswith("/"):
                parent = first
        named.update(p.rstrip("/") for p in paths if "<" not in p)  # templates/<area>/ is a pattern
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"README's layout names what is not in the tree: {missing}"
    tree = {str(p.relative_to(ROOT)) for base in ("portal", "portal/platform", "portal/services")
            for p in (ROOT / base).iterdir()
            if (p.is_dir() and (p / "__init__.py").exists())
            or (p.suffix == ".py" and p.name != "__init__.py" and base != "portal/services")}
    unnamed = sorted(tree - named)
    assert not unnamed, f"README's layout does not name: {unnamed}"
