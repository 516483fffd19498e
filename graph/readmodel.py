"""One tenant's closed deals at one data version, laid out once and shared by every read.

Why: a ranking over 100,000 deals cannot refetch its segment and its pooling
levels from the store and recount them on every request (seconds). Every
write transaction that changes a tenant's data also bumps the tenant's data
version, in the same transaction, in both stores. A model built after
reading version v holds at least what v held; a request first reads the
version (one indexed lookup) and rebuilds the model only when it moved, so
an answer never rests on data older than the request's own version read.
Segment answers are memoised inside the model and die with it.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Mapping
from typing import Protocol, TypeVar

from graph.models import Person, SegmentFilter
from graph.ports import DataVersion, PeopleDirectory, SegmentReader
from graph.table import DealTable, Mask

T = TypeVar("T")
MEMO_ENTRIES = 512  # answers kept per model (segments × kinds × settings)


class DealHistory(SegmentReader, DataVersion, Protocol):
    """What a read model is built from."""


class ReadModel:
    """The closed deals of one tenant at `version`, with memoised segment answers."""

    def __init__(self, version: str, table: DealTable) -> None:
        self.version = version
        self.table = table
        self._memo: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, store: DealHistory, tenant: str, version: str | None = None) -> ReadModel:
        """Read the tenant's closed deals; `version` is what the caller read before."""
        if version is None:
            version = store.data_version(tenant)
        return cls(version, DealTable(store.closed_deals(tenant, SegmentFilter())))

    def mask(self, segment: SegmentFilter) -> Mask:
        return self.memo(("mask", segment), lambda: self.table.mask(segment))

    def people(
        self, directory: PeopleDirectory, tenant: str, ids: Collection[str]
    ) -> Mapping[str, Person]:
        """The people a ranking or a warm path names, looked up once per model.

        The same few influencers head a segment's answers request after request,
        and a store round trip costs more than the rest of such a lookup. Any write
        to the tenant moves the data version, and with it the model, so a person
        kept here is never older than the version the request read."""
        key = ("people", tuple(sorted(set(ids))))
        return self.memo(key, lambda: directory.people(tenant, key[1]))

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer stored under `key`, computed once (least recently used dropped)."""
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > MEMO_ENTRIES:
                self._memo.popitem(last=False)
        return value


class ReadModels:
    """Per-tenant read models, rebuilt when a tenant's data version moves.

    At most `tenants` models are kept (least recently used dropped); a build
    for one tenant does not block reads of another.
    """

    def __init__(self, tenants: int = 8) -> None:
        self._capacity = tenants
        self._models: OrderedDict[str, ReadModel] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}

    def get(self, store: DealHistory, tenant: str) -> ReadModel:
        version = store.data_version(tenant)
        current = self._current(tenant, version)
        if current is not None:
            return current
        with self._lock:
            building = self._building.setdefault(tenant, threading.Lock())
        with building:  # one build per tenant at a time; the others wait for it
            current = self._current(tenant, version)
            if current is not None:
                return current
            model = ReadModel.load(store, tenant, version)
            with self._lock:
                self._models[tenant] = model
                self._models.move_to_end(tenant)
                while len(self._models) > self._capacity:
                    self._models.popitem(last=False)
            _out_of_collector_walks()
            return model

    def _current(self, tenant: str, version: str) -> ReadModel | None:
        with self._lock:
            model = self._models.get(tenant)
            if model is None or model.version != version:
                return None
            self._models.move_to_end(tenant)
            return model


def _out_of_collector_walks() -> None:
    """Keep the models out of the cyclic garbage collector's full walks.

    A model of 100,000 deals is millions of long-lived objects, and every full
    collection walks them all: 110 to 490 ms each were logged in a service holding
    one, and none during reads once frozen. Models hold no reference cycles, so a
    dropped model is freed by reference counting whether frozen or not. What was
    frozen before is let go first, so cyclic garbage is only ever kept until the next
    build."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
