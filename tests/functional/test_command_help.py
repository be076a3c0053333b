"""Every subcommand's ``--help`` page has a description and examples, and every example is a
command line the parser accepts."""

from __future__ import annotations

import shlex

import pytest

from closeout.cli import build_parser, main
from closeout.cli.commands import COMMANDS
from closeout.cli.pages import PAGES

NAMES = [command.name for command in COMMANDS]


def help_page(name: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main([name, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("name", NAMES)
def test_every_help_page_has_a_description_and_an_example(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    page = help_page(name, capsys)
    command = next(c for c in COMMANDS if c.name == name)
    # the description is a paragraph of its own, not the one-line help again
    assert command.description and command.description != command.help
    assert " ".join(command.description.split()) in " ".join(page.split())
    lines = page.splitlines()
    label = next(i for i, line in enumerate(lines) if line in ("example:", "examples:"))
    examples = [line.strip() for line in lines[label + 1 :] if line.startswith("  ")]
    assert examples and all("closeout" in line for line in examples)


@pytest.mark.parametrize("name", NAMES)
def test_every_example_parses(name: str) -> None:
    parser = build_parser()
    for example in PAGES[name].examples:
        words = shlex.split(example)
        if words[0] != "closeout":  # e.g. eval "$(closeout completion bash)"
            continue
        for end in ("--", ">"):  # what follows `--` is pytest's, `>` the shell's
            if end in words:
                words = words[: words.index(end)]
        args = parser.parse_args(words[1:])
        assert args.command == name
