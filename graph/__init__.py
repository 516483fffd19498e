"""The buying-committee graph: domain records, the store port, its adapters and the analytics."""
