"""Country (ISO code or common name) → sales region (AMER, EMEA, APAC, LATAM), from a data table."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    raw = tomllib.loads(resources.files("ingest").joinpath("data/regions.toml").read_text("utf-8"))
    region_of = {code: region for region, codes in raw["regions"].items() for code in codes}
    return region_of, dict(raw["names"])


def country_code(country: str | None) -> str | None:
    """ISO alpha-2 code of a country given as a code or a common name; None if unknown."""
    if not country or not country.strip():
        return None
    region_of, names = _tables()
    folded = country.strip().lower()
    if folded.upper() in region_of:
        return folded.upper()
    return names.get(folded)


def region_of_country(country: str | None) -> str | None:
    code = country_code(country)
    return _tables()[0].get(code) if code else None
