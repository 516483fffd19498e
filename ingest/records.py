"""The shapes in which deals and contacts arrive (HTTP bodies, JSONL lines), with their rules.

Every record is validated on its own, so that one bad record in a batch is
rejected with its failing fields while the others still go in.
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from graph.models import DEAL_ROLES


def _no_control_chars(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


RecordId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_chars),
]
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_chars),
]
LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(_no_control_chars),
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("is not an e-mail address")
    return value


Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)
]

# Salesforce and HubSpot picklist labels, folded to lower case with spaces, onto the
# buying roles of docs/architecture.md, "The domain".
_DEAL_ROLE_SYNONYMS = {
    "business user": "end_user",
    "user": "end_user",
    "technical buyer": "technical_evaluator",
    "evaluator": "technical_evaluator",
    "budget holder": "economic_buyer",
    "economic decision maker": "economic_buyer",
    "legal and compliance": "legal",
    "other": "other",
    "decision maker": "decision_maker",
    "executive sponsor": "executive_sponsor",
}


@lru_cache(maxsize=4096)
def normalise_deal_role(value: str | None) -> str:
    """Map a CRM's buying-role label onto a buying role; unknown labels become `other`.

    Cached: a CRM uses a handful of labels, met again in every seat of an import."""
    text = str(value or "").strip().lower().replace("-", " ").replace("_", " ")
    if not text:
        return "other"
    snake = text.replace(" ", "_")
    if snake in DEAL_ROLES:
        return snake
    return _DEAL_ROLE_SYNONYMS.get(text, "other")


def _stance(value: object) -> object:
    if isinstance(value, str):
        return _fold_stance(value)
    return value if value is not None else "unknown"


@lru_cache(maxsize=1024)
def _fold_stance(value: str) -> str:
    folded = value.strip().lower()
    return {"sceptical": "skeptical", "supporter": "supportive", "": "unknown"}.get(folded, folded)


class AccountIn(BaseModel):
    """The customer organisation a deal is for."""

    model_config = ConfigDict(extra="ignore")

    id: RecordId
    name: LongText | None = None
    industry: ShortText | None = Field(default=None, examples=["Financial Services"])
    region: ShortText | None = Field(default=None, examples=["EMEA"])
    country: ShortText | None = Field(default=None, examples=["DE"])
    employees: int | None = Field(default=None, ge=0, le=10_000_000)


class PersonIn(BaseModel):
    """A contact. `account_id` is their employer; left out in a deal, it is the deal's account."""

    model_config = ConfigDict(extra="ignore")

    id: RecordId
    name: LongText | None = None
    email: Email | None = None
    title: LongText | None = Field(default=None, examples=["VP Finance"])
    account_id: RecordId | None = None
    external_kind: Literal["consultant", "analyst", "partner", "integrator", "advisor"] | None = (
        Field(default=None, description="Set for an outsider (consultant, analyst, ...).")
    )
    audience: int | None = Field(
        default=None, ge=0, le=10_000_000_000, description="Follower count; shown, never ranked."
    )


class ParticipantIn(BaseModel):
    """A person's seat in one deal's buying decision."""

    model_config = ConfigDict(extra="ignore")

    person: PersonIn
    deal_role: Annotated[str | None, AfterValidator(normalise_deal_role)] = Field(
        default="other", max_length=100, examples=["economic_buyer"]
    )
    stance: Annotated[
        Literal["champion", "supportive", "neutral", "skeptical", "blocker", "unknown"],
        BeforeValidator(_stance),
    ] = "unknown"


class DealIn(BaseModel):
    """A deal (opportunity) with its account and the people who sat in its decision."""

    model_config = ConfigDict(extra="ignore")

    id: RecordId
    name: LongText | None = None
    account: AccountIn
    amount: float | None = Field(default=None, ge=0, le=1e13)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")] | None = None
    stage: ShortText | None = None
    outcome: Literal["won", "lost", "open"]
    created_at: date | None = None
    closed_at: date | None = None
    product: ShortText | None = None
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> DealIn:
        if self.amount is not None and not math.isfinite(self.amount):
            raise ValueError("amount must be a finite number")
        return self

    @property
    def closed_before_created(self) -> bool:
        """What the CRM says is kept (back-filled and migrated deals are full of it):
        the deal goes in, and its batch answers a warning."""
        return bool(self.created_at and self.closed_at and self.closed_at < self.created_at)
