"""Document kinds: input model, derived values, template and life cycle per kind."""

from __future__ import annotations

KINDS = ("quote", "contract")
TITLES = {"quote": "装修工程报价单", "contract": "家庭居室装饰装修工程施工合同"}
