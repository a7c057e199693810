"""The layout's rules, checked on the import graph (grimp reads every import statement,
those inside functions included): no cycles, dependencies one way, small modules."""

import sys
import textwrap
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIGURATION = "statuspage"
APPS = ["incidents", "subscribers", "integrations"]
# Infrastructure the apps build on; it knows no app.
INFRASTRUCTURE = ["public_store", "worker", "health", "staff", "throttling"]
PACKAGES = [CONFIGURATION, *APPS, *INFRASTRUCTURE]
MAX_LINES = 400


def import_cycles(graph) -> list[list[str]]:
    """Every set of modules that import each other in a circle (Tarjan's algorithm)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while not component or component[-1] != module:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def imports_between(graph, importer: str, imported: str) -> list[str]:
    """`module -> module (line)` for each import from package `importer` into `imported`."""
    found = graph.find_matching_direct_imports(
        import_expression=f"{importer}.** -> {imported}.**"
    ) + graph.find_matching_direct_imports(import_expression=f"{importer}.** -> {imported}")
    return sorted(f"{i['importer']} -> {i['imported']}" for i in found)


@pytest.fixture(scope="module")
def graph():
    sys.path.insert(0, str(ROOT))
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def test_no_module_imports_another_that_imports_it_back(graph):
    assert import_cycles(graph) == []


@pytest.mark.parametrize("listener", ["subscribers", "integrations"])
def test_incidents_never_imports_the_apps_that_use_it(graph, listener):
    # incidents announces (incidents.signals); subscribers listens in its ready(), and
    # integrations keeps its links to incidents on its own side.
    assert imports_between(graph, "incidents", listener) == []


@pytest.mark.parametrize("package", [*APPS, *INFRASTRUCTURE])
def test_no_app_imports_the_configuration(graph, package):
    assert imports_between(graph, package, CONFIGURATION) == []


@pytest.mark.parametrize("package", INFRASTRUCTURE)
def test_infrastructure_knows_no_app(graph, package):
    assert [line for app in APPS for line in imports_between(graph, package, app)] == []


def test_no_module_is_over_400_lines():
    modules = [
        path
        for package in [*PACKAGES, "tests", "bench"]
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    ]
    long = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_checks_find_a_cycle_and_a_forbidden_import(tmp_path, monkeypatch):
    # The checks themselves can fail: a made-up project that breaks both rules.
    for name, source in {
        "incidents/__init__.py": "",
        "incidents/a.py": "def f():\n    from incidents import b\n",
        "incidents/b.py": "from incidents import a\nimport subscribers.c\n",
        "subscribers/__init__.py": "",
        "subscribers/c.py": "",
    }.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    for package in ("incidents", "subscribers"):
        monkeypatch.delitem(sys.modules, package, raising=False)
    made_up = grimp.build_graph("incidents", "subscribers", cache_dir=None)
    assert import_cycles(made_up) == [["incidents.a", "incidents.b"]]
    assert imports_between(made_up, "incidents", "subscribers") == ["incidents.b -> subscribers.c"]
