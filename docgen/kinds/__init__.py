"""Document kinds: input model, derived values, template and life cycle per kind."""

from __future__ import annotations

KINDS = ("quote", "contract", "rectification", "acceptance", "warranty")
