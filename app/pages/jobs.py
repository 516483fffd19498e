"""CRM imports started from the import page: run in the background, watched by polling.

An export of a real CRM takes minutes to import, longer than a browser waits
for one request. The upload is saved, the import runs in a thread, and the
page polls the job's status. Status lives in a file in the data directory, not
in memory: with several workers the poll may reach another worker than the one
that runs the import, and the file is what they share. A job whose process is
gone (a restart) is reported as interrupted instead of running forever.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from app.schemas import CrmIngestResult
from graph.errors import InvalidInput, StoreUnavailable
from ingest.crm.csvfiles import decode, read_bytes

log = logging.getLogger("bcg.pages.import")

State = Literal["running", "done", "failed", "interrupted"]
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
KEEP_DAYS = 7  # finished jobs' reports are kept this long, then pruned
Progress = Callable[[str, int], None]
Runner = Callable[[Mapping[str, Path], Progress], CrmIngestResult]


@dataclass(frozen=True)
class JobStatus:
    id: str
    tenant: str
    kind: str
    state: State
    started_at: str
    pid: int
    rows_total: int | None = None  # contacts and deals in the files, when they could be counted
    rows_done: int = 0
    phase: str = "reading the files"
    finished_at: str | None = None
    report: dict[str, Any] | None = None  # CrmIngestResult as the API answers it
    error: dict[str, str] | None = field(default=None)  # {"field", "message"}

    @property
    def finished(self) -> bool:
        return self.state != "running"

    @property
    def result(self) -> CrmIngestResult | None:
        return CrmIngestResult.model_validate(self.report) if self.report else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def count_records(binary: IO[bytes]) -> int | None:
    """Rows of a CSV export below its header (quoted line breaks are one row), so that
    progress has a total; None when the file cannot be read as CSV text."""
    try:
        text = decode("upload", read_bytes(binary)).text
        rows = sum(1 for _ in csv.reader(io.StringIO(text, newline="")))
    except (InvalidInput, csv.Error):
        return None
    return max(rows - 1, 0)


class ImportJobs:
    """Import jobs under one directory, one folder each: the uploaded files while the
    import runs, and `status.json`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, job_id: str) -> Path:
        return self.root / job_id

    def _write(self, status: JobStatus) -> None:
        path = self._folder(status.id) / "status.json"
        partial = path.with_suffix(".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(status), handle)
        os.replace(partial, path)  # a poll reads the old status or the new, never half

    def get(self, tenant: str, job_id: str) -> JobStatus | None:
        """The job's status, for its own tenant only (another tenant's job is not found)."""
        if not JOB_ID.match(job_id):
            return None
        try:
            data = json.loads((self._folder(job_id) / "status.json").read_text("utf-8"))
            status = JobStatus(**data)
        except (OSError, ValueError, TypeError):  # gone, or written by another version
            return None
        if status.tenant != tenant:
            return None
        if status.state == "running" and not _alive(status.pid):
            return replace(status, state="interrupted")
        return status

    def start(
        self,
        tenant: str,
        kind: str,
        uploads: Mapping[str, IO[bytes]],
        counted: tuple[str, ...],
        run: Runner,
    ) -> JobStatus:
        """Save the uploads, count the rows of the `counted` files, and run the import
        in a thread; answers the first status."""
        self._prune()
        job_id = secrets.token_urlsafe(16)
        folder = self._folder(job_id)
        folder.mkdir(parents=True, mode=0o700)
        files: dict[str, Path] = {}
        for name, upload in uploads.items():
            files[name] = folder / f"{name}.csv"
            with files[name].open("wb") as out:
                shutil.copyfileobj(upload, out)
        totals = []
        for name in counted:
            with files[name].open("rb") as handle:
                totals.append(count_records(handle))
        total = None if None in totals else sum(t for t in totals if t is not None)
        status = JobStatus(job_id, tenant, kind, "running", _now(), os.getpid(), rows_total=total)
        self._write(status)
        thread = threading.Thread(
            target=self._run, args=(status, files, run), name=f"bcg-import-{job_id}", daemon=True
        )
        thread.start()
        return status

    def _run(self, status: JobStatus, files: Mapping[str, Path], run: Runner) -> None:
        done = 0

        def progress(what: str, rows: int) -> None:
            nonlocal done
            done += rows
            self._write(replace(status, rows_done=done, phase=f"writing {what}"))

        try:
            result = run(files, progress)
        except InvalidInput as error:
            final = replace(
                status, state="failed", error={"field": error.field, "message": error.message}
            )
        except StoreUnavailable:
            final = replace(
                status,
                state="failed",
                error={
                    "field": "store",
                    "message": "The graph store could not be reached. Batches written "
                    "before stay written; import the files again once it is back "
                    "(records already in are counted unchanged).",
                },
            )
        except Exception:  # the job must end with a status, whatever went wrong
            log.exception("import job failed")
            final = replace(
                status,
                state="failed",
                error={"field": "(import)", "message": "The import failed; the error was logged."},
            )
        else:
            final = replace(
                status, state="done", phase="done", report=result.model_dump(mode="json")
            )
        self._write(replace(final, rows_done=done, finished_at=_now()))
        for path in files.values():
            path.unlink(missing_ok=True)

    def _prune(self) -> None:
        """Forget jobs finished more than KEEP_DAYS ago (their reports name records)."""
        if not self.root.exists():
            self.root.mkdir(parents=True, mode=0o700, exist_ok=True)
            return
        horizon = time.time() - KEEP_DAYS * 86400
        for folder in self.root.iterdir():
            status = folder / "status.json"
            try:
                stale = status.stat().st_mtime < horizon
            except OSError:
                continue
            if stale:
                shutil.rmtree(folder, ignore_errors=True)
