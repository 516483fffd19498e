"""Print a demo batch for `POST /v1/ingest/deals`: `python -m synth > deals.json`.

The demo world plants a champion role per industry (CISO in financial
services, CFO in healthcare; each sits mostly in its own industry), a
blocker (procurement), a role that only turns up in large deals (which lose
more), a consultant who helps win, and a famous analyst with a huge
audience and no effect.
"""

from __future__ import annotations

import argparse
import json
import sys

from synth.worlds import PersonSpec, RoleSpec, World

DEMO = World(
    seed=5,
    deals=600,
    base_logodds=0.3,
    large_effect=-1.2,
    accounts_per_segment=8,
    roles=(
        RoleSpec(
            "CISO",
            0.15,
            effect=1.4,
            industries=("Financial Services",),
            industry_presence=(("Financial Services", 0.7),),
        ),
        RoleSpec(
            "CFO",
            0.15,
            effect=1.4,
            industries=("Healthcare",),
            industry_presence=(("Healthcare", 0.7),),
        ),
        RoleSpec("Head of Procurement", 0.35, effect=-1.2),
        RoleSpec("General Counsel", 0.05, 0.9),
        RoleSpec("IT Manager", 0.5),
    ),
    people=(
        PersonSpec("guru", "Gus Guru", "Industry Analyst", 0.7, audience=2_000_000),
        PersonSpec("cleo", "Cleo Closer", "Senior Consultant", 0.1, effect=1.5, audience=90),
    ),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=DEMO.deals)
    parser.add_argument("--seed", type=int, default=DEMO.seed)
    args = parser.parse_args()
    world = World(**{**DEMO.__dict__, "deals": args.deals, "seed": args.seed})
    json.dump({"deals": world.generate()}, sys.stdout)


if __name__ == "__main__":
    main()
