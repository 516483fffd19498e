"""Generated CRMs whose truth is known: planted role and person effects, and traps.

Outcomes are drawn from a logistic model: base log-odds, plus the effect of
each role and person present, plus the effect of deal size. Everything is
seeded, so that a test sees the same world every run.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class RoleSpec:
    """A committee seat filled by a title; presence may depend on deal size."""

    title: str
    presence_small: float
    presence_large: float | None = None
    effect: float = 0.0  # log-odds added to the win chance when present
    industries: tuple[str, ...] | None = None  # where it has its effect (None: everywhere)
    industry_presence: tuple[tuple[str, float], ...] = ()  # presence overrides by industry

    def presence(self, industry: str, large: bool) -> float:
        if large and self.presence_large is not None:
            return self.presence_large
        return dict(self.industry_presence).get(industry, self.presence_small)


@dataclass(frozen=True)
class PersonSpec:
    """A named outsider who sits in a share of all deals."""

    id: str
    name: str
    title: str
    presence: float
    effect: float = 0.0
    audience: int | None = None
    account_id: str = "ext-firm"
    email: str | None = None
    stance: str = "neutral"
    home_only: bool = False  # sits only in deals of `account_id` (a customer's own person)


@dataclass
class World:
    seed: int = 7
    deals: int = 600
    industries: tuple[str, ...] = ("Financial Services", "Healthcare")
    regions: tuple[str, ...] = ("EMEA", "AMER")
    accounts_per_segment: int = 12
    base_logodds: float = 0.0
    large_share: float = 0.4
    large_effect: float = 0.0  # log-odds of large deals relative to small ones
    roles: tuple[RoleSpec, ...] = ()
    people: tuple[PersonSpec, ...] = ()
    start: date = date(2024, 1, 1)
    span_days: int = 700
    truth: dict[str, Any] = field(default_factory=dict)

    def generate(self) -> list[dict[str, Any]]:
        rng = random.Random(self.seed)
        accounts = [
            {"id": f"acc-{i}-{r}-{k}", "name": f"{ind} {reg} {k}", "industry": ind, "region": reg}
            for i, ind in enumerate(self.industries)
            for r, reg in enumerate(self.regions)
            for k in range(self.accounts_per_segment)
        ]
        deals = []
        for n in range(self.deals):
            account = rng.choice(accounts)
            large = rng.random() < self.large_share
            amount = round(
                rng.uniform(200_000, 900_000) if large else rng.uniform(5_000, 60_000), 2
            )
            logit = self.base_logodds + (self.large_effect if large else 0.0)
            participants = []
            for k, spec in enumerate(self.roles):
                if rng.random() >= spec.presence(account["industry"], large):
                    continue
                if spec.industries is None or account["industry"] in spec.industries:
                    logit += spec.effect
                participants.append(
                    {
                        "person": {
                            "id": f"{account['id']}-r{k}",
                            "name": f"Person {k} of {account['id']}",
                            "title": spec.title,
                        },
                        "deal_role": "influencer",
                        "stance": "neutral",
                    }
                )
            for spec in self.people:
                if spec.home_only and account["id"] != spec.account_id:
                    continue
                if rng.random() >= spec.presence:
                    continue
                logit += spec.effect
                person = {
                    "id": spec.id,
                    "name": spec.name,
                    "title": spec.title,
                    "account_id": spec.account_id,
                    "audience": spec.audience,
                }
                if spec.email:
                    person["email"] = spec.email
                participants.append(
                    {"person": person, "deal_role": "influencer", "stance": spec.stance}
                )
            won = rng.random() < 1 / (1 + math.exp(-logit))
            created = self.start + timedelta(days=rng.randrange(self.span_days))
            closed = created + timedelta(days=rng.randrange(10, 120))
            deals.append(
                {
                    "id": f"deal-{n:05d}",
                    "name": f"Deal {n}",
                    "account": account,
                    "amount": amount,
                    "currency": "EUR",
                    "stage": "Closed Won" if won else "Closed Lost",
                    "outcome": "won" if won else "lost",
                    "created_at": created.isoformat(),
                    "closed_at": closed.isoformat(),
                    "participants": participants,
                }
            )
        return deals


def ingest(client: Any, deals: list[dict[str, Any]], batch: int = 500) -> None:
    for start in range(0, len(deals), batch):
        response = client.post("/v1/ingest/deals", json={"deals": deals[start : start + batch]})
        assert response.status_code == 200, response.text
        assert response.json()["rejected"] == []


def as_closed_deals(deals: list[dict[str, Any]]) -> list[Any]:
    """The world as the stores would hand it to the analytics (no store involved)."""
    from graph.models import ClosedDeal, SeatSummary, committee_role
    from ingest.batches import prepare_deals

    out = []
    for record in prepare_deals(deals).records:
        if record.deal.outcome == "open":
            continue
        people = {p.id: p for p in record.people}
        seats = []
        for seat in record.seats:
            person = people[seat.person_id]
            external = seat.external or (
                person.account_id is not None and person.account_id != record.deal.account_id
            )
            seats.append(
                SeatSummary(
                    seat.person_id,
                    committee_role(person.role, external, person.external_kind),
                    external,
                )
            )
        out.append(
            ClosedDeal(
                id=record.deal.id,
                account_id=record.deal.account_id,
                won=record.deal.outcome == "won",
                amount=record.deal.amount,
                closed_at=record.deal.closed_at,
                industry=record.account.industry,
                region=record.account.region,
                seats=tuple(sorted(seats, key=lambda s: s.person_id)),
            )
        )
    return out
