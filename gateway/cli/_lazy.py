"""A command group whose commands are imported when they are used, not when it starts.

The commands of ``ssgw`` reach the whole gateway: the store and its SQLAlchemy, the node and
its web server, the console. Imported at start, they cost about two seconds before any
command runs. Here each command is named with the module that defines it and the line the
command list shows, so ``ssgw --help`` imports none of them, and ``ssgw validate`` imports
only what validating needs: a module is imported the first time its command is looked up.

A command is either a :class:`typer.Typer` (a group: ``ssgw pki init``) or a function
(a command: ``ssgw validate``). Either is built by typer as it would build it in place, with
plain help, as the root group has.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
import typer.core
import typer.main

# typer builds its commands on a copy of click it carries; these are that copy's classes.
from typer._click import Command, Context, HelpFormatter

__all__ = ["Lazy", "LazyCommands", "LazyGroup"]

#: A passthrough command takes its arguments unparsed, --help included, for another parser.
_PASSTHROUGH: dict[str, Any] = {
    "context_settings": {"ignore_unknown_options": True, "allow_extra_args": True},
    "add_help_option": False,
}


@dataclass(frozen=True, slots=True)
class Lazy:
    """A command defined in another module.

    ``target`` is ``"module:attribute"``, the module's name relative to this package when it
    starts with a dot (``"._pki:pki_app"``). ``summary`` is the command's line in the command
    list; for a group it is also the group's help, while a command keeps its docstring as
    its help. A ``passthrough`` command gets every argument after its name unparsed.
    """

    name: str
    target: str
    summary: str
    passthrough: bool = False

    def load(self) -> Command:
        module, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module, __package__), attribute)
        holder = typer.Typer(rich_markup_mode=None, add_completion=False)
        if isinstance(found, typer.Typer):
            holder.add_typer(found, name=self.name, help=self.summary)
        else:
            options = _PASSTHROUGH if self.passthrough else {}
            holder.command(self.name, short_help=self.summary, **options)(found)
        return typer.main.get_group(holder).commands[self.name]


class LazyCommands(MutableMapping[str, Command]):
    """A group's commands by name: every name is known at once, each command is imported and
    built the first time it is asked for."""

    def __init__(self, built: Mapping[str, Command], lazy: Sequence[Lazy]) -> None:
        self._lazy = {entry.name: entry for entry in lazy if entry.name not in built}
        self._built = dict(built)

    def summary(self, name: str, limit: int) -> str:
        """The command's line in the command list, without importing it."""
        if name in self._lazy:
            return self._lazy[name].summary
        return self._built[name].get_short_help_str(limit)

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            self._built[name] = self._lazy.pop(name).load()
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._lazy.pop(name, None)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if self._lazy.pop(name, None) is None:
            del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._built
        yield from self._lazy

    def __len__(self) -> int:
        return len(self._built) + len(self._lazy)

    def __contains__(self, name: object) -> bool:
        return name in self._built or name in self._lazy


class LazyGroup(typer.core.TyperGroup):
    """A typer group that also holds the commands of :attr:`lazy`, each imported when used.

    A subclass names its commands in ``lazy``; typer builds the group from a
    ``typer.Typer(cls=...)`` as usual.
    """

    lazy: ClassVar[Sequence[Lazy]] = ()

    def __init__(self, **attributes: Any) -> None:
        super().__init__(**attributes)
        self.commands = self._commands = LazyCommands(self.commands, self.lazy)

    def list_commands(self, ctx: Context) -> list[str]:
        # typer's own walks the commands' values, which would import every one.
        return list(self.commands)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        with formatter.section("Commands"):
            formatter.write_dl([(name, self._commands.summary(name, limit)) for name in names])
