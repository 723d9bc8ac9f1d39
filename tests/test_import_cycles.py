"""Modules import one another one way only: no cycle hidden behind a lazy import
(loader~pack_cache~scenarios and batch~batch_compare were two)."""

from __future__ import annotations

import ast
from pathlib import Path

import parole_screen

PACKAGE = Path(parole_screen.__file__).parent
PACK_MODULES = {"facts", "loader", "models", "pack", "pack_cache", "pack_expand", "report",
                "safeyaml", "scenarios", "schema"}


def imports_of(path: Path) -> set[str]:
    """The package modules ``path`` imports, at module level or inside a function."""
    package_parts = path.relative_to(PACKAGE).parent.parts
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package_parts[:len(package_parts) - node.level + 1])
            if node.module:
                found.add(".".join([*base, *node.module.split(".")]))
            else:
                found.update(".".join([*base, alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                alias.name for alias in node.names]
            found.update(name.removeprefix("parole_screen.") for name in names
                         if name.startswith("parole_screen."))
    return found


def module_graph() -> dict[str, set[str]]:
    modules = {".".join(path.relative_to(PACKAGE).with_suffix("").parts): path
               for path in PACKAGE.rglob("*.py")}
    modules = {name.removesuffix(".__init__"): path for name, path in modules.items()}

    def known(name: str) -> str | None:
        while name and name not in modules:  # `from .x import y` where y is a name in x
            name = name.rpartition(".")[0]
        return name or None

    return {name: {found for imported in imports_of(path)
                   if (found := known(imported)) and found != name}
            for name, path in modules.items()}


def cycle_through(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, trail = stack.pop()
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return [*trail, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*trail, nxt]))
    return None


def test_the_graph_sees_lazy_imports() -> None:
    graph = module_graph()
    assert "loader" in graph["__init__"]  # imported only inside `if TYPE_CHECKING:`
    assert {"conditions", "pack_cache", "pack_expand", "safeyaml"} <= graph["loader"]
    assert cycle_through("a", {"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_through("a", {"a": {"b"}, "b": set()}) is None


def test_no_pack_module_is_in_an_import_cycle() -> None:
    graph = module_graph()
    cycles = {name: cycle for name in sorted(PACK_MODULES)
              if (cycle := cycle_through(name, graph))}
    assert cycles == {}


def test_no_module_of_the_package_is_in_an_import_cycle() -> None:
    graph = module_graph()
    cycles = {name: cycle for name in sorted(graph) if (cycle := cycle_through(name, graph))}
    assert cycles == {}
