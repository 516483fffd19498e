// Signals (one per fact), webhooks, their outbox, and what each write brought.
CREATE CONSTRAINT signal_tenant_id IF NOT EXISTS FOR (n:Signal) REQUIRE (n.tenant, n.id) IS UNIQUE;
CREATE INDEX signal_newest IF NOT EXISTS FOR (n:Signal) ON (n.tenant, n.created_at);
CREATE CONSTRAINT webhook_id IF NOT EXISTS FOR (n:Webhook) REQUIRE n.id IS UNIQUE;
CREATE INDEX webhook_tenant IF NOT EXISTS FOR (n:Webhook) ON (n.tenant);
CREATE CONSTRAINT outbox_id IF NOT EXISTS FOR (n:Outbox) REQUIRE n.id IS UNIQUE;
CREATE INDEX outbox_due IF NOT EXISTS FOR (n:Outbox) ON (n.state, n.next_attempt_at);
CREATE INDEX outbox_webhook IF NOT EXISTS FOR (n:Outbox) ON (n.tenant, n.webhook_id);
CREATE CONSTRAINT signal_arrivals_key IF NOT EXISTS FOR (n:SignalArrivals) REQUIRE (n.tenant, n.version) IS UNIQUE;
