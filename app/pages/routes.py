"""The pages under /app: sign-in, search, deal, account, segment, marketing, import.

See docs/decisions.md, "Pages for people".

Handlers read the request, ask app.pages.views, and render; they decide
nothing about the data. Every page needs a session (app.pages.access), every
form carries the session's CSRF token.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth import authenticate
from app.deps import get_services
from app.pages import charts, views
from app.pages.access import (
    Importer,
    PageRefused,
    Reader,
    SignedIn,
    Viewer,
    check_form,
    current_viewer,
    page_codec,
    safe_next,
)
from app.pages.jobs import ImportJobs, JobStatus
from app.pages.session import LOGIN_COOKIE, root_mark
from app.pages.templating import PageRoute, render
from app.schemas import CrmIngestResult, PersonItem

router = APIRouter(prefix="/app", include_in_schema=False, route_class=PageRoute)

RecordId = Annotated[str, Path(min_length=1, max_length=200)]
SegmentValue = Annotated[str | None, Query(max_length=200)]
CsvUpload = Annotated[UploadFile, File()]
OptionalUpload = Annotated[UploadFile | None, File()]
Token = Annotated[str, Form(max_length=200)]


def _is_fragment(request: Request) -> bool:
    """htmx asks for the part of a page it swaps in, not the whole page."""
    return request.headers.get("HX-Request") == "true"


def _login_token(nonce: str, request: Request) -> str:
    return page_codec(request).csrf_token("login:" + nonce)


# -- signing in and out ----------------------------------------------------------------


def _login_form(
    request: Request, back_to: str, status: int = 200, error: str | None = None
) -> HTMLResponse:
    codec = page_codec(request)
    nonce, cookie = codec.login_nonce(request)
    response = render(
        request,
        "login.html",
        status=status,
        csrf=_login_token(nonce, request),
        next=back_to,
        error=error,
        signed_out=request.query_params.get("signed_out") == "1",
    )
    if cookie is not None:
        codec.set_login(response, cookie)
    return response


@router.get("/login")
def login_page(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    if current_viewer(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_form(request, safe_next(next))


@router.post("/login")
def login(
    request: Request,
    key: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Token = "",
    next: Annotated[str, Form(max_length=2000)] = "/app",
) -> Response:
    codec = page_codec(request)
    nonce = codec.read_login(request.cookies.get(LOGIN_COOKIE))
    if nonce is None or not hmac.compare_digest(csrf_token, _login_token(nonce, request)):
        raise PageRefused(
            403,
            "Form refused",
            "The sign-in form had expired or did not come from this site. "
            "Open the sign-in page again.",
        )
    services = get_services(request)
    principal = authenticate(key.strip(), services.root_key, services.store) if key else None
    if principal is None:
        return _login_form(request, safe_next(next), 401, "This API key is not valid.")
    mark = root_mark(services.root_key) if principal.is_root else None
    response = RedirectResponse(safe_next(next), status_code=303)
    codec.set_session(response, codec.open(principal.tenant, principal.key_id, mark))
    codec.clear_login(response)
    return response


@router.post("/logout")
def logout(request: Request, viewer: SignedIn, csrf_token: Token = "") -> Response:
    check_form(viewer, csrf_token)
    response = RedirectResponse("/app/login?signed_out=1", status_code=303)
    page_codec(request).clear_session(response)
    return response


# -- finding things --------------------------------------------------------------------


@router.get("")
def home(request: Request, viewer: SignedIn) -> HTMLResponse:
    industries: list[str] = []
    regions: list[str] = []
    if viewer.can("read"):
        industries, regions = views.known_segments(get_services(request), viewer.tenant)
    return render(request, "home.html", viewer=viewer, industries=industries, regions=regions)


@router.get("/search")
def search(
    request: Request, viewer: Reader, q: Annotated[str, Query(max_length=200)] = ""
) -> HTMLResponse:
    found = views.search(get_services(request), viewer.tenant, q)
    template = "_search_hits.html" if _is_fragment(request) else "search.html"
    return render(request, template, viewer=viewer, q=q, found=found)


# -- the rep's pages -------------------------------------------------------------------


@router.get("/deals/{deal_id}")
def deal_page(request: Request, viewer: Reader, deal_id: RecordId) -> HTMLResponse:
    view = views.deal_view(get_services(request), viewer.tenant, deal_id)
    return render(
        request,
        "deal.html",
        viewer=viewer,
        view=view,
        deal=view.committee.deal,
        account=view.committee.account,
        picture=charts.committee_picture(
            view.committee.deal.name or view.committee.deal.id, view.committee.participants
        ),
        stances=charts.STANCES,
    )


@router.get("/accounts/{account_id}")
def account_page(
    request: Request,
    viewer: Reader,
    account_id: RecordId,
    amount: Annotated[float | None, Query(ge=0, le=1e13)] = None,
) -> HTMLResponse:
    view = views.account_view(get_services(request), viewer.tenant, account_id, amount)
    return render(
        request,
        "account.html",
        viewer=viewer,
        likely=view.likely,
        account=view.likely.account,
        amount=amount,
        signals=view.signals,
    )


# -- the marketer's pages --------------------------------------------------------------


@router.get("/segments")
def segment_page(
    request: Request,
    viewer: Reader,
    industry: SegmentValue = None,
    region: SegmentValue = None,
) -> HTMLResponse:
    services = get_services(request)
    view = views.segment_view(services, viewer.tenant, industry, region)
    industries, regions = views.known_segments(services, viewer.tenant)
    roles = charts.forest_plot(
        [
            charts.Effect(
                r.role, r.influence, r.interval[0], r.interval[1], r.presence, r.deals_present
            )
            for r in view.roles.items
        ]
    )

    def people_plot(items: list[PersonItem]) -> charts.ForestPlot:
        return charts.forest_plot(
            [
                charts.Effect(
                    p.person.name or p.person.id,
                    p.influence,
                    p.interval[0],
                    p.interval[1],
                    p.presence,
                    p.deals_present,
                )
                for p in items
            ]
        )

    return render(
        request,
        "segment.html",
        viewer=viewer,
        view=view,
        industry=industry or "",
        region=region or "",
        industries=industries,
        regions=regions,
        roles_plot=roles,
        champions_plot=people_plot(view.champions.items),
        blockers_plot=people_plot(view.blockers.items),
        sizes=charts.size_bars(view.committee.size_distribution),
    )


@router.get("/marketing")
def marketing_page(
    request: Request,
    viewer: Reader,
    industry: SegmentValue = None,
    region: SegmentValue = None,
    campaign: SegmentValue = None,
) -> HTMLResponse:
    services = get_services(request)
    view = views.marketing_view(services, viewer.tenant, industry, region, campaign)
    industries, regions = views.known_segments(services, viewer.tenant)
    spend = view.audit.spend
    return render(
        request,
        "marketing.html",
        viewer=viewer,
        view=view,
        industry=industry or "",
        region=region or "",
        campaign=campaign or "",
        industries=industries,
        regions=regions,
        chart=charts.spend_chart(spend.by_verdict, spend.total),
        verdict_words=charts.VERDICT_WORDS,
    )


# -- importing a CRM export ------------------------------------------------------------


def _jobs(request: Request) -> ImportJobs:
    return ImportJobs(get_services(request).settings.data_dir / "imports")


@router.get("/import")
def import_page(request: Request, viewer: Importer) -> HTMLResponse:
    settings = get_services(request).settings
    return render(request, "import.html", viewer=viewer, max_mb=settings.max_body_mb)


# The files whose rows the import counts as it goes: contacts first, then deals.
COUNTED: dict[views.CrmKind, tuple[str, str]] = {
    "salesforce": ("contacts", "opportunities"),
    "hubspot": ("contacts", "deals"),
}


def _start_import(
    request: Request, viewer: Viewer, kind: views.CrmKind, uploads: dict[str, UploadFile]
) -> Response:
    services = get_services(request)
    batch = min(services.settings.max_batch, 1000)  # as POST /v1/ingest/{crm} writes

    def run(files: Mapping[str, FilePath], progress: views.Progress) -> CrmIngestResult:
        return views.import_export(services.store, viewer.tenant, kind, files, batch, progress)

    job = _jobs(request).start(
        viewer.tenant, kind, {n: u.file for n, u in uploads.items()}, COUNTED[kind], run
    )
    return RedirectResponse(f"/app/import/jobs/{job.id}", status_code=303)


def _given(**uploads: UploadFile | None) -> dict[str, UploadFile]:
    """The files the form carried: a browser sends an optional field left empty as a
    nameless empty part."""
    return {name: u for name, u in uploads.items() if u is not None and u.filename}


@router.post("/import/salesforce")
def import_salesforce(
    request: Request,
    viewer: Importer,
    accounts: CsvUpload,
    opportunities: CsvUpload,
    contacts: CsvUpload,
    contact_roles: OptionalUpload = None,
    tasks: OptionalUpload = None,
    task_relations: OptionalUpload = None,
    events: OptionalUpload = None,
    event_relations: OptionalUpload = None,
    email_messages: OptionalUpload = None,
    email_message_relations: OptionalUpload = None,
    csrf_token: Token = "",
) -> Response:
    """The files POST /v1/ingest/salesforce takes; the activities' are optional."""
    check_form(viewer, csrf_token)
    uploads = _given(
        accounts=accounts,
        opportunities=opportunities,
        contacts=contacts,
        contact_roles=contact_roles,
        tasks=tasks,
        task_relations=task_relations,
        events=events,
        event_relations=event_relations,
        email_messages=email_messages,
        email_message_relations=email_message_relations,
    )
    return _start_import(request, viewer, "salesforce", uploads)


@router.post("/import/hubspot")
def import_hubspot(
    request: Request,
    viewer: Importer,
    contacts: CsvUpload,
    deals: CsvUpload,
    companies: OptionalUpload = None,
    calls: OptionalUpload = None,
    meetings: OptionalUpload = None,
    emails: OptionalUpload = None,
    notes: OptionalUpload = None,
    tasks: OptionalUpload = None,
    csrf_token: Token = "",
) -> Response:
    """The files POST /v1/ingest/hubspot takes; companies and activities are optional."""
    check_form(viewer, csrf_token)
    uploads = _given(
        contacts=contacts,
        deals=deals,
        companies=companies,
        calls=calls,
        meetings=meetings,
        emails=emails,
        notes=notes,
        tasks=tasks,
    )
    return _start_import(request, viewer, "hubspot", uploads)


@router.get("/import/jobs/{job_id}")
def import_job(request: Request, viewer: Importer, job_id: RecordId) -> HTMLResponse:
    job: JobStatus | None = _jobs(request).get(viewer.tenant, job_id)
    if job is None:
        raise PageRefused(404, "Not found", "There is no such import in your tenant.")
    template = "_job.html" if _is_fragment(request) else "job.html"
    return render(request, template, viewer=viewer, job=job, result=job.result)
