// Uniqueness of (tenant, id) per label, and the indexes that segment queries use.
CREATE CONSTRAINT bcg_migration_version IF NOT EXISTS FOR (m:BcgMigration) REQUIRE m.version IS UNIQUE;
CREATE CONSTRAINT account_tenant_id IF NOT EXISTS FOR (n:Account) REQUIRE (n.tenant, n.id) IS UNIQUE;
CREATE CONSTRAINT deal_tenant_id IF NOT EXISTS FOR (n:Deal) REQUIRE (n.tenant, n.id) IS UNIQUE;
CREATE CONSTRAINT person_tenant_id IF NOT EXISTS FOR (n:Person) REQUIRE (n.tenant, n.id) IS UNIQUE;
CREATE CONSTRAINT note_tenant_id IF NOT EXISTS FOR (n:Note) REQUIRE (n.tenant, n.id) IS UNIQUE;
CREATE INDEX account_segment IF NOT EXISTS FOR (n:Account) ON (n.tenant, n.industry_key, n.region_key);
CREATE INDEX deal_outcome IF NOT EXISTS FOR (n:Deal) ON (n.tenant, n.outcome);
CREATE INDEX deal_account IF NOT EXISTS FOR (n:Deal) ON (n.tenant, n.account_id);
CREATE INDEX person_email IF NOT EXISTS FOR (n:Person) ON (n.tenant, n.email);
CREATE INDEX person_account IF NOT EXISTS FOR (n:Person) ON (n.tenant, n.account_id);
