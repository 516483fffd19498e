// Outreach targets (marketing's campaigns), found by id, by campaign and by matched person.
CREATE CONSTRAINT outreach_tenant_id IF NOT EXISTS FOR (n:Outreach) REQUIRE (n.tenant, n.id) IS UNIQUE;
CREATE INDEX outreach_campaign IF NOT EXISTS FOR (n:Outreach) ON (n.tenant, n.campaign_key);
CREATE INDEX outreach_person IF NOT EXISTS FOR (n:Outreach) ON (n.tenant, n.person_id);
