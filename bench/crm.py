"""A seeded CRM at scale: accounts, people, deals and participations, with planted effects.

100,000 deals and about 600,000 participations by default (`--deals` for less).
"""

from __future__ import annotations

from typing import Any

from synth.worlds import PersonSpec, RoleSpec, World

INDUSTRIES = (
    "Financial Services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Software",
    "Public Sector",
)
REGIONS = ("EMEA", "AMER", "APAC", "LATAM")


def crm(deals: int, seed: int = 11) -> list[dict[str, Any]]:
    """Deals in the shape of `POST /v1/ingest/deals` (about six people each)."""
    accounts = max(1, min(200, deals // 500))
    world = World(
        seed=seed,
        deals=deals,
        industries=INDUSTRIES,
        regions=REGIONS,
        accounts_per_segment=accounts,
        base_logodds=0.1,
        large_effect=-1.0,
        roles=(
            RoleSpec(
                "CISO",
                0.3,
                effect=1.2,
                industries=("Financial Services",),
                industry_presence=(("Financial Services", 0.75),),
            ),
            RoleSpec("CFO", 0.45, effect=0.8, industries=("Healthcare", "Retail")),
            RoleSpec("Head of Procurement", 0.6, effect=-0.9),
            RoleSpec("IT Manager", 0.7),
            RoleSpec("VP Engineering", 0.5, effect=0.4),
            RoleSpec("General Counsel", 0.1, 0.9),
            RoleSpec("COO", 0.35),
            RoleSpec("Director of IT", 0.55),
            RoleSpec("Security Architect", 0.4),
            RoleSpec("Chief Medical Officer", 0.05, industry_presence=(("Healthcare", 0.6),)),
            RoleSpec("Project Manager", 0.6),
            RoleSpec("Enterprise Architect", 0.5),
        ),
        people=(
            PersonSpec("guru", "Gus Guru", "Industry Analyst", 0.3, audience=2_000_000),
            PersonSpec("cleo", "Cleo Closer", "Senior Consultant", 0.05, effect=1.2),
        ),
    )
    return world.generate()
