"""The ``bench`` argument parser's manners: one example per subcommand in ``bench --help``,
and errors that show the subcommand's usage and suggest the name meant ("did you mean").

``bench.cli`` registers each subcommand with :func:`add_command`; :func:`finish` then writes
the top-level list of examples. Nothing here imports more than the standard library.
"""

from __future__ import annotations

import argparse
import difflib
import re

#: How close a misspelt name must be to a valid one to be suggested (difflib's ratio).
SUGGEST_CUTOFF = 0.6


def suggestion(word: str, choices: list[str]) -> str:
    """`` (did you mean --profile?)`` for the closest of ``choices`` to ``word``, else ''."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=SUGGEST_CUTOFF)
    return f" (did you mean {close[0]}?)" if close else ""


class SuggestingParser(argparse.ArgumentParser):
    """An ArgumentParser whose unknown options are reported by the subcommand they were
    given to (its usage, not the top level's), each with the closest valid option."""

    example: str | None = None  # one command line, shown in ``bench --help``

    def subcommands(self) -> dict[str, SuggestingParser]:
        """Name -> parser of each subcommand ({} for a parser without)."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    def option_names(self) -> list[str]:
        """Every option string of this parser (``--profile``, ``-h``, ...)."""
        return [name for action in self._actions for name in action.option_strings]

    def parse_args(self, args=None, namespace=None):
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:
            chosen = self.subcommands().get(getattr(namespace, "command", None) or "", self)
            words = [word + (suggestion(word.split("=")[0], chosen.option_names())
                             if word.startswith("-") else "") for word in extras]
            chosen.error(f"unrecognized arguments: {' '.join(words)}")
        return namespace

    def error(self, message: str):
        invalid = re.search(r"invalid choice: '([^']*)'", message)
        if invalid and self.subcommands() and "did you mean" not in message:
            message += suggestion(invalid.group(1), list(self.subcommands()))
        super().error(message)


def add_command(commands: argparse._SubParsersAction, name: str, help: str,
                example: str, **kwargs: object) -> SuggestingParser:
    """Register subcommand ``name`` with its one-line help and one example command line
    (shown in its own ``--help`` and in ``bench --help``), and ``--verbose``."""
    parser = commands.add_parser(name, help=help, description=help,
                                 epilog=f"example:\n  {example}",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)
    parser.example = example
    add_verbose(parser, default=argparse.SUPPRESS)
    return parser


def add_verbose(parser: argparse.ArgumentParser, default: object = False) -> None:
    """``--verbose``: show the TensorFlow, absl and XLA log lines a normal run hides."""
    parser.add_argument("--verbose", action="store_true", default=default,
                        help="show TensorFlow, absl and XLA log lines (hidden by default)")


def finish(parser: SuggestingParser) -> SuggestingParser:
    """Put every subcommand's example into ``parser``'s epilog, in registration order (one
    registered without :func:`add_command` shows ``bench NAME --help``; a test requires an
    example for each)."""
    lines = ["examples (`bench COMMAND --help` for each command's options):"]
    for name, sub in parser.subcommands().items():
        lines.append(f"  {sub.example or f'bench {name} --help'}")
    parser.epilog = "\n".join(lines)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser
