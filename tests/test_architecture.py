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


def string_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_all_cypher_lives_in_one_module() -> None:
    cypher = " ".join(string_literals(ROOT / "graph" / "neo4j" / "cypher.py"))
    assert "UNWIND $rows" in cypher, "the check must recognise Cypher"
    for module in ("store.py", "migrations.py"):
        for literal in string_literals(ROOT / "graph" / "neo4j" / module):
            assert not any(k in literal for k in ("MATCH ", "MERGE ", "UNWIND ", "CREATE ")), (
                f"{module}: {literal!r}"
            )
