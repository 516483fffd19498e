"""The production adapter: the GraphStore port on Neo4j through the official driver."""
