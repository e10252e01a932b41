"""The layout of the code: the core (hive/) imports no feature app, and the feature apps
import each other without a loop. Every import counts, at module level or inside a
function (a loop through a function-level import is still a loop); only the imports of an
`if TYPE_CHECKING:` block, which never run, are left out."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FEATURE_APPS = ["grids", "disputes", "partycommittee", "volunteers", "open311", "voice"]


def _imported(source: str) -> set[str]:
    """The top-level packages the module imports (absolute imports; a relative import
    stays inside its own package)."""
    tree = ast.parse(source)
    type_only = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for statement in node.body
        for child in ast.walk(statement)
    }
    names = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _imports_of(package: str) -> dict[str, set[Path]]:
    """{feature app: the modules of `package` that import it}, migrations left out."""
    found: dict[str, set[Path]] = {}
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for name in _imported(path.read_text(encoding="utf-8")) & set(FEATURE_APPS) - {package}:
            found.setdefault(name, set()).add(path.relative_to(ROOT))
    return found


def test_the_core_imports_no_feature_app():
    assert _imports_of("hive") == {}


def test_feature_apps_do_not_import_each_other_in_a_loop():
    graph = {app: set(_imports_of(app)) for app in FEATURE_APPS}
    cycles = []

    def visit(app, path):
        for target in sorted(graph[app]):
            if target == path[0]:
                cycles.append(" → ".join([*path, target]))
            elif target not in path:
                visit(target, [*path, target])

    for app in FEATURE_APPS:
        visit(app, [app])
    assert cycles == []


def test_imports_inside_functions_count():
    source = (
        "import grids.models\nfrom . import x\n\ndef f():\n    from volunteers.services import y\n"
    )
    assert _imported(source) == {"grids", "volunteers"}
