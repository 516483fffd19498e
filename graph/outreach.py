"""Marketing's outreach (DESIGN §2 Outreach): targets in, matched to known people, kept.

A target is one person a campaign aimed at, with what was spent on them. It names
the person as a known id, an e-mail address, or a name at a company (with a
title); outsiders (analysts, bloggers, partners) who never sit in a deal are kept
as targets with their audience, never made into contacts.

Targets are matched when written, by the rules every contact is matched by
(graph.resolution: id or alias, e-mail, name at the company's account when exactly
one person fits); the rest stay unmatched, never guessed. The write follows the
one flow of graph.writing: the tenant's lock, fingerprints (the same batch twice
writes nothing), then the data version moves, since the audit answers from it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from graph.models import Person, SegmentFilter, UpsertCounts, classify_upserts
from graph.resolution import Incoming, Known, name_key, resolve
from graph.rows import Row
from graph.writing import NothingChanged, StoredPerson, Work, WriteTx

Match = Literal["id", "email", "name+company", ""]


@dataclass(frozen=True)
class Target:
    """One outreach target as given: whom a campaign aimed at, through which channel,
    at what spend. `role` is the title read as a role (ingest.titles), when a title came."""

    id: str
    campaign: str
    spend: float
    source: str = "api"
    channel: str | None = None
    occurred_at: str | None = None
    person_id: str | None = None
    email: str | None = None
    name: str | None = None
    company: str | None = None
    title: str | None = None
    role: str | None = None
    audience: int | None = None
    status: str | None = None


@dataclass(frozen=True)
class OutreachRecord:
    target: Target
    content_hash: str


@dataclass(frozen=True)
class StoredTarget:
    """A target as kept: the person it was matched to (None: unmatched) and by which rule."""

    target: Target
    person_id: str | None
    match: Match


@dataclass(frozen=True)
class StanceSeat:
    """One seat of a person in a won deal, with the stance its source gave."""

    person_id: str
    deal_id: str
    account_id: str
    deal_role: str
    stance: str
    source: str
    external: bool


class OutreachTx(Protocol):
    """The outreach primitives of one write transaction (beside graph.writing.WriteTx)."""

    def outreach_hashes(self, ids: Sequence[str]) -> dict[str, str]: ...

    def accounts_named(self, names: Sequence[str]) -> list[tuple[str, str | None]]:
        """(id, name) of accounts whose id, or whose name in lower case, is one of `names`
        (lower-cased, trimmed): the candidates for a target's company."""
        ...

    def put_outreach(self, rows: Sequence[Row]) -> None:
        """Upsert targets by id (graph.outreach.target_row), overwriting every field."""
        ...

    def unmatched_targets(self) -> list[tuple[StoredTarget, str]]:
        """Stored targets matched to nobody (erased ones left out), with their fingerprints."""
        ...

    def outreach_names(self) -> list[tuple[str, str]]:
        """(id, name) of every target given by name (an erasure looks for a name)."""
        ...

    def forget_in_outreach(self, person_id: str, email: str | None, ids: Sequence[str]) -> int:
        """Targets matched to or naming this person (by id or e-mail), and the targets
        `ids`, lose whom they named (ids, e-mail, name, title) and their fingerprint;
        their spend stays. Answer how many."""
        ...


class OutreachReader(Protocol):
    def outreach_targets(self, tenant: str, campaign: str | None) -> list[StoredTarget]:
        """The tenant's targets (of one campaign, matched case-insensitively), by id."""
        ...


class StanceReader(Protocol):
    def won_stances(
        self, tenant: str, person_ids: Collection[str], segment: SegmentFilter
    ) -> list[StanceSeat]:
        """Every seat of these people in the segment's won deals, with its stance and
        source (crm, activity, note), ordered by person, deal and source."""
        ...


class OutreachWriterPort(Protocol):
    def upsert_outreach(self, tenant: str, records: Sequence[OutreachRecord]) -> UpsertCounts:
        """Write targets in one transaction, matched to known people; all or nothing."""
        ...


class OutreachStore(OutreachWriterPort, OutreachReader, StanceReader, Protocol):
    """Everything outreach needs from a store (part of graph.ports.GraphStore)."""


def target_row(stored: StoredTarget, content_hash: str) -> Row:
    t = stored.target
    return {
        "id": t.id,
        "source": t.source,
        "campaign": t.campaign,
        "campaign_key": t.campaign.strip().lower(),
        "channel": t.channel,
        "spend": t.spend,
        "occurred_at": t.occurred_at,
        "given_person_id": t.person_id,
        "email": t.email,
        "name": t.name,
        "company": t.company,
        "title": t.title,
        "role": t.role,
        "audience": t.audience,
        "status": t.status,
        "person_id": stored.person_id,
        "match": stored.match,
        "content_hash": content_hash,
    }


def target_of(row: Row) -> StoredTarget:
    target = Target(
        id=row["id"],
        campaign=row["campaign"],
        spend=float(row["spend"] or 0.0),
        source=row["source"],
        channel=row["channel"],
        occurred_at=row["occurred_at"],
        person_id=row["given_person_id"],
        email=row["email"],
        name=row["name"],
        company=row["company"],
        title=row["title"],
        role=row["role"],
        audience=None if row["audience"] is None else int(row["audience"]),
        status=row["status"],
    )
    return StoredTarget(target, row["person_id"], row["match"] or "")


def _company_key(company: str | None) -> str | None:
    return company.strip().lower() if company and company.strip() else None


def match_targets(
    tx: WriteTx, otx: OutreachTx, targets: Sequence[Target]
) -> dict[str, tuple[str | None, Match]]:
    """Each target's person (or None) and the rule that matched it (graph.resolution).

    A company is the account of that id or of that name (folded as names are); a
    company two accounts answer to matches nobody by name."""
    companies = sorted({k for t in targets if (k := _company_key(t.company))})
    named: dict[str, set[str]] = {}
    for account_id, account_name in otx.accounts_named(companies) if companies else []:
        named.setdefault(account_id.strip().lower(), set()).add(account_id)
        key = name_key(account_name)
        if key:
            named.setdefault(key, set()).add(account_id)
    incoming = []
    for t in targets:
        key = _company_key(t.company)
        found = (named.get(key, set()) | named.get(name_key(key) or "", set())) if key else set()
        account = next(iter(found)) if len(found) == 1 else None
        person = Person(
            id=t.person_id or f"outreach:{t.id}", account_id=account, name=t.name, email=t.email
        )
        incoming.append(Incoming(person, account))
    ids = sorted({t.person_id for t in targets if t.person_id})
    aliases, by_id = tx.known_people(ids) if ids else ({}, [])
    # A target named by a merged id is the person it was merged into.
    merged_into = sorted(set(aliases.values()) - {p.id for p in by_id})
    by_id = by_id + (tx.known_people(merged_into)[1] if merged_into else [])
    emails = sorted({t.email for t in targets if t.email})
    names = sorted(
        {
            (i.account_id, k)
            for i in incoming
            if i.account_id and (k := name_key(i.person.name)) is not None
        }
    )
    matched: list[StoredPerson] = (tx.people_by_email(emails) if emails else []) + (
        tx.people_by_name(names) if names else []
    )
    known = {p.id: Known(p.id, None, None, None) for p in by_id}
    known.update({p.id: Known(p.id, p.email, p.account_id, p.name_key) for p in matched})
    mapping, merges = resolve(incoming, sorted(known.values(), key=lambda k: k.id), aliases)
    reasons = {m.alias_id: m.reason for m in merges}
    out: dict[str, tuple[str | None, Match]] = {}
    for t, item in zip(targets, incoming, strict=True):
        person_id = mapping.get(item.person.id)
        if person_id is None or person_id not in known:
            out[t.id] = (None, "")
        elif item.person.id == person_id or item.person.id in aliases:
            out[t.id] = (person_id, "id")
        else:
            how: Match = "email" if reasons.get(item.person.id) == "email" else "name+company"
            out[t.id] = (person_id, how)
    return out


class OutreachWriter(ABC):
    """The outreach write flow, for a store that also has graph.writing's transaction."""

    @abstractmethod
    def _in_transaction(self, tenant: str, work: Work) -> object: ...

    @abstractmethod
    def _outreach_tx(self, tx: WriteTx) -> OutreachTx:
        """The outreach primitives on the same transaction as `tx`."""

    def upsert_outreach(self, tenant: str, records: Sequence[OutreachRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()

        def work(tx: WriteTx) -> UpsertCounts:
            version = tx.lock_tenant()
            otx = self._outreach_tx(tx)
            existing = otx.outreach_hashes([r.target.id for r in records])
            counts, changed_ids = classify_upserts(
                [(r.target.id, r.content_hash) for r in records], existing
            )
            changed = sorted(
                (r for r in records if r.target.id in changed_ids), key=lambda r: r.target.id
            )
            # Targets sent before their person was known are matched again on every write.
            stale = [(t, h) for t, h in otx.unmatched_targets() if t.target.id not in changed_ids]
            found = match_targets(
                tx, otx, [r.target for r in changed] + [t.target for t, _ in stale]
            )
            rows = [
                target_row(StoredTarget(r.target, *found[r.target.id]), r.content_hash)
                for r in changed
            ]
            rows += [
                target_row(StoredTarget(t.target, *found[t.target.id]), h)
                for t, h in stale
                if found[t.target.id][0] is not None
            ]
            if not rows:
                raise NothingChanged(counts)
            otx.put_outreach(sorted(rows, key=lambda row: str(row["id"])))
            # No committee changes (no recount), but the audit answers from targets.
            tx.set_version(version + 1)
            return counts

        result = self._in_transaction(tenant, work)
        assert isinstance(result, UpsertCounts)
        return result

    def _erase_traces(self, tx: WriteTx, person: Person) -> None:
        """An erased person's targets keep their spend (now unmatched), not who they were:
        a target that gave their name goes too, as notes lose it wherever it stands."""
        otx = self._outreach_tx(tx)
        key = name_key(person.name)
        named = [i for i, n in otx.outreach_names() if key and name_key(n) == key]
        otx.forget_in_outreach(person.id, person.email, named)
        parent = super()
        if hasattr(parent, "_erase_traces"):
            parent._erase_traces(tx, person)
