// Counters kept by every write (graph.counts): one node per counter, found by its id, and
// read by the data version that last moved it (graph.live) or by what it counts.
CREATE CONSTRAINT stat_tenant_sid IF NOT EXISTS FOR (s:Stat) REQUIRE (s.tenant, s.sid) IS UNIQUE;
CREATE INDEX stat_kind_version IF NOT EXISTS FOR (s:Stat) ON (s.tenant, s.kind, s.version);
CREATE INDEX stat_key IF NOT EXISTS FOR (s:Stat) ON (s.tenant, s.kind, s.key);
