"""A person: their deals and merged ids; and erasure, which forgets them entirely."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from app.deps import IngestPrincipalDep, ReadTenantDep, StoreDep
from app.schemas import MergedFromOut, PersonDealOut, PersonOut, PersonProfileOut, Problem
from graph.errors import NotFound

router = APIRouter(prefix="/v1/people", tags=["people"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    404: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}
PersonIdPath = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("/{person_id}", response_model=PersonProfileOut, responses=ERRORS)
def person_profile(
    person_id: PersonIdPath, tenant: ReadTenantDep, store: StoreDep
) -> PersonProfileOut:
    """A person with the deals they sat in and the ids merged into them. An id that was
    merged into another person answers that person."""
    target = store.alias_target(tenant, person_id) or person_id
    found = store.people(tenant, [target]).get(target)
    if found is None:
        raise NotFound("person", person_id)
    return PersonProfileOut(
        person=PersonOut.of(found),
        deals=[
            PersonDealOut(
                deal_id=s.deal_id, account_id=s.account_id, outcome=s.outcome, external=s.external
            )
            for s in store.seats_of(tenant, [target])
        ],
        merged_from=[
            MergedFromOut(id=m.alias_id, reason=m.reason) for m in store.merged_into(tenant, target)
        ],
    )


@router.delete("/{person_id}", status_code=204, responses=ERRORS)
def erase_person(
    person_id: PersonIdPath, principal: IngestPrincipalDep, store: StoreDep
) -> Response:
    """Forget a person: their record, seats, mentions and merged ids go; their name and
    e-mail are redacted in stored notes and evidence; rankings stop counting them. An
    audit entry without personal data remains. A second call answers 404."""
    report = store.erase_person(principal.tenant, person_id, principal.key_id)
    if report is None:
        raise NotFound("person", person_id)
    return Response(status_code=204)
