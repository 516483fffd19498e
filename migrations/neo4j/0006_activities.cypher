// Activities (calls, meetings, e-mails, tasks), found by id, by deal and by account.
CREATE CONSTRAINT activity_tenant_id IF NOT EXISTS FOR (n:Activity) REQUIRE (n.tenant, n.id) IS UNIQUE;
CREATE INDEX activity_deal IF NOT EXISTS FOR (n:Activity) ON (n.tenant, n.deal_id);
CREATE INDEX activity_account IF NOT EXISTS FOR (n:Activity) ON (n.tenant, n.account_id);
