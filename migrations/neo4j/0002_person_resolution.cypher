// Matching people by name at an account, and recorded merges (aliases).
CREATE INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.tenant, n.account_id, n.name_key);
CREATE CONSTRAINT person_alias_tenant_id IF NOT EXISTS FOR (n:PersonAlias) REQUIRE (n.tenant, n.id) IS UNIQUE;
