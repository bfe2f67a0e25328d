"""The package's import structure: no module imports from a later pipeline stage, and no import cycles.

Every module under src/cobrand is parsed with :mod:`ast` (nothing is imported) and its imports of
``cobrand`` modules form a graph. Each module belongs to one layer of :data:`LAYERS`, lowest first: the
shared data every stage uses, the logo and colour geometry (brand), then the pipeline of
docs/internals.md (load, validate, plan, render, write, report), then what drives it (build and the
commands' libraries), then the interfaces (CLI, dev server). A module may import from its own layer
or an earlier one. Imports under ``if TYPE_CHECKING:`` are annotations only and do not count. Known exceptions are in
:data:`KNOWN_DEBT`, each with its reason; the test also fails when an entry there is no longer needed.
"""

from __future__ import annotations

import ast
from pathlib import Path

from support.example import ROOT

PACKAGE = ROOT / "src" / "cobrand"

# Lowest first. A module's layer is the entry of the longest prefix of its dotted name (without "cobrand.").
LAYERS: dict[str, tuple[str, ...]] = {
    # Shared data and pure helpers with no stage of their own: typed models, errors, values, keys.
    "core": ("errors", "values", "version", "schemas", "models", "sandbox", "outline", "spreadsheet", "tracking",
             "scope", "tokens", "cache", "jobs", "entitlement", "kinds", "hooks", "networks", "languages"),
    # Logo and colour geometry (ink, trim, lockups, palettes) and the brand checks: load measures logos with
    # it, the build checks them with it before rendering, and render draws with it.
    "brand": ("brand",),
    "load": ("load",),
    "validate": ("validate", "personalize"),
    "plan": ("plan", "program"),
    "render": ("render",),
    # freshness: whether a partner's output is up to date, from its manifest and the saved state.
    # roots: a partner's site and hub folders, written together.
    "write": ("write", "freshness", "kept", "roots"),
    "report": ("report", "links", "overview"),
    # What runs the pipeline: the build, its fleet loading, distribution, and the commands' libraries.
    "build": ("build", "partner_build", "orphans", "fleet", "distribute", "check", "coverage", "placeholders",
              "scaffold", "audit", "audit_images", "partners_table"),
    # Interfaces on top: the package's public API, the CLI, the dev server, progress display.
    # plugins: the plugin API for plugin authors, gathered from the stages that call each hook.
    "interface": ("__init__", "cli", "serve", "progress", "plugins"),
}
RANK = {layer: rank for rank, layer in enumerate(LAYERS)}

# Imports that break the layering today, each a piece of known debt with the reason it is still there.
# (importer, imported) by dotted name without "cobrand.".
KNOWN_DEBT: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    """``src/cobrand/render/site.py`` -> ``render.site``; a package's ``__init__.py`` -> its name."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str:
    """The layer of ``module``: the one naming the longest prefix of its dotted name."""
    best, length = None, -1
    for layer, prefixes in LAYERS.items():
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = layer, len(prefix)
    assert best is not None, f"src/cobrand/{module}: in no layer of tests/unit/test_architecture.py's LAYERS: add it"
    return best


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST, type_checking: bool = False) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement except those under ``if TYPE_CHECKING:`` (with ``type_checking``: those too)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if not type_checking and isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _known(name: str) -> str | None:
    """``name`` or its nearest enclosing package among our modules (``cobrand.x.y`` -> ``x.y``)."""
    name = name.removeprefix("cobrand").removeprefix(".") or "__init__"
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, type_checking: bool = False) -> set[str]:
    """The cobrand modules ``module`` imports at run time (``from . import x`` counts as importing ``x``); with
    ``type_checking``, also those it imports for annotations only."""
    path = MODULES[module]
    package = module.split(".")[:-1] if path.name != "__init__.py" or module == "__init__" else module.split(".")
    if module == "__init__":
        package = []
    targets: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"), str(path)), type_checking):
        if isinstance(node, ast.Import):
            bases = [alias.name for alias in node.names if alias.name.split(".")[0] == "cobrand"]
            names: list[str] = []
        else:
            if node.level:
                anchor = package[:len(package) - node.level + 1] if node.level > 1 else package
                base = ".".join(["cobrand", *anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            if base.split(".")[0] != "cobrand":
                continue
            # `from pkg import module` imports that module (pkg is already imported as its parent);
            # `from pkg import name` with a name defined in pkg's __init__ imports pkg itself.
            names = [f"{base}.{alias.name}" for alias in node.names]
            bases = [] if all(name.removeprefix("cobrand.") in MODULES for name in names) else [base]
            names = [name for name in names if name.removeprefix("cobrand.") in MODULES]
        for name in bases + names:
            known = _known(name)
            if known is not None and known != module:
                targets.add(known)
    return targets


GRAPH = {module: imports_of(module) for module in MODULES}
# With the imports made for annotations only: a reader of the code sees those arrows too.
TYPED_GRAPH = {module: imports_of(module, type_checking=True) for module in MODULES}


def test_every_module_has_a_layer() -> None:
    assert {module: layer_of(module) for module in MODULES}


def test_the_import_reader_sees_real_imports() -> None:
    # The graph is read from source: check it against imports we know exist, so a parser bug cannot pass.
    assert "models" in GRAPH["load.partners"]
    assert "errors" in GRAPH["report"]
    assert "render.engine.skeleton" in GRAPH["render.engine.renderers"]
    assert "build" in GRAPH["cli"]


def upward_imports(graph: dict[str, set[str]] = GRAPH) -> dict[tuple[str, str], str]:
    """Every import from a module to one in a later layer: (importer, imported) -> "layer -> layer"."""
    found = {}
    for module, targets in graph.items():
        for target in targets:
            if RANK[layer_of(target)] > RANK[layer_of(module)]:
                found[(module, target)] = f"{layer_of(module)} -> {layer_of(target)}"
    return found


def test_no_module_imports_from_a_later_stage() -> None:
    upward = upward_imports()
    new = {pair: how for pair, how in upward.items() if pair not in KNOWN_DEBT}
    assert not new, "imports from a later stage (move the shared piece to an earlier layer):\n" + "\n".join(
        f"  src/cobrand/{a}: imports {b} ({how})" for (a, b), how in sorted(new.items()))
    paid = sorted(set(KNOWN_DEBT) - set(upward))
    assert not paid, f"no longer debt, remove from KNOWN_DEBT: {paid}"


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in ``graph`` as a list of modules (first repeated at the end), or None. A DFS."""
    state: dict[str, str] = {}  # "active" while on the stack, "done" after
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "active"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "active":
                return [*stack[stack.index(target):], target]
            if target not in state and (cycle := visit(target)) is not None:
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycles() -> None:
    cycle = find_cycle(GRAPH)
    assert cycle is None, "an import cycle: " + " -> ".join(f"src/cobrand/{module}" for module in cycle)


def test_not_even_an_annotation_imports_a_later_stage_or_closes_a_cycle() -> None:
    """Imports under ``if TYPE_CHECKING:`` do not run, but they are arrows between files all the same: a
    stage that names a later stage's types in its annotations depends on it."""
    assert TYPED_GRAPH["render.partner"] >= GRAPH["render.partner"]
    upward = {pair: how for pair, how in upward_imports(TYPED_GRAPH).items() if pair not in KNOWN_DEBT}
    assert not upward, "annotations naming a later stage's types:\n" + "\n".join(
        f"  src/cobrand/{a}: imports {b} ({how})" for (a, b), how in sorted(upward.items()))
    cycle = find_cycle(TYPED_GRAPH)
    assert cycle is None, "an import cycle through annotations: " + " -> ".join(
        f"src/cobrand/{module}" for module in cycle)


def test_imports_for_type_checking_only_do_not_count() -> None:
    source = ("from typing import TYPE_CHECKING\nimport os\n"
              "if TYPE_CHECKING:\n    from cobrand.build import BuildReport\nelse:\n    import json\n"
              "def late():\n    from cobrand.report import BuildReport\n")
    names = [alias.name if isinstance(node, ast.Import) else node.module
             for node in _runtime_imports(ast.parse(source)) for alias in node.names]
    assert names == ["typing", "os", "json", "cobrand.report"]
