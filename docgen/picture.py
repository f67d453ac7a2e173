"""A picture for a template field, fitted into a box when rendered (aspect kept)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Picture:
    data: bytes
    max_width_mm: float
    max_height_mm: float
