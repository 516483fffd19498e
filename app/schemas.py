"""HTTP response and request shapes, and their mapping from domain results.

The contract they implement is the README's endpoint table and /openapi.json.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    SerializerFunctionWrapHandler,
    SkipValidation,
    model_serializer,
)

from graph.analytics import LikelyCommittee, PeopleRanking, RoleRanking
from graph.backtest import BacktestResult
from graph.committees import SegmentCommittee
from graph.influence import Direction, Effect
from graph.keys import ApiKey
from graph.marketing import Advocate, Audit, Brief, Spend
from graph.models import Account, Deal, DealCommittee, Person, SegmentFilter, UpsertCounts
from graph.stats import Z95
from ingest.activities import ActivityIn, ActivityIntake
from ingest.batches import Rejection
from ingest.crm.importer import ImportReport, LocatedRejection
from ingest.notes.intake import NoteIn, PreparedNotes
from ingest.outreach import TargetIn
from ingest.records import DealIn, PersonIn


class FieldErrorOut(BaseModel):
    field: str = Field(description="Dotted path of the failing field, e.g. `deals.3.amount`.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="Stable identifier of the kind of problem.")
    title: str
    status: int
    detail: str
    errors: list[FieldErrorOut] | None = None


class RejectedOut(BaseModel):
    index: int = Field(description="Position of the record in the batch.")
    id: str | None
    errors: list[FieldErrorOut]


class IngestResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    rejected: list[RejectedOut]
    warnings: list[RejectedOut] = Field(
        default_factory=list,
        description="Records kept with something odd (e.g. closed_at "
        "before created_at, as back-filled CRM deals have).",
    )

    @model_serializer(mode="wrap")
    def _warnings_only_when_any(self, handler: SerializerFunctionWrapHandler) -> Any:
        """`warnings` appears only when there are some: the ingest answer
        stays as it was for every batch without one."""
        data = handler(self)
        if isinstance(data, dict) and not data.get("warnings"):
            data.pop("warnings", None)
        return data


class LocatedRejectedOut(BaseModel):
    file: str = Field(description="Which uploaded file the row came from.")
    line: int = Field(description="Line of the row in that file (the header is line 1).")
    id: str | None
    errors: list[FieldErrorOut]


class CountsOut(BaseModel):
    created: int
    updated: int
    unchanged: int


class ObjectCountsOut(BaseModel):
    read: int = Field(description="Rows of this object read from the files.")
    created: int
    updated: int
    unchanged: int
    skipped: int = Field(description="Rows left out on purpose (see `skipped`).")
    rejected: int


class FileOut(BaseModel):
    name: str
    rows: int
    encoding: str = Field(description="As detected, e.g. `utf-8`, `utf-8-sig`, `windows-1252`.")
    delimiter: str
    duplicate_columns: list[str] = Field(description="Read from their first occurrence.")


class SkippedOut(BaseModel):
    object: str
    reason: str
    count: int


class CoverageOut(BaseModel):
    """What the imported deals' committees rest on."""

    closed_deals: int
    closed_deals_with_committee: int
    median_committee_size: float | None
    participations: dict[str, int] = Field(description="Seats by source: crm, activity, note.")
    warnings: list[str] = Field(description="Segments with too few committees to rank.")


def _located_out(rows: list[LocatedRejection]) -> list[LocatedRejectedOut]:
    return [
        LocatedRejectedOut(
            file=r.file,
            line=r.line,
            id=r.id,
            errors=[FieldErrorOut(field=e.field, message=e.message) for e in r.errors],
        )
        for r in rows
    ]


class CrmIngestResult(BaseModel):
    """Counts of deals at the top level (as for JSON ingest), of contacts under `people`;
    the import report beside them (`coverage`, decisions.md "Activities and real CRM exports")."""

    created: int
    updated: int
    unchanged: int
    people: CountsOut
    rejected: list[LocatedRejectedOut]
    warnings: list[LocatedRejectedOut] = Field(description="Rows kept with something odd.")
    objects: dict[str, ObjectCountsOut]
    files: list[FileOut]
    skipped_files: list[str] = Field(description="Files of objects the importer does not read.")
    skipped: list[SkippedOut]
    unknown_accounts: int = Field(description="Deals kept on an account marked unknown.")
    coverage: CoverageOut

    @classmethod
    def of(cls, report: ImportReport) -> CrmIngestResult:
        coverage = report.coverage
        return cls(
            created=report.deals.created,
            updated=report.deals.updated,
            unchanged=report.deals.unchanged,
            people=CountsOut(
                created=report.people.created,
                updated=report.people.updated,
                unchanged=report.people.unchanged,
            ),
            rejected=_located_out(report.rejected),
            warnings=_located_out(report.warnings),
            objects={
                name: ObjectCountsOut(**vars(counts)) for name, counts in report.objects.items()
            },
            files=[
                FileOut(
                    name=f.name,
                    rows=f.rows,
                    encoding=f.encoding,
                    delimiter=f.delimiter,
                    duplicate_columns=list(f.duplicate_columns),
                )
                for f in report.files
            ],
            skipped_files=report.skipped_files,
            skipped=[SkippedOut(object=o, reason=r, count=n) for o, r, n in report.skipped],
            unknown_accounts=report.unknown_accounts,
            coverage=CoverageOut(
                closed_deals=coverage.closed_deals,
                closed_deals_with_committee=coverage.closed_with_committee,
                median_committee_size=coverage.median_committee_size,
                participations=coverage.participations,
                warnings=list(coverage.warnings),
            ),
        )


class ActivityBatch(BaseModel):
    """Activities (calls, meetings, e-mails, tasks); validated one by one like deals."""

    activities: list[SkipValidation[ActivityIn]]


class ActivitiesResult(BaseModel):
    """Counts of activities; `notes` counts the notes their text gave."""

    created: int
    updated: int
    unchanged: int
    rejected: list[RejectedOut]
    notes: CountsOut

    @classmethod
    def of(cls, intake: ActivityIntake) -> ActivitiesResult:
        return cls(
            created=intake.counts.created,
            updated=intake.counts.updated,
            unchanged=intake.counts.unchanged,
            rejected=rejected_out(intake.rejected),
            notes=CountsOut(
                created=intake.notes.created,
                updated=intake.notes.updated,
                unchanged=intake.notes.unchanged,
            ),
        )


class DealBatch(BaseModel):
    """Records are validated one by one: an invalid one is rejected, the others go in."""

    source: str = Field(default="api", max_length=50, pattern=r"^[a-z][a-z0-9_-]*$")
    deals: list[SkipValidation[DealIn]] = Field(description="Deals to upsert.")


class NoteBatch(BaseModel):
    """Notes about deals (or accounts); validated one by one."""

    notes: list[SkipValidation[NoteIn]]


class NotePersonOut(BaseModel):
    person: PersonOut
    matched: str = Field(description="`existing` contact, or `new` one created from the note.")
    stance: str
    evidence: str = Field(description="The sentence the stance came from.")


class NoteOut(BaseModel):
    id: str
    people: list[NotePersonOut]


class NotesResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    notes: list[NoteOut]
    rejected: list[RejectedOut]

    @classmethod
    def of(cls, prepared: PreparedNotes, counts: UpsertCounts) -> NotesResult:
        return cls(
            created=counts.created,
            updated=counts.updated,
            unchanged=counts.unchanged,
            notes=[
                NoteOut(
                    id=result.note_id,
                    people=[
                        NotePersonOut(
                            person=PersonOut.of(m.person),
                            matched=m.matched,
                            stance=m.stance,
                            evidence=m.evidence,
                        )
                        for m in result.mentions
                    ],
                )
                for result in prepared.results
            ],
            rejected=rejected_out(prepared.rejected),
        )


class PeopleBatch(BaseModel):
    """Contacts known at accounts; validated one by one like deals."""

    people: list[SkipValidation[PersonIn]]


def rejected_out(rejections: list[Rejection]) -> list[RejectedOut]:
    return [
        RejectedOut(
            index=r.index,
            id=r.id,
            errors=[FieldErrorOut(field=e.field, message=e.message) for e in r.errors],
        )
        for r in rejections
    ]


class PersonOut(BaseModel):
    id: str
    name: str | None
    email: str | None
    title: str | None
    function: str
    seniority: str
    role: str
    account_id: str | None
    external_kind: str | None
    audience: int | None

    @classmethod
    def of(cls, person: Person) -> PersonOut:
        return cls(
            id=person.id,
            name=person.name,
            email=person.email,
            title=person.title,
            function=person.function,
            seniority=person.seniority,
            role=person.role,
            account_id=person.account_id,
            external_kind=person.external_kind,
            audience=person.audience,
        )


class AccountOut(BaseModel):
    id: str
    name: str | None
    industry: str | None
    region: str | None
    country: str | None
    employees: int | None

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls(
            id=account.id,
            name=account.name,
            industry=account.industry,
            region=account.region,
            country=account.country,
            employees=account.employees,
        )


class DealOut(BaseModel):
    id: str
    name: str | None
    account_id: str
    amount: float | None
    currency: str | None
    stage: str | None
    outcome: str
    created_at: str | None
    closed_at: str | None
    product: str | None
    source: str

    @classmethod
    def of(cls, deal: Deal) -> DealOut:
        return cls(
            id=deal.id,
            name=deal.name,
            account_id=deal.account_id,
            amount=deal.amount,
            currency=deal.currency,
            stage=deal.stage,
            outcome=deal.outcome,
            created_at=deal.created_at,
            closed_at=deal.closed_at,
            product=deal.product,
            source=deal.source,
        )


class ParticipantOut(BaseModel):
    person: PersonOut
    role: str = Field(description="Committee role: the person's role, or `external.<kind>`.")
    external: bool
    deal_role: str
    stance: str
    source: str
    evidence: list[str]


class DealCommitteeOut(BaseModel):
    deal: DealOut
    account: AccountOut
    participants: list[ParticipantOut]

    @classmethod
    def of(cls, committee: DealCommittee) -> DealCommitteeOut:
        return cls(
            deal=DealOut.of(committee.deal),
            account=AccountOut.of(committee.account),
            participants=[
                ParticipantOut(
                    person=PersonOut.of(p.person),
                    role=p.role,
                    external=p.external,
                    deal_role=p.deal_role,
                    stance=p.stance,
                    source=p.source,
                    evidence=list(p.evidence),
                )
                for p in committee.participants
            ],
        )


class SegmentOut(BaseModel):
    industry: str | None
    region: str | None
    min_amount: float | None
    max_amount: float | None

    @classmethod
    def of(cls, segment: SegmentFilter) -> SegmentOut:
        return cls(
            industry=segment.industry,
            region=segment.region,
            min_amount=segment.min_amount,
            max_amount=segment.max_amount,
        )


class RolePresenceOut(BaseModel):
    role: str
    deals_present: int
    presence: float = Field(description="Share of the segment's closed deals the role sat in.")


class SegmentCommitteeOut(BaseModel):
    segment: SegmentOut
    deals: int = Field(description="Closed deals behind the answer.")
    roles: list[RolePresenceOut]
    size_distribution: dict[str, int] = Field(description="Committee size → number of deals.")
    median_size: float | None

    @classmethod
    def of(cls, segment: SegmentFilter, committee: SegmentCommittee) -> SegmentCommitteeOut:
        return cls(
            segment=SegmentOut.of(segment),
            deals=committee.deals,
            roles=[
                RolePresenceOut(role=r.role, deals_present=r.deals_present, presence=r.presence)
                for r in committee.roles
            ],
            size_distribution=committee.size_distribution,
            median_size=committee.median_size,
        )


class EvidenceOut(BaseModel):
    """The counts an estimate rests on, the unshrunk estimate, and deals behind it."""

    deal_ids: list[str]
    won_present: int
    lost_present: int
    won_absent: int
    lost_absent: int
    odds_ratio_raw: float | None = Field(description="Size-adjusted odds ratio before shrinkage.")
    interval_raw: list[float] | None


def _finite(x: float) -> float:
    return x if math.isfinite(x) else (1e300 if x > 0 else 0.0)


def _evidence(effect: Effect) -> EvidenceOut:
    raw = effect.raw
    return EvidenceOut(
        deal_ids=list(effect.evidence_ids),
        won_present=effect.won_present,
        lost_present=effect.lost_present,
        won_absent=effect.won_absent,
        lost_absent=effect.lost_absent,
        odds_ratio_raw=_finite(math.exp(raw.mean)) if raw else None,
        interval_raw=[_finite(math.exp(v)) for v in raw.interval()] if raw else None,
    )


class _EffectFields(BaseModel):
    deals_present: int
    presence: float = Field(description="Reach: share of deals present. Reported, never ranked on.")
    win_rate_present: float | None
    win_rate_absent: float | None
    influence: float = Field(
        description="Odds ratio of winning when present, size-adjusted, shrunk."
    )
    interval: list[float] = Field(description="95% interval of `influence`: [low, high].")
    score: float = Field(description="Rank key: shrunk log odds ratio in the asked direction.")
    evidence: EvidenceOut


def _effect_fields(effect: Effect, direction: Direction) -> dict[str, Any]:
    low = effect.estimate.mean - Z95 * effect.estimate.se
    high = effect.estimate.mean + Z95 * effect.estimate.se
    return {
        "deals_present": effect.deals_present,
        "presence": effect.presence,
        "win_rate_present": effect.win_rate_present,
        "win_rate_absent": effect.win_rate_absent,
        "influence": _finite(math.exp(effect.estimate.mean)),
        "interval": [_finite(math.exp(low)), _finite(math.exp(high))],
        "score": effect.score(direction),
        "evidence": _evidence(effect),
    }


class RoleItem(_EffectFields):
    role: str
    function: str
    seniority: str


class RoleRankingOut(BaseModel):
    segment: SegmentOut
    deals: int
    direction: Direction
    items: list[RoleItem]

    @classmethod
    def of(cls, ranking: RoleRanking, direction: Direction) -> RoleRankingOut:
        items = []
        for effect in ranking.items:
            seniority, _, function = effect.key.partition(".")
            items.append(
                RoleItem(
                    role=effect.key,
                    function=function,
                    seniority=seniority,
                    **_effect_fields(effect, direction),
                )
            )
        return cls(
            segment=SegmentOut.of(ranking.segment),
            deals=ranking.deals,
            direction=direction,
            items=items,
        )


class PersonRef(BaseModel):
    id: str
    name: str | None
    title: str | None
    role: str
    account_id: str | None


class PersonItem(_EffectFields):
    person: PersonRef
    roles: list[str] = Field(description="Committee roles the person held in these deals.")
    accounts: int = Field(description="Distinct accounts whose deals the person sat in.")
    external: bool = Field(description="Sat in a deal for an account that does not employ them.")
    audience: int | None = Field(description="Follower count as given; never used for ranking.")
    bridging: float | None = Field(
        description="Betweenness in the who-sat-with-whom graph of the segment (networkx): "
        "how much this person links otherwise separate committees. Not in the rank key; "
        "only with `graph=true`."
    )


class PeopleRankingOut(BaseModel):
    segment: SegmentOut
    deals: int
    direction: Direction
    items: list[PersonItem]

    @classmethod
    def of(cls, ranking: PeopleRanking, direction: Direction) -> PeopleRankingOut:
        items = [
            PersonItem(
                person=PersonRef(
                    id=i.person.id,
                    name=i.person.name,
                    title=i.person.title,
                    role=i.person.role,
                    account_id=i.person.account_id,
                ),
                roles=list(i.roles),
                accounts=i.accounts,
                external=i.external,
                audience=i.person.audience,
                bridging=i.bridging,
                **_effect_fields(i.effect, direction),
            )
            for i in ranking.items
        ]
        return cls(
            segment=SegmentOut.of(ranking.segment),
            deals=ranking.deals,
            direction=direction,
            items=items,
        )


class LikelyRoleOut(BaseModel):
    role: str
    probability: float = Field(description="Chance the role takes part, from similar deals.")
    deals_present: int = Field(description="Similar closed deals the role sat in.")
    contacts: list[PersonRef] = Field(description="Known people at the account who fill it.")
    engaged: bool = Field(description="One of them already sits in the deal (or the account).")


class GapOut(BaseModel):
    role: str
    probability: float
    won_present: int = Field(description="Similar won deals the role sat in …")
    won_deals: int = Field(description="… out of this many similar won deals.")
    detail: str


class WarmPathOut(BaseModel):
    person: PersonRef
    kind: str = Field(description="`won_elsewhere` or `segment_influencer`.")
    deal_ids: list[str]
    influence: float | None


class LikelyCommitteeOut(BaseModel):
    account: AccountOut
    deal_id: str | None
    basis: str = Field(description="The group of similar deals the answer rests on.")
    deals: int = Field(description="Similar closed deals behind the answer.")
    expected_size: float | None
    roles: list[LikelyRoleOut]
    gaps: list[GapOut]
    warm_paths: list[WarmPathOut]

    @classmethod
    def of(cls, likely: LikelyCommittee) -> LikelyCommitteeOut:
        return cls(
            account=AccountOut.of(likely.account),
            deal_id=likely.deal_id,
            basis=likely.basis,
            deals=likely.deals,
            expected_size=likely.expected_size,
            roles=[
                LikelyRoleOut(
                    role=r.chance.role,
                    probability=r.chance.probability,
                    deals_present=r.chance.deals_present,
                    contacts=[_ref(c) for c in r.contacts],
                    engaged=r.engaged,
                )
                for r in likely.roles
            ],
            gaps=[
                GapOut(
                    role=g.role,
                    probability=g.probability,
                    won_present=g.won_present,
                    won_deals=g.won_deals,
                    detail=f"no {g.role} engaged; one sat in {g.won_present} of "
                    f"{g.won_deals} won deals like this",
                )
                for g in likely.gaps
            ],
            warm_paths=[
                WarmPathOut(
                    person=_ref(w.person),
                    kind=w.kind,
                    deal_ids=list(w.deal_ids),
                    influence=w.influence,
                )
                for w in likely.warm_paths
            ],
        )


def _ref(person: Person) -> PersonRef:
    return PersonRef(
        id=person.id,
        name=person.name,
        title=person.title,
        role=person.role,
        account_id=person.account_id,
    )


def _iso_date_only(value: object) -> object:
    """A date as text (2025-07-10); a bare number is not taken for a Unix timestamp."""
    if not isinstance(value, str | date):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


class BacktestIn(BaseModel):
    as_of: Annotated[date, BeforeValidator(_iso_date_only)] = Field(
        description="Learn from deals closed before, predict those after (YYYY-MM-DD)."
    )
    k: int = Field(default=3, ge=1, le=20, description="How many roles each method predicts.")


class MetricsOut(BaseModel):
    precision_at_k: float | None
    recall_at_k: float | None
    auc: float | None
    brier: float | None


class BacktestOut(BaseModel):
    as_of: str
    deals_history: int
    deals_evaluated: int
    k: int
    metrics: dict[str, MetricsOut] = Field(
        description="`model`, `baseline_frequency`, `baseline_reach`."
    )

    @classmethod
    def of(cls, result: BacktestResult) -> BacktestOut:
        return cls(
            as_of=result.as_of,
            deals_history=result.deals_history,
            deals_evaluated=result.deals_evaluated,
            k=result.k,
            metrics={
                name: MetricsOut(
                    precision_at_k=m.precision_at_k,
                    recall_at_k=m.recall_at_k,
                    auc=m.auc,
                    brier=m.brier,
                )
                for name, m in result.metrics.items()
            },
        )


class PersonDealOut(BaseModel):
    deal_id: str
    account_id: str
    outcome: str
    external: bool


class MergedFromOut(BaseModel):
    id: str = Field(description="An id this person was also known by (another source).")
    reason: str = Field(description="`email` or `name+account`.")


class PersonProfileOut(BaseModel):
    person: PersonOut
    deals: list[PersonDealOut]
    merged_from: list[MergedFromOut]


class KeyIn(BaseModel):
    tenant: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
        description="The tenant the key acts in; the caller's own when left out.",
    )
    scopes: list[Literal["read", "ingest", "admin"]] = Field(min_length=1, max_length=3)


class KeyOut(BaseModel):
    id: str
    tenant: str
    scopes: list[str]
    created_at: str
    revoked_at: str | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls(
            id=key.id,
            tenant=key.tenant,
            scopes=list(key.scopes),
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


class KeyCreated(KeyOut):
    key: str = Field(description="The secret key, shown this once: only its hash is kept.")


class KeyList(BaseModel):
    items: list[KeyOut]


class Health(BaseModel):
    status: str
    store: str | None = None


# -- marketing: outreach, audit, brief, advocates (issue 15) -----------------------------


class OutreachBatch(BaseModel):
    """Outreach targets; validated one by one like deals."""

    outreach: list[SkipValidation[TargetIn]]


def _interval(effect: Effect) -> list[float]:
    low, high = effect.estimate.interval()
    return [_finite(math.exp(low)), _finite(math.exp(high))]


class SpendOut(BaseModel):
    total: float
    on_decision_makers: float = Field(description="On targets who sit in decisions.")
    never_in_a_decision: float = Field(
        description="On targets who never sat in one or match nobody in the data."
    )
    by_verdict: dict[str, float]

    @classmethod
    def of(cls, spend: Spend) -> SpendOut:
        return cls(
            total=spend.total,
            on_decision_makers=spend.on_decision_makers,
            never_in_a_decision=spend.never_in_a_decision,
            by_verdict=spend.by_verdict,
        )


class SpendGroupOut(BaseModel):
    name: str
    targets: int
    spend: SpendOut


class TargetGivenOut(BaseModel):
    """The target as outreach named it."""

    person_id: str | None
    email: str | None
    name: str | None
    company: str | None
    title: str | None
    role: str | None = Field(description="The title read as a role.")


class AuditTargetOut(BaseModel):
    id: str
    campaign: str
    channel: str | None
    occurred_at: str | None
    given: TargetGivenOut
    person: PersonRef | None = Field(description="The known person it was matched to.")
    match: str | None = Field(description="How: id, email or name+company.")
    verdict: Literal["predictive", "present", "never_in_a_decision", "unmatched"]
    deals_present: int
    roles: list[str] = Field(description="Committee roles they sat in, in this segment.")
    influence: float | None
    interval: list[float] | None
    role_influence: dict[str, list[float]] = Field(
        description="Each role's odds ratio and interval: [influence, low, high]."
    )
    spend: float
    audience: int | None = Field(description="As given; shown beside, never counted as merit.")
    evidence: list[str]


class MissedOut(BaseModel):
    role: str | None
    person: PersonRef | None
    influence: float
    interval: list[float]
    deals_present: int
    presence: float
    evidence: list[str]


class AuditOut(BaseModel):
    segment: SegmentOut
    campaign: str | None
    deals: int
    spend: SpendOut
    campaigns: list[SpendGroupOut]
    channels: list[SpendGroupOut]
    targets: list[AuditTargetOut]
    missed: list[MissedOut]

    @classmethod
    def of(cls, audit: Audit) -> AuditOut:
        targets = []
        for a in audit.targets:
            t = a.stored.target
            targets.append(
                AuditTargetOut(
                    id=t.id,
                    campaign=t.campaign,
                    channel=t.channel,
                    occurred_at=t.occurred_at,
                    given=TargetGivenOut(
                        person_id=t.person_id,
                        email=t.email,
                        name=t.name,
                        company=t.company,
                        title=t.title,
                        role=t.role,
                    ),
                    person=_ref(a.person) if a.person else None,
                    match=a.stored.match or None,
                    verdict=a.verdict,
                    deals_present=a.effect.deals_present if a.effect else 0,
                    roles=[r.key for r in a.roles],
                    influence=_finite(math.exp(a.effect.estimate.mean)) if a.effect else None,
                    interval=_interval(a.effect) if a.effect else None,
                    role_influence={
                        r.key: [_finite(math.exp(r.estimate.mean)), *_interval(r)] for r in a.roles
                    },
                    spend=t.spend,
                    audience=t.audience
                    if t.audience is not None
                    else (a.person.audience if a.person else None),
                    evidence=list(a.effect.evidence_ids) if a.effect else [],
                )
            )
        return cls(
            segment=SegmentOut.of(audit.segment),
            campaign=audit.campaign,
            deals=audit.deals,
            spend=SpendOut.of(audit.spend),
            campaigns=[
                SpendGroupOut(name=g.name, targets=g.targets, spend=SpendOut.of(g.spend))
                for g in audit.campaigns
            ],
            channels=[
                SpendGroupOut(name=g.name, targets=g.targets, spend=SpendOut.of(g.spend))
                for g in audit.channels
            ],
            targets=targets,
            missed=[
                MissedOut(
                    role=None if m.person else m.effect.key,
                    person=_ref(m.person) if m.person else None,
                    influence=_finite(math.exp(m.effect.estimate.mean)),
                    interval=_interval(m.effect),
                    deals_present=m.effect.deals_present,
                    presence=m.effect.presence,
                    evidence=list(m.effect.evidence_ids),
                )
                for m in audit.missed
            ],
        )


class BuyingRoleOut(BaseModel):
    role: str
    presence: float = Field(description="Share of the segment's closed deals it sat in.")
    deals_present: int
    influence: float
    interval: list[float]
    evidence: list[str]


def _buying_role(effect: Effect) -> BuyingRoleOut:
    return BuyingRoleOut(
        role=effect.key,
        presence=effect.presence,
        deals_present=effect.deals_present,
        influence=_finite(math.exp(effect.estimate.mean)),
        interval=_interval(effect),
        evidence=list(effect.evidence_ids),
    )


class OutsideInfluencerOut(BaseModel):
    person: PersonRef
    deals_present: int
    influence: float
    interval: list[float]
    audience: int | None = Field(description="As given; never used for ranking.")
    evidence: list[str]


class BriefOut(BaseModel):
    segment: SegmentOut
    deals: int
    buying_roles: list[BuyingRoleOut] = Field(description="The job titles that buy.")
    in_the_room: list[RolePresenceOut] = Field(description="Who sits in the room, by presence.")
    size_distribution: dict[str, int]
    median_size: float | None
    blockers: list[BuyingRoleOut]
    outside_influencers: list[OutsideInfluencerOut]
    summary: list[str] = Field(description="The brief in plain sentences.")

    @classmethod
    def of(cls, brief: Brief) -> BriefOut:
        return cls(
            segment=SegmentOut.of(brief.segment),
            deals=brief.deals,
            buying_roles=[_buying_role(e) for e in brief.buying_roles],
            in_the_room=[
                RolePresenceOut(role=r.role, deals_present=r.deals_present, presence=r.presence)
                for r in brief.in_the_room
            ],
            size_distribution=brief.size_distribution,
            median_size=brief.median_size,
            blockers=[_buying_role(e) for e in brief.blockers],
            outside_influencers=[
                OutsideInfluencerOut(
                    person=_ref(i.person),
                    deals_present=i.effect.deals_present,
                    influence=_finite(math.exp(i.effect.estimate.mean)),
                    interval=_interval(i.effect),
                    audience=i.person.audience,
                    evidence=list(i.effect.evidence_ids),
                )
                for i in brief.outside_influencers
            ],
            summary=brief.summary,
        )


class AdvocateOut(BaseModel):
    person: PersonRef
    accounts: list[str] = Field(description="Accounts whose won deals they backed.")
    won_deals: int = Field(description="Won deals they sat in for their own account.")
    champion_deals: int = Field(description="Won deals where they were champion or supportive.")
    influence: float
    interval: list[float]
    audience: int | None = Field(description="As given; shown beside, never ranked on.")
    sources: list[str] = Field(description="Where the stance came from: crm, activity, note.")
    evidence: list[str]


class AdvocatesOut(BaseModel):
    segment: SegmentOut
    deals: int
    items: list[AdvocateOut]

    @classmethod
    def of(cls, segment: SegmentFilter, deals: int, found: list[Advocate]) -> AdvocatesOut:
        return cls(
            segment=SegmentOut.of(segment),
            deals=deals,
            items=[
                AdvocateOut(
                    person=_ref(a.person),
                    accounts=list(a.advocacy.accounts),
                    won_deals=len(a.advocacy.won_deals),
                    champion_deals=len(a.advocacy.champion_deals),
                    influence=_finite(math.exp(a.effect.estimate.mean)),
                    interval=_interval(a.effect),
                    audience=a.audience,
                    sources=list(a.advocacy.sources),
                    evidence=list(a.effect.evidence_ids),
                )
                for a in found
            ],
        )


# -- signals and webhooks (issue 16) ------------------------------------------------------


class SignalPersonOut(BaseModel):
    id: str
    name: str | None
    title: str | None
    role: str
    account_id: str | None


class SignalOut(BaseModel):
    """A fact worth a salesperson's attention (DESIGN §2, §4); one per fact."""

    id: str
    kind: Literal[
        "predictive_person_appeared",
        "champion_moved",
        "buying_intent",
        "committee_gap",
        "blocker_joined",
    ]
    account_id: str | None
    deal_id: str | None
    person: SignalPersonOut | None
    score: float = Field(description="Odds ratio for effects, share for gaps, weight for intent.")
    detail: str
    evidence: dict[str, Any]
    created_at: str


class SignalList(BaseModel):
    items: list[SignalOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page.")


class WebhookIn(BaseModel):
    url: str = Field(min_length=8, max_length=2000)
    events: list[Literal["signal.created"]] = Field(
        default=["signal.created"], min_length=1, max_length=5
    )


class ParkedEventOut(BaseModel):
    event_id: str
    signal_id: str
    attempts: int
    last_error: str | None


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    created_at: str
    pending: int = 0
    delivered: int = 0
    parked: int = 0
    last_error: str | None = None
    parked_events: list[ParkedEventOut] = Field(default_factory=list)


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret, shown this once.")


class WebhookList(BaseModel):
    items: list[WebhookOut]
