"""The ``interview`` command (placeholder until the interview lands; see issue 3)."""

from __future__ import annotations

import typer

from .cli_common import fail


def interview(ctx: typer.Context) -> None:
    """Interactive interview (not built yet)."""
    raise fail("the interview is not available in this build yet")
