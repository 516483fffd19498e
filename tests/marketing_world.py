"""A generated CRM with a planted marketing plan (issue 15), shared by the marketing tests.

The truth: CISOs decide (a strong role effect) and a partner consultant moves deals (a
strong person effect), yet nobody targets either. Most of the spend goes to a famous
analyst who sits in half of all deals and changes nothing, and to bloggers who never sit
in any. A CFO (a role that helps) and a few IT managers (present, no effect) are
targeted cheaply; a marketing director who never sat in a deal is on a webinar list.
Among customers, Carla (100 followers) champions her account's deals and wins them;
Sam (a million followers) cheers just as loudly and changes nothing.
"""

from __future__ import annotations

from typing import Any

from synth.worlds import PersonSpec, RoleSpec, World

CISO_ROLE = "c_level.security"
CFO_ROLE = "c_level.finance"
IT_ROLE = "manager.it"
LEGAL_ROLE = "staff.legal"
CONSULTANT = "ext-consultant"
ANALYST = "ext-analyst"
CARLA = "cust-carla"
SAM = "cust-sam"


def world() -> World:
    return World(
        seed=15,
        deals=800,
        base_logodds=-0.6,
        roles=(
            RoleSpec("CISO", 0.35, effect=1.6),
            RoleSpec("CFO", 0.4, effect=0.9),
            RoleSpec("IT Manager", 0.85),
            RoleSpec("Legal Counsel", 0.3, effect=-1.0),
        ),
        people=(
            PersonSpec(CONSULTANT, "Petra Partner", "Partner Consultant", 0.2, 1.4, 800),
            PersonSpec(ANALYST, "Harry Hype", "Industry Analyst", 0.5, 0.0, 500_000),
            PersonSpec(
                CARLA,
                "Carla Customer",
                "Operations Lead",
                0.95,
                2.5,
                100,
                account_id="acc-0-0-1",
                email="carla@customer.example",
                stance="champion",
                home_only=True,
            ),
            PersonSpec(
                SAM,
                "Sam Star",
                "Head of Community",
                0.95,
                0.0,
                1_000_000,
                account_id="acc-1-1-2",
                stance="champion",
                home_only=True,
            ),
        ),
    )


MARKETING_DIRECTOR = {
    "id": "p-mia",
    "name": "Mia Marketing",
    "email": "mia@fs-emea-0.example",
    "title": "Marketing Director",
    "account_id": "acc-0-0-0",
}


def targets() -> list[dict[str, Any]]:
    """The plan: 83,500 spent, 80,000 of it on the analyst and the bloggers."""
    plan: list[dict[str, Any]] = [
        {
            "id": f"t-analyst-{n}",
            "campaign": "Analyst Day",
            "channel": "event",
            "spend": 15_000,
            "occurred_at": f"2025-0{n}-15",
            "person_id": ANALYST,
            "audience": 500_000,
        }
        for n in (1, 2, 3)
    ]
    plan += [
        {
            "id": "t-blog-bea",
            "campaign": "Influencers",
            "channel": "sponsored post",
            "spend": 20_000,
            "name": "Bea Blogger",
            "title": "Security Blogger",
            "audience": 300_000,
        },
        {
            "id": "t-blog-vic",
            "campaign": "Influencers",
            "channel": "sponsored post",
            "spend": 15_000,
            "name": "Vic Vlogger",
            "company": "Vlog Media",
            "audience": 150_000,
        },
        {
            "id": "t-mia",
            "campaign": "Webinar",
            "channel": "webinar",
            "spend": 1_500,
            "email": "MIA@fs-emea-0.example",
        },
        {
            "id": "t-cfo",
            "campaign": "Webinar",
            "channel": "webinar",
            "spend": 500,
            "person_id": "acc-1-0-3-r1",
        },
    ]
    # IT managers named as a list from a trade fair has them: name, company, title.
    for n, (account, company) in enumerate(
        [
            ("acc-0-0-0", "Financial Services EMEA 0"),
            ("acc-0-1-4", "Financial Services AMER 4"),
            ("acc-1-0-5", "Healthcare EMEA 5"),
        ]
    ):
        plan.append(
            {
                "id": f"t-it-{n}",
                "campaign": "Webinar",
                "channel": "webinar",
                "spend": 500,
                "name": f"Person 2 of {account}",
                "company": company,
                "title": "IT Manager",
            }
        )
    return plan
