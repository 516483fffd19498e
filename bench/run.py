"""`make bench`: ingest throughput and read latency of the service, on Neo4j and SQLite.

- Ingest: the generated CRM through `POST /v1/ingest/deals` in batches of 1,000 from
  two concurrent clients, into each store; beside it the baseline, the same rows
  written to the same Neo4j with the bare driver, one parameterised UNWIND … MERGE per
  batch, also from two clients. `ingest_vs_raw` = API rows/s over baseline rows/s.
- Reads: 200 requests each, varied segments and deals, p50 and p95, both stores.
- Reads after writes: a one-deal update followed by a role ranking, a people ranking
  and that deal's likely committee, `--write-rounds` times; `read_after_write_p95_ms` is
  the p95 of those reads, the larger of the two stores'. `first_read_ms`: a fresh
  service's first ranking on the imported data (the larger of the two stores').
- Memory: the peak resident set of each service (its processes summed).
- The service runs as `bcg serve` starts it, one worker process, on both stores
  (`--neo4j-workers N` for more on Neo4j; SQLite refuses more than one).
- CPU: the seconds of CPU that the Neo4j server, the service and the bench's own clients
  spent per 1,000 deals imported, beside the baseline's; `ingest_cpu_vs_raw` = the
  baseline's CPU per deal over the API's, the most `ingest_vs_raw` could reach if the
  service kept this machine's cores as busy as the baseline does (a write path that
  waits on itself shows as fewer cores used: CPU-seconds over wall seconds).
- CPU steal: the share of this machine's CPU time its host took for others during
  each phase; a run with high steal measured the neighbours as much as the service.
Prints a table, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from neo4j import GraphDatabase

from bench.crm import INDUSTRIES, REGIONS, crm
from graph.neo4j.store import Neo4jGraphStore

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KEY = "bench-root-key-0123456789abcdef0123456789"
BATCH = 1000
CLIENTS = 2

RAW_MERGE = """
UNWIND $rows AS row
MERGE (a:Account {tenant: $tenant, id: row.account.id})
SET a.name = row.account.name, a.industry = row.account.industry,
    a.region = row.account.region
MERGE (d:Deal {tenant: $tenant, id: row.id})
SET d.name = row.name, d.amount = row.amount, d.outcome = row.outcome,
    d.stage = row.stage, d.created_at = row.created_at, d.closed_at = row.closed_at
MERGE (d)-[:FOR_ACCOUNT]->(a)
WITH d, row
UNWIND row.participants AS part
MERGE (p:Person {tenant: $tenant, id: part.person.id})
SET p.name = part.person.name, p.title = part.person.title
MERGE (p)-[s:SAT_IN]->(d)
SET s.deal_role = part.deal_role, s.stance = part.stance
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def batches(deals: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [deals[i : i + BATCH] for i in range(0, len(deals), BATCH)]


def concurrently(work: list[Any], run: Callable[[Any], None]) -> float:
    """Run the work items from CLIENTS threads; answer the wall time in seconds."""
    queue = list(reversed(work))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def client() -> None:
        while True:
            with lock:
                if not queue or errors:
                    return
                item = queue.pop()
            try:
                run(item)
            except BaseException as error:
                errors.append(error)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


@contextmanager
def local_neo4j(state: Path) -> Iterator[tuple[str, int | None]]:
    """A Neo4j of the bench's own, its bolt URI and server process id; or the one
    BCG_NEO4J_URI names (its process unknown: no server CPU figures)."""
    env = {
        **os.environ,
        "BCG_NEO4J_STATE": str(state),
        "BCG_NEO4J_PORT": str(free_port()),
        "BCG_NEO4J_HEAP": "3g",
        "BCG_NEO4J_PAGECACHE_MB": "2048",
    }
    script = str(ROOT / "scripts" / "neo4j.sh")
    if os.environ.get("BCG_NEO4J_URI"):
        yield os.environ["BCG_NEO4J_URI"], None
        return
    done = subprocess.run([script, "start"], env=env, capture_output=True, text=True, check=True)
    try:
        yield done.stdout.strip().splitlines()[-1], int((state / "pid").read_text())
    finally:
        subprocess.run([script, "stop"], env=env, check=False)


class CpuSteal:
    """The share of CPU time the hypervisor gave to other guests while a phase ran."""

    def __init__(self) -> None:
        self._start = self._times()
        self.percent = float("nan")

    @staticmethod
    def _times() -> list[int]:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        return [int(f) for f in fields]

    def stop(self) -> float:
        spent = [b - a for a, b in zip(self._start, self._times(), strict=True)]
        self.percent = 100 * spent[7] / max(sum(spent), 1)  # the 8th field is steal
        return self.percent


class CpuTime:
    """CPU seconds (user and system) that processes and this bench spent while a phase ran."""

    def __init__(self, **pids: int | None) -> None:
        self._pids = pids
        self._start = self._times()

    def _times(self) -> dict[str, float]:
        tick = os.sysconf("SC_CLK_TCK")
        out = {}
        for name, pid in self._pids.items():
            if pid is None:
                continue
            ticks = 0
            for process in [pid, *children(pid)]:
                fields = stat_fields(process)
                if fields is not None:
                    ticks += int(fields[11]) + int(fields[12])
            out[name] = ticks / tick
        own = resource.getrusage(resource.RUSAGE_SELF)
        out["clients"] = own.ru_utime + own.ru_stime
        return out

    def stop(self) -> dict[str, float]:
        return {name: spent - self._start[name] for name, spent in self._times().items()}


@contextmanager
def service(
    store: str, data: Path, neo4j_uri: str | None, workers: int = 1
) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BCG_")}
    env.update(
        {"BCG_STORE": store, "BCG_DATA_DIR": str(data), "BCG_API_KEY": KEY, "BCG_MAX_BODY_MB": "64"}
    )
    if neo4j_uri:
        env["BCG_NEO4J_URI"] = neo4j_uri
    process = subprocess.Popen(
        [str(BIN / "bcg"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        + (["--workers", str(workers)] if workers > 1 else []),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{store} service did not start")
        time.sleep(0.3)
    try:
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=60)


def peak_rss_mb(pid: int) -> float:
    """The peak resident sets of the service process and its workers, summed (pages
    the workers share are counted in each: an upper bound)."""
    total = 0.0
    for process in [pid, *children(pid)]:
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) / 1024
    return total


def stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name (which may hold spaces), from the state on
    (index 1 the parent, 11 and 12 user and system ticks); None when the process ended."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = stat_fields(int(stat.parent.name))
        if fields is not None and int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def ingest_api(url: str, deals: list[dict[str, Any]]) -> float:
    local = threading.local()

    def send(batch: list[dict[str, Any]]) -> None:
        if not hasattr(local, "client"):
            local.client = api_client(url)
        response = local.client.post("/v1/ingest/deals", json={"deals": batch})
        response.raise_for_status()
        assert not response.json()["rejected"], response.json()["rejected"][:1]

    return concurrently(batches(deals), send)


def migrate_raw(uri: str) -> None:
    """The same schema as the service (uniqueness constraints are what MERGE looks up),
    made before the baseline's clock and CPU meters start."""
    with GraphDatabase.driver(uri, auth=None, notifications_min_severity="OFF") as driver:
        Neo4jGraphStore(driver).migrate()


def ingest_raw(uri: str, deals: list[dict[str, Any]]) -> float:
    with GraphDatabase.driver(uri, auth=None, notifications_min_severity="OFF") as driver:

        def send(batch: list[dict[str, Any]]) -> None:
            with driver.session() as session:
                session.execute_write(
                    lambda tx: tx.run(RAW_MERGE, rows=batch, tenant="raw-baseline").consume()
                )

        return concurrently(batches(deals), send)


def api_client(url: str) -> httpx.Client:
    """The service with the bench's key, on one keep-alive connection: every request
    sent through it reaches the same worker."""
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=600)


def first_read_ms(client: httpx.Client) -> float:
    """The first ranking a worker answers after an import (it catches up with the
    counters the import moved: graph.live), or a fresh service's first (it loads them);
    timed on its own, so that the latency table shows the reads that follow (on the same
    connection, so in the same worker)."""
    started = time.perf_counter()
    client.get("/v1/influencers/roles").raise_for_status()
    return (time.perf_counter() - started) * 1000


def reads_after_writes(
    url: str, deals: list[dict[str, Any]], rounds: int, seed: int
) -> dict[str, list[float]]:
    """A CRM that keeps writing while a rep reads: each round updates one closed deal (its
    amount, through its own connection, as a connector would) and then reads a role
    ranking, a people ranking and that deal's likely committee; each read is timed."""
    rng = random.Random(seed)
    closed = [d for d in deals if d["outcome"] != "open"]
    segments: list[dict[str, str]] = [{}] + [{"industry": i} for i in INDUSTRIES]
    out: dict[str, list[float]] = {"roles": [], "people": [], "likely": []}
    with api_client(url) as writer, api_client(url) as reader:
        for _ in range(rounds):
            deal = dict(rng.choice(closed))
            deal["amount"] = round((deal.get("amount") or 10_000.0) * rng.uniform(0.5, 2.0), 2)
            writer.post("/v1/ingest/deals", json={"deals": [deal]}).raise_for_status()
            for kind, path, params in (
                ("roles", "/v1/influencers/roles", rng.choice(segments)),
                ("people", "/v1/influencers/people", rng.choice(segments)),
                ("likely", f"/v1/deals/{deal['id']}/likely-committee", {}),
            ):
                started = time.perf_counter()
                reader.get(path, params=params).raise_for_status()
                out[kind].append((time.perf_counter() - started) * 1000)
    return out


def read_latencies(
    client: httpx.Client, deal_ids: list[str], account_ids: list[str], requests: int, seed: int
) -> dict[str, list[float]]:
    rng = random.Random(seed)
    segments: list[dict[str, str]] = [{}]
    segments += [{"industry": i} for i in INDUSTRIES] + [{"region": r} for r in REGIONS]
    segments += [{"industry": i, "region": r} for i in INDUSTRIES for r in REGIONS]
    kinds: dict[str, Callable[[], tuple[str, dict[str, str]]]] = {
        "roles": lambda: ("/v1/influencers/roles", rng.choice(segments)),
        "people": lambda: ("/v1/influencers/people", rng.choice(segments)),
        "segment": lambda: ("/v1/segments/committee", rng.choice(segments)),
        "likely": lambda: (
            f"/v1/deals/{rng.choice(deal_ids)}/likely-committee"
            if rng.random() < 0.5
            else f"/v1/accounts/{rng.choice(account_ids)}/likely-committee",
            {},
        ),
    }
    out: dict[str, list[float]] = {}
    for name, make in kinds.items():
        times = []
        for _ in range(requests):
            path, params = make()
            started = time.perf_counter()
            response = client.get(path, params=params)
            times.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        out[name] = times
    return out


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--write-rounds", type=int, default=50, help="updates between reads")
    parser.add_argument(
        "--neo4j-workers", type=int, default=1, help="service worker processes on Neo4j"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    deals = crm(args.deals)
    seats = sum(len(d["participants"]) for d in deals)
    print(
        f"generated {len(deals)} deals, {seats} participations "
        f"in {time.perf_counter() - started:.1f}s",
        flush=True,
    )
    deal_ids = [d["id"] for d in deals]
    account_ids = sorted({d["account"]["id"] for d in deals})
    results: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bcg-bench-") as tmp,
        local_neo4j(Path(tmp) / "neo4j") as (uri, neo4j_pid),
    ):
        migrate_raw(uri)
        steal, cpu = CpuSteal(), CpuTime(neo4j=neo4j_pid)
        raw_s = ingest_raw(uri, deals)
        raw_steal, raw_cpu = steal.stop(), cpu.stop()
        print(
            f"baseline: bare driver {len(deals) / raw_s:.0f} deals/s (steal {raw_steal:.0f}%)",
            flush=True,
        )
        for store in ("neo4j", "sqlite"):
            workers = args.neo4j_workers if store == "neo4j" else 1
            neo4j = uri if store == "neo4j" else None
            running = service(store, Path(tmp) / store, neo4j, workers)
            with running as (url, pid), api_client(url) as c:
                steal = CpuSteal()
                cpu = CpuTime(neo4j=neo4j_pid if store == "neo4j" else None, service=pid)
                seconds = ingest_api(url, deals)
                ingest_steal, ingest_cpu = steal.stop(), cpu.stop()
                print(
                    f"{store} ({workers} worker{'s' if workers > 1 else ''}): API ingest "
                    f"{len(deals) / seconds:.0f} deals/s (steal {ingest_steal:.0f}%)",
                    flush=True,
                )
                rebuild_ms = first_read_ms(c)
                print(f"{store}: first read after ingest {rebuild_ms:.0f} ms", flush=True)
                steal = CpuSteal()
                latencies = read_latencies(c, deal_ids, account_ids, args.requests, seed=5)
                after_writes = reads_after_writes(url, deals, args.write_rounds, seed=6)
                rss = peak_rss_mb(pid)
                read_steal = steal.stop()
            # A fresh service on the same data: its first answer loads counters, not history.
            with (
                service(store, Path(tmp) / store, neo4j, workers) as (url, _),
                api_client(url) as fresh,
            ):
                fresh_ms = first_read_ms(fresh)
            print(f"{store}: a fresh service's first read {fresh_ms:.0f} ms", flush=True)
            results[store] = {
                "ingest_s": seconds,
                "ingest_cpu": ingest_cpu,
                "rebuild_ms": rebuild_ms,
                "first_read_ms": fresh_ms,
                "latencies": latencies,
                "after_writes": after_writes,
                "rss_mb": rss,
                "steal": (ingest_steal, read_steal),
            }
    rows_per_s = {s: len(deals) / results[s]["ingest_s"] for s in ("neo4j", "sqlite")}
    raw_rows_per_s = len(deals) / raw_s
    print()
    print(f"{'':28}{'Neo4j':>12}{'SQLite':>12}")
    print(f"{'ingest deals/s (API)':28}{rows_per_s['neo4j']:>12.0f}{rows_per_s['sqlite']:>12.0f}")
    print(
        f"{'ingest seats/s (API)':28}"
        f"{seats / results['neo4j']['ingest_s']:>12.0f}"
        f"{seats / results['sqlite']['ingest_s']:>12.0f}"
    )
    print(f"{'ingest deals/s (bare driver)':28}{raw_rows_per_s:>12.0f}{'-':>12}")
    per_1k = 1000 / len(deals)
    for part in ("neo4j", "service", "clients"):
        cells = [
            f"{results[s]['ingest_cpu'][part] * per_1k:>12.2f}"
            if part in results[s]["ingest_cpu"]
            else f"{'-':>12}"
            for s in ("neo4j", "sqlite")
        ]
        print(f"{f'ingest cpu-s/1k deals {part}':28}{''.join(cells)}")
    for part in ("neo4j", "clients"):
        spent = f"{raw_cpu[part] * per_1k:>12.2f}" if part in raw_cpu else f"{'-':>12}"
        print(f"{f'bare cpu-s/1k deals {part}':28}{spent}{'-':>12}")
    cores = {s: sum(results[s]["ingest_cpu"].values()) / results[s]["ingest_s"] for s in results}
    print(f"{'cores busy (API ingest)':28}{cores['neo4j']:>12.2f}{cores['sqlite']:>12.2f}")
    print(f"{'cores busy (bare driver)':28}{sum(raw_cpu.values()) / raw_s:>12.2f}{'-':>12}")
    for kind in ("roles", "people", "segment", "likely"):
        for q in (50, 95):
            label = f"{kind} p{q} ms"
            neo = percentile(results["neo4j"]["latencies"][kind], q)
            lite = percentile(results["sqlite"]["latencies"][kind], q)
            print(f"{label:28}{neo:>12.1f}{lite:>12.1f}")
    for kind in ("roles", "people", "likely"):
        label = f"{kind} after a write p95 ms"
        neo = percentile(results["neo4j"]["after_writes"][kind], 95)
        lite = percentile(results["sqlite"]["after_writes"][kind], 95)
        print(f"{label:28}{neo:>12.1f}{lite:>12.1f}")
    print(
        f"{'first read after ingest ms':28}{results['neo4j']['rebuild_ms']:>12.0f}"
        f"{results['sqlite']['rebuild_ms']:>12.0f}"
    )
    print(
        f"{'fresh service 1st read ms':28}{results['neo4j']['first_read_ms']:>12.0f}"
        f"{results['sqlite']['first_read_ms']:>12.0f}"
    )
    for phase, at in (("ingest", 0), ("reads", 1)):
        print(
            f"{f'cpu steal % ({phase})':28}{results['neo4j']['steal'][at]:>12.0f}"
            f"{results['sqlite']['steal'][at]:>12.0f}"
        )
    print(
        f"{'peak RSS MB (service)':28}{results['neo4j']['rss_mb']:>12.0f}"
        f"{results['sqlite']['rss_mb']:>12.0f}"
    )
    summary = {
        "deals": len(deals),
        "participations": seats,
        "ingest_vs_raw": round(rows_per_s["neo4j"] / raw_rows_per_s, 3),
        "ingest_rows_per_s": round(rows_per_s["neo4j"], 1),
        "ingest_cpu_vs_raw": (
            round(sum(raw_cpu.values()) / sum(results["neo4j"]["ingest_cpu"].values()), 3)
            if "neo4j" in raw_cpu
            else None
        ),
        "roles_p95_ms": round(percentile(results["neo4j"]["latencies"]["roles"], 95), 1),
        "people_p95_ms": round(percentile(results["neo4j"]["latencies"]["people"], 95), 1),
        "likely_p95_ms": round(percentile(results["neo4j"]["latencies"]["likely"], 95), 1),
        "embedded_vs_neo4j_read": round(
            percentile(results["sqlite"]["latencies"]["roles"], 95)
            / percentile(results["neo4j"]["latencies"]["roles"], 95),
            3,
        ),
        "read_after_write_p95_ms": round(
            max(
                percentile([t for ts in results[s]["after_writes"].values() for t in ts], 95)
                for s in results
            ),
            1,
        ),
        "first_read_ms": round(max(results[s]["first_read_ms"] for s in results), 1),
        "rss_mb": round(max(results[s]["rss_mb"] for s in results), 1),
        "rebuild_ms": round(results["neo4j"]["rebuild_ms"], 1),
        "cpu_steal_pct": round(max(raw_steal, *results["neo4j"]["steal"]), 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
