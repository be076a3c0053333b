"""The command table: every declared handler exists, and the parser is built from the table."""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from closeout.cli import build_parser
from closeout.cli.commands import COMMANDS, Command, arg
from closeout.cli.output import emit
from closeout.cli.references import load
from closeout.cli.search import STATE_FILTER

CLI_DIR = Path(__file__).resolve().parents[3] / "src" / "closeout" / "cli"


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_declared_handler_is_a_function_of_its_module(command: Command) -> None:
    module, _, name = command.handler.partition(":")
    handler = load(command.handler)
    assert callable(handler) and handler.__module__ == module and handler.__name__ == name


def test_the_state_filter_reference_names_a_function() -> None:
    assert callable(load(STATE_FILTER))


def test_load_returns_the_named_attribute() -> None:
    assert load("closeout.cli.output:emit") is emit


def test_the_parser_offers_the_declared_commands_in_order() -> None:
    assert list(subcommands(build_parser())) == [c.name for c in COMMANDS]


def test_parsed_arguments_carry_the_handler_reference_not_the_handler() -> None:
    args = build_parser().parse_args(["search", "income", "--limit", "3"])
    assert args.handler == "closeout.cli.search:cmd_search"
    assert (args.query, args.limit, args.json, args.state) == ("income", 3, False, None)


def test_a_table_of_its_own_builds_a_parser_of_its_own() -> None:
    table = [
        Command("hello", "say hello", "m:f", (arg("name"), arg("--loud", action="store_true")))
    ]
    args = build_parser(table).parse_args(["hello", "ada", "--loud"])
    assert (args.command, args.name, args.loud, args.handler) == ("hello", "ada", True, "m:f")


def test_help_imports_no_handler_module_and_no_pydantic() -> None:
    code = (
        "import sys\n"
        "from closeout.cli import build_parser\n"
        "build_parser().format_help()\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    handlers = {c.handler.partition(":")[0] for c in COMMANDS}
    assert "closeout.cli.commands" in loaded
    assert not loaded & (handlers | {"pydantic", "yaml", "pytest", "closeout.cli.pytest_session"})


def handler_modules() -> list[Path]:
    return sorted(p for p in CLI_DIR.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))


@pytest.mark.parametrize("path", handler_modules(), ids=lambda p: p.name)
def test_no_cli_module_imports_the_cli_package(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert "closeout.cli" not in imported
