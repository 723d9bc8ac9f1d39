"""The ``batch`` command (placeholder until batch scoring lands; see issue 4)."""

from __future__ import annotations

import typer

from .cli_common import fail


def batch(ctx: typer.Context) -> None:
    """Score many records (not built yet)."""
    raise fail("batch scoring is not available in this build yet")
