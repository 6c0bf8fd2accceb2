"""Docs that cannot drift: every command has help and is documented."""

from __future__ import annotations

from click.testing import CliRunner
from conftest import REPO

from cdtext.cli import main


def test_every_command_has_help_and_is_documented() -> None:
    docs = (REPO / "README.md").read_text() + "".join(p.read_text() for p in (REPO / "docs").glob("*.md"))
    for name, command in main.commands.items():
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help and len(command.help) > 20, f"{name} needs a docstring"
        assert f"cdtext {name}" in docs, f"`cdtext {name}` is not documented in README.md or docs/"
        for sub in [command, *getattr(command, "commands", {}).values()]:
            for param in sub.params:
                for opt in getattr(param, "opts", []):
                    if opt.startswith("--") and opt not in ("--help",):
                        assert opt in docs, f"{name} {opt} is not documented"


def test_readme_opens_with_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text()
    blocks = [b.split("```", 1)[0].strip() for b in readme.split("```bash")[1:3]]
    assert blocks[0].startswith("pip install . && cdtext ")
    assert blocks[1] == "pip install '.[test]' && python -m pytest"
    ci = (REPO / ".ci" / "run").read_text()
    assert blocks[1] in ci


def test_every_option_the_readme_shows_exists() -> None:
    """The reverse direction: an option in the README's command table is one the command accepts."""
    import re

    readme = (REPO / "README.md").read_text()
    rows = re.findall(r"^\| `cdtext (\w+) ([^`]*)` \|", readme, flags=re.M)
    assert sorted(name for name, _ in rows) == sorted(main.commands), "the command table lists every command once"
    for name, usage in rows:
        command = main.commands[name]
        commands = [command, *getattr(command, "commands", {}).values()]  # a group: its subcommands' options
        accepted = {opt for c in commands for param in c.params for opt in getattr(param, "opts", [])}
        for opt in re.findall(r"(?<![\w-])--[a-z][a-z-]*", usage):
            assert opt in accepted, f"README shows `cdtext {name} {opt}`, which the command does not accept"
