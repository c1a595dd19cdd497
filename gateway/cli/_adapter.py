"""ssgw adapter: the back-office adapters' command, ``ssgw-adapter``, as part of ``ssgw``.

Its arguments go to :func:`ssgw_adapters.cli.main` unparsed, so ``ssgw adapter ARGS`` does
exactly what ``ssgw-adapter ARGS`` does: the same options and help, the same log, the same
one-line errors and exit codes. The adapters are imported only when this command runs.
"""

from __future__ import annotations

import typer

__all__ = ["adapter"]


def adapter(ctx: typer.Context) -> None:
    """Connect a back-office to a gateway node through its REST API (see 'ssgw adapter
    --help')."""
    from ssgw_adapters.cli import main

    raise typer.Exit(main(ctx.args, prog=ctx.command_path))
