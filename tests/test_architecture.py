"""Dependencies point down: graph/ and ingest/ never import the HTTP layer."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_graph_and_ingest_do_not_import_app() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for package in ("graph", "ingest")
        for path in (ROOT / package).rglob("*.py")
        for module in imported_modules(path)
        if module == "app" or module.startswith("app.")
    ]
    assert offenders == []
    assert imported_modules(ROOT / "app" / "main.py"), "the check must see imports"


def test_all_cypher_lives_in_one_module() -> None:
    adapter = (ROOT / "graph" / "neo4j" / "store.py").read_text("utf-8")
    for keyword in ("MATCH (", "MERGE (", "UNWIND $"):
        assert keyword not in adapter
