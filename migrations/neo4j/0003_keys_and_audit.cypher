// API keys (hashed) and the audit log.
CREATE CONSTRAINT api_key_id IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.id IS UNIQUE;
CREATE INDEX api_key_tenant IF NOT EXISTS FOR (k:ApiKey) ON (k.tenant);
CREATE INDEX audit_tenant IF NOT EXISTS FOR (a:AuditEntry) ON (a.tenant, a.at);
