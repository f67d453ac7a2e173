"""The input model of a contract (施工合同): the pydantic models its data file is checked by,
imported when such a file is read (a command that only reads the archive never imports them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from docgen.kinds.common import (
    MAX_DECIMALS,
    MAX_MATERIALS,
    MAX_PAYMENTS,
    MAX_RATE_DECIMALS,
    _positive,
    bounded,
)
from docgen.kinds.fields import (
    Amount,
    Day,
    Line,
    Money,
    OptionalParagraph,
    Paragraph,
    RateAmount,
    Strict,
    Text,
    lines_of,
)

Positive = Annotated[Money, AfterValidator(_positive)]
Percent = Annotated[Amount, AfterValidator(_positive), AfterValidator(bounded(Decimal(100), MAX_DECIMALS))]


class Payment(Strict):
    stage: Text
    percent: Percent


class Material(Strict):
    name: Text
    spec: Line = ""
    supplied_by: Literal["甲方", "乙方"]
    quantity: Line = ""  # 数量, for the 甲供材料清单 ("约 40 ㎡")
    delivery: Line = ""  # 进场时间 of a 甲方 material ("泥瓦工程进场前三日")


class ContractInput(Strict):
    project: Text
    quote: Annotated[str, Field(pattern=r"^[A-Z]{2,4}-\d{4}-\d{3,}$")] | None = None
    price: Positive | None = None
    sign_date: Day
    start_date: Day
    duration_days: Annotated[int, Field(gt=0, le=1000)]
    payments: Annotated[list[Payment], Field(min_length=1, max_length=MAX_PAYMENTS)]
    penalty_rate_per_day: Annotated[
        RateAmount, Field(ge=0, le=Decimal("0.05")), AfterValidator(bounded(Decimal("0.05"), MAX_RATE_DECIMALS))
    ] | None = None
    dispute: Literal["仲裁", "诉讼"] = "仲裁"
    scope: OptionalParagraph = ""
    materials: Annotated[list[Material], Field(max_length=MAX_MATERIALS)] = []
    drawings: lines_of(Text) = []  # type: ignore[valid-type]  # 设计图纸 of the annex, by name
    special_terms: lines_of(Paragraph) = []  # type: ignore[valid-type]
