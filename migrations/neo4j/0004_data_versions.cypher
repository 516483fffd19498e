// Each tenant's data version, bumped by every write transaction (graph.readmodel).
CREATE CONSTRAINT data_version_tenant IF NOT EXISTS FOR (v:BcgDataVersion) REQUIRE v.tenant IS UNIQUE;
