"""Kept only while ``batch.py`` imports ``plan_for`` from here: it becomes
``from .engine import compiled_pack`` when the batch rewrite lands; then delete this file."""

from .engine import compiled_pack as plan_for

__all__ = ["plan_for"]
