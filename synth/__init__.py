"""Synthetic CRMs with planted truth, for tests, benchmarks and demos (not shipped)."""

from synth.worlds import PersonSpec, RoleSpec, World, as_closed_deals, ingest

__all__ = ["PersonSpec", "RoleSpec", "World", "as_closed_deals", "ingest"]
