"""docs/ARCHITECTURE.md says which app may import which; the code must agree with it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("turf", "accounts", "billing", "courses", "predictions", "wagering", "alerts", "dashboard")
ROW = re.compile(r"^\| `(?P<app>\w+)` \|.*\| (?P<imports>[^|]*) \|\s*$")


def allowed_imports() -> dict[str, set[str]]:
    """The table of docs/ARCHITECTURE.md: app -> the apps it may import."""
    table = {}
    for line in (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match and match["app"] in APPS:
            table[match["app"]] = set(re.findall(r"`(\w+)`", match["imports"]))
    return table


def imported_apps(app: str) -> dict[str, set[str]]:
    """The other apps each app imports (at any depth in a module, tests left out): app -> {module: ...}."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        if "tests" in path.relative_to(ROOT / app).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in APPS and top != app:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_document_lists_every_app():
    assert set(allowed_imports()) == set(APPS)


def test_every_app_imports_only_what_the_document_allows_and_all_of_it():
    table = allowed_imports()
    for app in APPS:
        imports = imported_apps(app)
        forbidden = {other: sorted(paths) for other, paths in imports.items() if other not in table[app]}
        assert not forbidden, f"{app} imports apps docs/ARCHITECTURE.md does not allow: {forbidden}"
        assert set(imports) == table[app], f"docs/ARCHITECTURE.md lists {app} -> {table[app] - set(imports)} unused"


def test_courses_imports_neither_predictions_wagering_nor_billing():
    assert not {"predictions", "wagering", "billing"} & set(imported_apps("courses"))


def test_the_scan_sees_an_import_hidden_inside_a_function(tmp_path, monkeypatch):
    module = tmp_path / "courses" / "late.py"
    module.parent.mkdir()
    module.write_text("def settle():\n    from wagering.tasks import settle_bets\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert imported_apps("courses") == {"wagering": {"courses/late.py"}}


def test_no_app_hides_an_import_of_the_project_inside_a_function():
    """Import circles are untied, not hidden: a project import inside a function is allowed only in an app's
    ``ready()`` (which registers checks, signal receivers)."""
    hidden = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "tests" in path.relative_to(ROOT / app).parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for function in (
                node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            ):
                if function.name == "ready":
                    continue
                for node in ast.walk(function):
                    module = node.module if isinstance(node, ast.ImportFrom) else None
                    names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [module or ""]
                    relative = isinstance(node, ast.ImportFrom) and node.level > 0
                    if isinstance(node, ast.Import | ast.ImportFrom) and (
                        relative or any(name.split(".")[0] in APPS for name in names)
                    ):
                        hidden.append(f"{path.relative_to(ROOT)}:{node.lineno} in {function.name}()")
    assert not hidden, f"imports of the project inside functions: {hidden}"
