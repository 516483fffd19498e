"""Every Cypher statement of the Neo4j adapter, as parameterised constants.

No value is ever spliced into these texts: tenants, ids and filters travel
as parameters. Every node and relationship carries `tenant`, and every pattern
that finds a node by its properties matches on it (a few continue from a node
already found, or set the version node by its element id).
"""

# The first statement of every write: the tenant's version node, written, so that the
# transaction holds its lock until commit (one writer per tenant; graph.writing). MATCH,
# not MERGE, and a SET that reads nothing: MERGE takes a shared lock first, and a SET
# that reads the node it writes (`v.n = v.n + 1`) asks for the lock again; either way,
# with another writer queued on the node, Neo4j reports a deadlock. A tenant's first
# write creates the node (NEW_TENANT); its counters are kept from then on (`counted`).
LOCK_TENANT = """
MATCH (v:BcgDataVersion {tenant: $tenant})
SET v.locked = true
RETURN elementId(v) AS node, coalesce(v.version, 0) AS version,
       coalesce(v.generation, 0) AS generation, coalesce(v.counted, false) AS counted
"""

NEW_TENANT = """
MERGE (v:BcgDataVersion {tenant: $tenant})
ON CREATE SET v.version = 0, v.generation = 0, v.counted = true
"""

# By the node LOCK_TENANT found, with values computed from what it read (see there).
SET_VERSION = """
MATCH (v)
WHERE elementId(v) = $node
SET v.version = $version, v.generation = $generation, v.counted = $counted,
    v.seats_version = CASE WHEN $seats_moved THEN $version ELSE v.seats_version END
"""

STATS_VERSION = """
MATCH (v:BcgDataVersion {tenant: $tenant})
RETURN v.version AS version, coalesce(v.generation, 0) AS generation,
       coalesce(v.seats_version, 0) AS seats
"""

UNCOUNTED_TENANTS = """
MATCH (v:BcgDataVersion)
WHERE NOT coalesce(v.counted, false)
RETURN v.tenant AS tenant
UNION
MATCH (d:Deal)
WITH DISTINCT d.tenant AS tenant
WHERE NOT EXISTS { MATCH (:BcgDataVersion {tenant: tenant}) }
RETURN tenant
"""

# Counters (graph.counts): one node per counter, `sid` its key as JSON.
STATS_SINCE = """
MATCH (s:Stat {tenant: $tenant})
USING INDEX s:Stat(tenant, kind, version)
WHERE s.kind IN $kinds AND s.version > $since
WITH collect([s.sid, s.present, s.won, s.deal_ids]) AS found
UNWIND range(0, size(found) - 1, $page) AS at
RETURN found[at..at + $page] AS rows
"""

STAT_ROWS = """
UNWIND $sids AS sid
MATCH (s:Stat {tenant: $tenant, sid: sid})
RETURN collect([s.sid, s.present, s.won, s.deal_ids]) AS rows
"""

# Counters without evidence take a write's changes as increments: no read before.
ADD_STATS = """
UNWIND $rows AS row
MERGE (s:Stat {tenant: $tenant, sid: row.sid})
ON CREATE SET s.kind = row.kind, s.key = row.key, s.present = 0, s.won = 0
SET s.present = s.present + row.present, s.won = s.won + row.won, s.version = $version
"""

PUT_STATS = """
UNWIND $rows AS row
MERGE (s:Stat {tenant: $tenant, sid: row.sid})
SET s.kind = row.kind, s.key = row.key, s.version = $version, s.present = row.present,
    s.won = row.won, s.deal_ids = row.deal_ids
"""

ERASE_PERSON_STATS = """
MATCH (s:Stat {tenant: $tenant, kind: 'person', key: $id})
DELETE s
"""

CLEAR_STATS = """
MATCH (s:Stat {tenant: $tenant})
DELETE s
"""

# Deals as counting needs them (graph.recount): outcome, amount, the account's cell, and
# each person once with their traits (an outsider when any of their seats is).
COMMITTEES = """
UNWIND $ids AS id
MATCH (d:Deal {tenant: $tenant, id: id})
OPTIONAL MATCH (d)-[:FOR_ACCOUNT]->(a:Account {tenant: $tenant})
OPTIONAL MATCH (p:Person {tenant: $tenant})-[s:SAT_IN {tenant: $tenant}]->(d)
WITH d, a, p, max(CASE WHEN s.external THEN 1 ELSE 0 END) AS external
WITH d, a, collect(CASE WHEN p IS NULL THEN NULL
                        ELSE [p.id, external, p.role, p.external_kind] END) AS seats
RETURN collect([d.id, d.account_id, d.outcome, d.amount, d.closed_at, a.industry_key,
                a.region_key, seats]) AS rows
"""

TRAITS = """
UNWIND $ids AS id
MATCH (p:Person {tenant: $tenant, id: id})
RETURN collect([p.id, p.role, p.external_kind]) AS rows
"""

CELLS = """
UNWIND $ids AS id
MATCH (a:Account {tenant: $tenant, id: id})
RETURN collect([a.id, a.industry_key, a.region_key]) AS rows
"""

DEALS_OF = """
CALL () {
  UNWIND $people AS id
  MATCH (:Person {tenant: $tenant, id: id})-[:SAT_IN {tenant: $tenant}]->(d:Deal {tenant: $tenant})
  RETURN collect(DISTINCT d.id) AS seated
}
CALL () {
  UNWIND $accounts AS id
  MATCH (d:Deal {tenant: $tenant, account_id: id})
  RETURN collect(d.id) AS held
}
RETURN seated + held AS rows
"""

PERSON = """
MATCH (p:Person {tenant: $tenant, id: $id})
RETURN properties(p) AS person
"""

# Where people sat in a segment's closed deals (the few a ranking names).
# The accounts of a segment (SEATED_IN_SEGMENT takes their ids: $accounts).
SEGMENT_ACCOUNTS = """
MATCH (a:Account {tenant: $tenant})
WHERE ($industry IS NULL OR a.industry_key = $industry)
  AND ($region IS NULL OR a.region_key = $region)
RETURN collect(a.id) AS rows
"""

# A person's closed seats in a segment. A seat joins nodes of one tenant (CREATE_SEATS),
# so the walk tests no tenant past the person; and the segment is the deal's own
# `account_id` among the segment's accounts ($accounts; null: any), not a hop to each
# account: on a consultant's 30,000 seats, 70 ms instead of 200 (docs/benchmarks.md).
_SEATED_IN_SEGMENT = """
MATCH (p:Person {tenant: $tenant, id: id})-[:SAT_IN]->(d:Deal)
WHERE d.outcome IN ['won', 'lost']
  AND ($accounts IS NULL OR d.account_id IN $accounts)
  AND ($min_amount IS NULL OR d.amount >= $min_amount)
  AND ($max_amount IS NULL OR d.amount <= $max_amount)
  AND ($closed_before IS NULL OR d.closed_at < $closed_before)
  AND ($closed_from IS NULL OR d.closed_at >= $closed_from)
"""

FIRST_DEALS = (
    """
UNWIND $ids AS id
CALL (id) {
"""
    + _SEATED_IN_SEGMENT
    + """
  WITH DISTINCT d.id AS deal_id
  ORDER BY deal_id
  LIMIT $first
  RETURN collect(deal_id) AS first
}
RETURN collect([id, first]) AS rows
"""
)

# The first deals and the accounts from one walk of each person's seats.
SEATED_IN = (
    """
UNWIND $ids AS id
"""
    + _SEATED_IN_SEGMENT
    + """
WITH id, d.id AS deal_id, d.account_id AS account_id
ORDER BY deal_id
WITH id, collect(DISTINCT deal_id)[..$first] AS first, count(DISTINCT account_id) AS accounts
RETURN collect([id, first, accounts]) AS rows
"""
)

# Lookups of a whole batch answer one record holding a list of [id, value] pairs: the
# driver decodes one list far faster than thousands of records.
DEAL_HASHES = """
UNWIND $ids AS id
MATCH (d:Deal {tenant: $tenant, id: id})
RETURN collect([d.id, d.content_hash]) AS rows
"""

PERSON_HASHES = """
UNWIND $ids AS id
MATCH (p:Person {tenant: $tenant, id: id})
RETURN collect([p.id, p.content_hash]) AS rows
"""

MERGE_ACCOUNTS = """
UNWIND $rows AS row
MERGE (a:Account {tenant: $tenant, id: row.id})
SET a.name = coalesce(row.name, a.name),
    a.industry = coalesce(row.industry, a.industry),
    a.industry_key = coalesce(row.industry_key, a.industry_key),
    a.region = coalesce(row.region, a.region),
    a.region_key = coalesce(row.region_key, a.region_key),
    a.country = coalesce(row.country, a.country),
    a.employees = coalesce(row.employees, a.employees)
"""

# A contact keeps stored fields the row leaves empty; a new contact without an
# employer works for the deal's account (row.fallback_account).
MERGE_PEOPLE = """
UNWIND $rows AS row
MERGE (p:Person {tenant: $tenant, id: row.id})
ON CREATE SET p.account_id = coalesce(row.account_id, row.fallback_account)
SET p.account_id = coalesce(row.account_id, p.account_id),
    p.name = coalesce(row.name, p.name),
    p.email = coalesce(row.email, p.email),
    p.title = coalesce(row.title, p.title),
    p.function = CASE WHEN row.title IS NULL AND p.function IS NOT NULL
                      THEN p.function ELSE row.function END,
    p.seniority = CASE WHEN row.title IS NULL AND p.seniority IS NOT NULL
                       THEN p.seniority ELSE row.seniority END,
    p.role = CASE WHEN row.title IS NULL AND p.role IS NOT NULL THEN p.role ELSE row.role END,
    p.external_kind = coalesce(row.external_kind, p.external_kind),
    p.audience = coalesce(row.audience, p.audience),
    p.content_hash = coalesce(row.content_hash, p.content_hash),
    p.name_key = coalesce(row.name_key, p.name_key),
    p.row_hash = row.row_hash
WITH p
OPTIONAL MATCH (p)-[old:WORKS_AT]->(previous:Account)
WHERE previous.id <> p.account_id
DELETE old
WITH p
MERGE (a:Account {tenant: $tenant, id: p.account_id})
MERGE (p)-[w:WORKS_AT]->(a)
SET w.tenant = $tenant
"""

ALIASES = """
UNWIND $ids AS id
MATCH (a:PersonAlias {tenant: $tenant, id: id})
RETURN a.id AS alias_id, a.person_id AS person_id, a.content_hash AS content_hash
"""

# What resolving a batch's contacts needs first, in one round trip: the aliases and
# people its ids name (an id settles its contact: only the others need e-mail and name).
KNOWN_PEOPLE = """
CALL () {
  UNWIND $ids AS id
  MATCH (a:PersonAlias {tenant: $tenant, id: id})
  RETURN collect([a.id, a.person_id]) AS aliases
}
CALL () {
  UNWIND $ids AS id
  MATCH (p:Person {tenant: $tenant, id: id})
  RETURN collect([p.id, p.row_hash]) AS people
}
RETURN aliases, people
"""

# Two plain lookups, each run only when it has something to look up: Cypher plans a
# statement again for each size class of its lists and as the graph grows, and a union
# of both costs more to plan than the two apart. The index hints pin the plan: planned
# while the graph is still small (an import's first batches), Cypher may pick a seek on
# the tenant alone and filter every person of the tenant for each name.
PEOPLE_BY_EMAIL = """
UNWIND $emails AS email
MATCH (p:Person {tenant: $tenant, email: email})
USING INDEX p:Person(tenant, email)
RETURN collect([p.id, p.row_hash, p.email, p.account_id, p.name_key]) AS rows
"""

PEOPLE_BY_NAME = """
UNWIND $names AS name
MATCH (p:Person {tenant: $tenant, account_id: name.account_id, name_key: name.name_key})
USING INDEX p:Person(tenant, account_id, name_key)
RETURN collect([p.id, p.row_hash, p.email, p.account_id, p.name_key]) AS rows
"""

MERGED_INTO = """
MATCH (a:PersonAlias {tenant: $tenant, person_id: $id})
RETURN a.id AS alias_id, a.person_id AS person_id, a.reason AS reason
ORDER BY alias_id
"""

ALIAS_TARGET = """
MATCH (a:PersonAlias {tenant: $tenant, id: $id})
RETURN a.person_id AS person_id
"""

RECORD_MERGES = """
UNWIND $rows AS row
MERGE (a:PersonAlias {tenant: $tenant, id: row.alias_id})
ON CREATE SET a.person_id = row.person_id, a.reason = row.reason, a.merged_at = row.merged_at
SET a.content_hash = coalesce(row.content_hash, a.content_hash)
"""

MERGE_DEALS = """
UNWIND $rows AS row
MERGE (d:Deal {tenant: $tenant, id: row.id})
SET d += row.props
WITH d, row
OPTIONAL MATCH (d)-[old:FOR_ACCOUNT]->(previous:Account)
WHERE previous.id <> row.props.account_id
DELETE old
WITH d, row
MATCH (a:Account {tenant: $tenant, id: row.props.account_id})
MERGE (d)-[f:FOR_ACCOUNT]->(a)
SET f.tenant = $tenant
"""

# Deals the batch's lookup did not find. No other writer can create one meanwhile: the
# tenant's lock (LOCK_TENANT) is held from the lookup to commit.
CREATE_DEALS = """
UNWIND $rows AS row
MATCH (a:Account {tenant: $tenant, id: row.props.account_id})
CREATE (d:Deal {tenant: $tenant, id: row.id})
SET d += row.props
CREATE (d)-[:FOR_ACCOUNT {tenant: $tenant}]->(a)
"""

DELETE_SEATS = """
UNWIND $ids AS id
MATCH (:Person {tenant: $tenant})-[s:SAT_IN {tenant: $tenant, source: $source}]->
      (:Deal {tenant: $tenant, id: id})
DELETE s
"""

# Only after DELETE_SEATS of the same deals and source, in the same transaction: CREATE
# then cannot duplicate a seat, and skips MERGE's search through a busy person's seats.
# A seat is the bulk of an import (six per deal): rows come one per person with that
# person's seats (one index seek per person, not per seat), and a seat stores only what
# it has (no empty evidence list: readers take a missing one as none).
CREATE_SEATS = """
UNWIND $rows AS row
MATCH (p:Person {tenant: $tenant, id: row.person_id})
UNWIND row.seats AS seat
MATCH (d:Deal {tenant: $tenant, id: seat.deal_id})
CREATE (p)-[s:SAT_IN {tenant: $tenant, source: $source}]->(d)
SET s.deal_role = seat.deal_role,
    s.stance = seat.stance,
    s.external = seat.external OR coalesce(p.account_id <> d.account_id, true),
    s.evidence = CASE WHEN size(seat.evidence) > 0 THEN seat.evidence END,
    s.first_seen = coalesce(seat.first_seen, seat.seen, $now),
    s.last_seen = coalesce(seat.seen, $now)
"""

NOTE_HASHES = """
UNWIND $ids AS id
MATCH (n:Note {tenant: $tenant, id: id})
RETURN n.id AS id, n.content_hash AS content_hash, n.deal_id AS deal_id
"""

MERGE_NOTES = """
UNWIND $rows AS row
MERGE (n:Note {tenant: $tenant, id: row.id})
SET n += row.props
WITH n, row
OPTIONAL MATCH (n)-[old:ABOUT]->(:Deal)
DELETE old
WITH n, row
OPTIONAL MATCH (d:Deal {tenant: $tenant, id: row.props.deal_id})
FOREACH (_ IN CASE WHEN d IS NULL THEN [] ELSE [1] END |
  MERGE (n)-[a:ABOUT]->(d)
  SET a.tenant = $tenant)
"""

DELETE_MENTIONS = """
UNWIND $ids AS id
MATCH (:Person {tenant: $tenant})-[m:MENTIONED_IN]->(:Note {tenant: $tenant, id: id})
DELETE m
"""

MERGE_MENTIONS = """
UNWIND $rows AS row
MATCH (n:Note {tenant: $tenant, id: row.note_id})
MATCH (p:Person {tenant: $tenant, id: row.person_id})
MERGE (p)-[m:MENTIONED_IN]->(n)
SET m.tenant = $tenant, m.stance = row.stance, m.evidence = row.evidence
"""

DEAL_ACCOUNTS = """
UNWIND $ids AS id
MATCH (d:Deal {tenant: $tenant, id: id})
RETURN d.id AS id, d.account_id AS account_id
"""

DEAL_MENTIONS = """
UNWIND $ids AS id
MATCH (p:Person {tenant: $tenant})-[m:MENTIONED_IN {tenant: $tenant}]->
      (n:Note {tenant: $tenant})-[:ABOUT]->(d:Deal {tenant: $tenant, id: id})
RETURN d.id AS deal_id, n.id AS note_id, n.occurred_at AS occurred_at, p.id AS person_id,
       m.stance AS stance, m.evidence AS evidence
"""

# Segments (industry and region keys; None: any, "": an account without one), amounts
# (min and max inclusive, `below` exclusive, `no_amount`: only deals without one), dates.
CLOSED_DEALS = """
MATCH (d:Deal {tenant: $tenant})-[:FOR_ACCOUNT]->(a:Account {tenant: $tenant})
WHERE d.outcome IN ['won', 'lost']
  AND ($industry IS NULL OR a.industry_key = $industry
       OR ($industry = '' AND a.industry_key IS NULL))
  AND ($region IS NULL OR a.region_key = $region
       OR ($region = '' AND a.region_key IS NULL))
  AND ($min_amount IS NULL OR d.amount >= $min_amount)
  AND ($max_amount IS NULL OR d.amount <= $max_amount)
  AND ($below IS NULL OR d.amount < $below)
  AND (NOT $no_amount OR d.amount IS NULL)
  AND ($closed_before IS NULL OR d.closed_at < $closed_before)
  AND ($closed_from IS NULL OR d.closed_at >= $closed_from)
OPTIONAL MATCH (p:Person {tenant: $tenant})-[s:SAT_IN {tenant: $tenant}]->(d)
WITH d, a, p, max(CASE WHEN s.external THEN 1 ELSE 0 END) AS external
WITH d, a, collect(CASE WHEN p IS NULL THEN NULL ELSE
       {person_id: p.id, role: p.role, external_kind: p.external_kind, external: external}
     END) AS seats
RETURN d.id AS id, d.account_id AS account_id, d.outcome AS outcome, d.amount AS amount,
       d.closed_at AS closed_at, a.industry AS industry, a.region AS region, seats
ORDER BY id
"""

DEAL = """
MATCH (d:Deal {tenant: $tenant, id: $id})
OPTIONAL MATCH (d)-[:FOR_ACCOUNT]->(a:Account {tenant: $tenant})
RETURN properties(d) AS deal, properties(a) AS account
"""

DEAL_SEATS = """
MATCH (p:Person {tenant: $tenant})-[s:SAT_IN {tenant: $tenant}]->(:Deal {tenant: $tenant, id: $id})
RETURN properties(p) AS person, properties(s) AS seat
ORDER BY p.id, s.source
"""

PEOPLE = """
UNWIND $ids AS id
MATCH (p:Person {tenant: $tenant, id: id})
RETURN collect(properties(p)) AS rows
"""

PEOPLE_AT = """
MATCH (p:Person {tenant: $tenant, account_id: $account_id})
RETURN collect(properties(p)) AS rows
"""

ACCOUNT = """
MATCH (a:Account {tenant: $tenant, id: $id})
RETURN properties(a) AS account
"""

# One row per person and deal (a person may sit in a deal from a CRM and a note).
PERSON_SEATS = """
UNWIND $ids AS id
MATCH (p:Person {tenant: $tenant, id: id})-[s:SAT_IN {tenant: $tenant}]->(d:Deal {tenant: $tenant})
WITH p.id AS person_id, d.id AS deal_id, d.account_id AS account_id, d.outcome AS outcome,
     max(CASE WHEN s.external THEN 1 ELSE 0 END) AS external
RETURN collect([person_id, deal_id, account_id, outcome, external]) AS rows
"""

CREATE_KEY = """
CREATE (:ApiKey {id: $id, tenant: $tenant, scopes: $scopes, key_hash: $key_hash,
                 created_at: $created_at})
"""

GET_KEY = "MATCH (k:ApiKey {id: $id}) RETURN properties(k) AS key"

LIST_KEYS = """
MATCH (k:ApiKey)
WHERE $tenant IS NULL OR k.tenant = $tenant
RETURN properties(k) AS key
ORDER BY k.created_at, k.id
"""

REVOKE_KEY = """
MATCH (k:ApiKey {id: $id})
WHERE k.revoked_at IS NULL
SET k.revoked_at = $at
RETURN count(k) AS revoked
"""

PERSON_NOTES = """
MATCH (p:Person {tenant: $tenant, id: $id})
OPTIONAL MATCH (p)-[:MENTIONED_IN]->(n:Note {tenant: $tenant})
RETURN properties(p) AS person, collect(DISTINCT n.id) AS note_ids
"""

NOTES_WITH_MENTIONS = """
UNWIND $ids AS id
MATCH (n:Note {tenant: $tenant, id: id})
OPTIONAL MATCH (q:Person {tenant: $tenant})-[m:MENTIONED_IN]->(n)
RETURN n.id AS id, n.text AS text, n.deal_id AS deal_id,
       collect({person_id: q.id, evidence: m.evidence}) AS mentions
"""

SET_NOTE_TEXT = """
UNWIND $rows AS row
MATCH (n:Note {tenant: $tenant, id: row.id})
SET n.text = row.text
"""

SET_MENTION_EVIDENCE = """
UNWIND $rows AS row
MATCH (:Person {tenant: $tenant, id: row.person_id})-[m:MENTIONED_IN]->
      (:Note {tenant: $tenant, id: row.note_id})
SET m.evidence = row.evidence
"""

ERASE_PERSON = """
MATCH (p:Person {tenant: $tenant, id: $id})
OPTIONAL MATCH (p)-[s:SAT_IN]->()
WITH p, count(s) AS seats
OPTIONAL MATCH (p)-[m:MENTIONED_IN]->()
WITH p, seats, count(m) AS mentions
DETACH DELETE p
RETURN seats, mentions
"""

ERASE_ALIASES = """
MATCH (a:PersonAlias {tenant: $tenant, person_id: $id})
DETACH DELETE a
RETURN count(*) AS removed
"""

ADD_AUDIT = """
CREATE (:AuditEntry {tenant: $tenant, action: $action, key_id: $key_id, at: $at,
                     detail: $detail})
"""

AUDIT_ENTRIES = """
MATCH (a:AuditEntry {tenant: $tenant})
RETURN properties(a) AS entry
ORDER BY a.at
"""

PING = "RETURN 1 AS ok"

APPLIED_MIGRATIONS = "MATCH (m:BcgMigration) RETURN m.version AS version"

RECORD_MIGRATION = """
MERGE (m:BcgMigration {version: $version})
ON CREATE SET m.name = $name, m.applied_at = datetime()
"""

# -- search by name (graph.search; the pages' search box) -------------------------------
# The id itself, then names starting with the text, then names holding it; each by folded
# name and id, the best $limit. toLower folds as graph.search.fold; CONTAINS has no
# wildcards, so the text needs no escaping.

SEGMENT_NAMES = """
MATCH (a:Account {tenant: $tenant})
RETURN collect(DISTINCT CASE WHEN a.industry_key IS NOT NULL THEN [a.industry, a.industry_key] END)
         AS industries,
       collect(DISTINCT CASE WHEN a.region_key IS NOT NULL THEN [a.region, a.region_key] END)
         AS regions
"""

SEARCH_DEALS = """
MATCH (d:Deal {tenant: $tenant})
WITH d, toLower(coalesce(d.name, '')) AS folded
WHERE d.id = $id OR folded CONTAINS $text
WITH d, folded ORDER BY
  CASE WHEN d.id = $id THEN 0 WHEN folded STARTS WITH $text THEN 1 ELSE 2 END, folded, d.id
LIMIT $limit
OPTIONAL MATCH (a:Account {tenant: $tenant, id: d.account_id})
RETURN collect([properties(d), a.name]) AS rows
"""

SEARCH_ACCOUNTS = """
MATCH (a:Account {tenant: $tenant})
WITH a, toLower(coalesce(a.name, '')) AS folded
WHERE a.id = $id OR folded CONTAINS $text
WITH a, folded ORDER BY
  CASE WHEN a.id = $id THEN 0 WHEN folded STARTS WITH $text THEN 1 ELSE 2 END, folded, a.id
LIMIT $limit
RETURN collect(properties(a)) AS rows
"""

SEARCH_PEOPLE = """
MATCH (p:Person {tenant: $tenant})
WITH p, toLower(coalesce(p.name, '')) AS folded
WHERE p.id = $id OR folded CONTAINS $text
WITH p, folded ORDER BY
  CASE WHEN p.id = $id THEN 0 WHEN folded STARTS WITH $text THEN 1 ELSE 2 END, folded, p.id
LIMIT $limit
RETURN collect(properties(p)) AS rows
"""

# -- activities (graph.activities derives their seats) ---------------------------------

ACTIVITY_HASHES = """
UNWIND $ids AS id
MATCH (a:Activity {tenant: $tenant, id: id})
RETURN collect([a.id, a.content_hash, a.deal_id, a.account_id]) AS rows
"""

# An activity's people are replaced as a whole; the links carry the tenant like every
# relationship.
MERGE_ACTIVITIES = """
UNWIND $rows AS row
MERGE (a:Activity {tenant: $tenant, id: row.id})
SET a += row.props
WITH a, row
CALL (a) {
  MATCH (:Person {tenant: $tenant})-[old:TOOK_PART_IN]->(a)
  DELETE old
}
WITH a, row
UNWIND row.people AS person_id
MATCH (p:Person {tenant: $tenant, id: person_id})
MERGE (p)-[t:TOOK_PART_IN]->(a)
SET t.tenant = $tenant
"""

# The deals activities reach: those named, and every deal of the accounts named.
DEALS_REACHED = """
CALL () {
  UNWIND $deal_ids AS id
  MATCH (d:Deal {tenant: $tenant, id: id})
  RETURN collect(d.id) AS named
}
CALL () {
  UNWIND $account_ids AS account_id
  MATCH (d:Deal {tenant: $tenant, account_id: account_id})
  RETURN collect(d.id) AS of_accounts
}
RETURN named + of_accounts AS rows
"""

# Each deal's dates and the people of the activities that may count for it: those
# logged on it, and those logged on its account alone.
ACTIVITY_SEAT_ROWS = """
UNWIND $ids AS id
MATCH (d:Deal {tenant: $tenant, id: id})
CALL (d) {
  MATCH (p:Person {tenant: $tenant})-[:TOOK_PART_IN]->(a:Activity {tenant: $tenant, deal_id: d.id})
  RETURN collect([a.id, a.kind, a.occurred_at, a.subject, a.deal_id, a.account_id, p.id])
         AS on_deal
}
CALL (d) {
  MATCH (p:Person {tenant: $tenant})-[:TOOK_PART_IN]->
        (a:Activity {tenant: $tenant, account_id: d.account_id})
  WHERE a.deal_id IS NULL
  RETURN collect([a.id, a.kind, a.occurred_at, a.subject, a.deal_id, a.account_id, p.id])
         AS on_account
}
RETURN collect([d.id, d.account_id, d.created_at, d.closed_at, on_deal + on_account]) AS rows
"""

PERSON_ACTIVITIES = """
MATCH (:Person {tenant: $tenant, id: $id})-[:TOOK_PART_IN]->(a:Activity {tenant: $tenant})
RETURN collect([a.id, a.subject, a.deal_id, a.account_id]) AS rows
"""

SET_ACTIVITY_SUBJECTS = """
UNWIND $rows AS row
MATCH (a:Activity {tenant: $tenant, id: row.id})
SET a.subject = row.subject
"""

DEAL_COVERAGE = """
UNWIND $ids AS id
MATCH (d:Deal {tenant: $tenant, id: id})
OPTIONAL MATCH (d)-[:FOR_ACCOUNT]->(account:Account {tenant: $tenant})
OPTIONAL MATCH (p:Person {tenant: $tenant})-[s:SAT_IN {tenant: $tenant}]->(d)
WITH d, account, collect([p.id, s.source]) AS seats
RETURN collect([d.id, d.outcome, account.industry, seats]) AS rows
"""

LEAVE_ACTIVITIES = """
MATCH (:Person {tenant: $tenant, id: $id})-[t:TOOK_PART_IN]->(:Activity {tenant: $tenant})
DELETE t
"""

# -- outreach (graph.outreach, graph.neo4j.outreach) ------------------------------------
# A target is an :Outreach node keyed by (tenant, id); the person it was matched to is
# its `person_id` (null: unmatched), so that an outsider needs no :Person.

OUTREACH_HASHES = """
UNWIND $ids AS id
MATCH (o:Outreach {tenant: $tenant, id: id})
RETURN collect([o.id, o.content_hash]) AS rows
"""

ACCOUNTS_NAMED = """
MATCH (a:Account {tenant: $tenant})
WHERE toLower(a.id) IN $names OR toLower(trim(a.name)) IN $names
RETURN collect([a.id, a.name]) AS rows
"""

MERGE_OUTREACH = """
UNWIND $rows AS row
MERGE (o:Outreach {tenant: $tenant, id: row.id})
SET o += row
"""

OUTREACH_TARGETS = """
MATCH (o:Outreach {tenant: $tenant})
WHERE $campaign IS NULL OR o.campaign_key = $campaign
WITH o ORDER BY o.id
RETURN collect(properties(o)) AS rows
"""

WON_STANCES = """
UNWIND $ids AS id
MATCH (p:Person {tenant: $tenant, id: id})-[s:SAT_IN {tenant: $tenant}]->(d:Deal {tenant: $tenant})
      -[:FOR_ACCOUNT]->(a:Account {tenant: $tenant})
WHERE d.outcome = 'won'
  AND ($industry IS NULL OR a.industry_key = $industry)
  AND ($region IS NULL OR a.region_key = $region)
  AND ($min_amount IS NULL OR d.amount >= $min_amount)
  AND ($max_amount IS NULL OR d.amount <= $max_amount)
  AND ($closed_before IS NULL OR d.closed_at < $closed_before)
  AND ($closed_from IS NULL OR d.closed_at >= $closed_from)
RETURN collect([p.id, d.id, a.id, s.deal_role, s.stance, s.source, s.external]) AS rows
"""

FORGET_IN_OUTREACH = """
MATCH (o:Outreach {tenant: $tenant})
WHERE o.person_id = $id OR o.given_person_id = $id OR o.id IN $ids
   OR ($email IS NOT NULL AND o.email = $email)
SET o.person_id = null, o.given_person_id = null, o.email = null, o.name = null,
    o.title = null, o.match = '', o.content_hash = 'erased'
RETURN count(o) AS forgotten
"""

OUTREACH_NAMES = """
MATCH (o:Outreach {tenant: $tenant})
WHERE o.name IS NOT NULL
RETURN collect([o.id, o.name]) AS rows
"""

UNMATCHED_OUTREACH = """
MATCH (o:Outreach {tenant: $tenant})
WHERE o.person_id IS NULL AND o.content_hash <> 'erased'
RETURN collect(properties(o)) AS rows
"""

# -- signals, webhooks and their outbox (graph.neo4j.signals) ---------------------------

PUT_ARRIVALS = """
CREATE (:SignalArrivals {tenant: $tenant, version: $version, payload: $payload, created_at: $at})
"""

PENDING_ARRIVALS = """
MATCH (a:SignalArrivals {tenant: $tenant})
RETURN count(a) AS n
"""

# Free arrivals are locked (SET) before their lease is read again: two workers that
# matched the same node see each other's lease once the first commits.
CLAIM_ARRIVALS = """
MATCH (a:SignalArrivals)
WHERE coalesce(a.leased_until, 0.0) < $now
WITH a ORDER BY a.tenant, a.version LIMIT $limit
SET a._claim = true
WITH a WHERE coalesce(a.leased_until, 0.0) < $now
SET a.lease_token = $token, a.leased_until = $now + $lease
REMOVE a._claim
RETURN collect([a.tenant, a.version, a.payload]) AS rows
"""

# A signal is created only when its id is new; the new ones are answered (by the
# token this write set), each with an outbox row per webhook taking the event.
PUT_SIGNALS = """
UNWIND $rows AS row
MERGE (s:Signal {tenant: $tenant, id: row.id})
ON CREATE SET s.kind = row.kind, s.account_id = row.account_id, s.deal_id = row.deal_id,
              s.person_id = row.person_id, s.score = row.score, s.created_at = $at,
              s.item = row.item, s.created_by = $token
WITH s WHERE s.created_by = $token
RETURN collect(s.id) AS rows
"""

SIGNAL_WEBHOOKS = """
MATCH (h:Webhook {tenant: $tenant})
WHERE $event IN h.events
RETURN collect(h.id) AS rows
"""

PUT_OUTBOX = """
UNWIND $rows AS row
CREATE (:Outbox {id: row.id, tenant: $tenant, webhook_id: row.webhook_id,
                 signal_id: row.signal_id, body: row.body, state: 'pending', attempts: 0,
                 next_attempt_at: 0.0, created_at: $at})
"""

DONE_ARRIVALS = """
MATCH (a:SignalArrivals {tenant: $tenant, version: $version})
DELETE a
"""

SIGNALS = """
MATCH (s:Signal {tenant: $tenant})
WHERE ($since IS NULL OR s.created_at >= $since)
  AND ($kind IS NULL OR s.kind = $kind)
  AND ($account_id IS NULL OR s.account_id = $account_id)
  AND ($before_at IS NULL OR s.created_at < $before_at
       OR (s.created_at = $before_at AND s.id < $before_id))
WITH s ORDER BY s.created_at DESC, s.id DESC LIMIT $limit
RETURN collect([s.item, s.created_at, s.id]) AS rows
"""

CREATE_WEBHOOK = """
CREATE (:Webhook {id: $id, tenant: $tenant, url: $url, events: $events, secret: $secret,
                  created_at: $created_at})
"""

WEBHOOKS = """
MATCH (h:Webhook {tenant: $tenant})
OPTIONAL MATCH (o:Outbox {tenant: $tenant, webhook_id: h.id})
WITH h, o ORDER BY o.finished_at
WITH h, collect(o) AS events
RETURN collect([h.id, h.url, h.events, h.created_at,
                size([o IN events WHERE o.state = 'pending']),
                size([o IN events WHERE o.state = 'delivered']),
                [o IN events WHERE o.last_error IS NOT NULL | o.last_error],
                [o IN events WHERE o.state = 'parked' |
                 [o.id, o.signal_id, o.attempts, o.last_error]]]) AS rows
"""

DELETE_WEBHOOK = """
MATCH (h:Webhook {tenant: $tenant, id: $id})
OPTIONAL MATCH (o:Outbox {tenant: $tenant, webhook_id: $id})
DETACH DELETE o
WITH DISTINCT h
DETACH DELETE h
RETURN count(h) AS deleted
"""

CLAIM_DELIVERIES = """
MATCH (o:Outbox)
WHERE o.state = 'pending' AND o.next_attempt_at <= $now AND coalesce(o.leased_until, 0.0) < $now
WITH o ORDER BY o.next_attempt_at LIMIT $limit
SET o._claim = true
WITH o WHERE o.state = 'pending' AND coalesce(o.leased_until, 0.0) < $now
SET o.lease_token = $token, o.leased_until = $now + $lease
REMOVE o._claim
WITH o
MATCH (h:Webhook {tenant: o.tenant, id: o.webhook_id})
RETURN collect([o.id, o.tenant, o.webhook_id, h.url, h.secret, o.body, o.attempts]) AS rows
"""

FINISH_DELIVERY = """
MATCH (o:Outbox {id: $id})
WHERE o.lease_token = $token
SET o.attempts = o.attempts + 1, o.lease_token = null, o.leased_until = null,
    o.state = $state, o.finished_at = $at,
    o.last_error = CASE WHEN $error IS NULL THEN o.last_error ELSE $error END,
    o.next_attempt_at = CASE WHEN $retry_at IS NULL THEN o.next_attempt_at ELSE $retry_at END
"""

# Erasure: the signals naming a person are found in Python (graph.signals.names_person).
SIGNAL_ITEMS = """
MATCH (s:Signal {tenant: $tenant})
RETURN collect([s.id, s.item]) AS rows
"""

DELETE_SIGNALS = """
UNWIND $ids AS id
MATCH (s:Signal {tenant: $tenant, id: id})
OPTIONAL MATCH (o:Outbox {tenant: $tenant, signal_id: id})
DETACH DELETE o, s
"""

ARRIVAL_PAYLOADS = """
MATCH (a:SignalArrivals {tenant: $tenant})
RETURN collect([a.version, a.payload]) AS rows
"""

SET_ARRIVAL_PAYLOADS = """
UNWIND $rows AS row
MATCH (a:SignalArrivals {tenant: $tenant, version: row.version})
SET a.payload = row.payload
"""
