"""Print a demo batch for `POST /v1/ingest/deals`: `python -m synth --deals 400 > deals.json`.

The demo world plants a champion role per industry (CISO in financial
services, CFO in healthcare), a blocker (procurement), a role that only
turns up in large deals (which lose more) and a famous analyst with a huge
audience and no effect.
"""

from __future__ import annotations

import argparse
import json
import sys

from synth.worlds import PersonSpec, RoleSpec, World

DEMO = World(
    seed=4,
    deals=400,
    base_logodds=0.3,
    large_effect=-1.2,
    accounts_per_segment=8,
    roles=(
        RoleSpec("CISO", 0.4, effect=1.4, industries=("Financial Services",)),
        RoleSpec("CFO", 0.4, effect=1.4, industries=("Healthcare",)),
        RoleSpec("Head of Procurement", 0.35, effect=-1.2),
        RoleSpec("General Counsel", 0.05, 0.9),
        RoleSpec("IT Manager", 0.5),
    ),
    people=(PersonSpec("guru", "Gus Guru", "Industry Analyst", 0.7, audience=2_000_000),),
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
