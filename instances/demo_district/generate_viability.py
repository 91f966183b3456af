"""Regenerate the viability demo: python instances/demo_district/generate_viability.py [SEED]

Writes demo_viability.gpkg (layers blocks, sites, streets, communities) next to this file: a
smaller district from the same generator (siting.testing.district; seeded, deterministic) whose
sites may also host the seed's market and quality services — vacant shops the shops and service
points, community rooms the care and culture rooms, old factory floors everything.
"""

import sys
from pathlib import Path

from siting.testing.district import generate, write

MARKET = "convenience_store;fresh_food;breakfast;express;repair;housekeeping"
ROOMS = "nursing_station;rehab_care;culture;leisure_social"

if __name__ == "__main__":
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 20240115
    out = Path(__file__).with_name("demo_viability.gpkg")
    out.unlink(missing_ok=True)
    district = generate(seed, width=1200, height=900, n_blocks=150, n_sites=24, cols=2, rows=1)
    sites = district.sites
    extra = sites["kind"].map({"vacant shop": MARKET, "community room": ROOMS}).fillna(
        MARKET + ";" + ROOMS)
    sites["services"] = sites["services"].astype(str) + ";" + extra
    write(district, str(out))
    print(f"{out}: {len(district.blocks)} blocks ({int(district.blocks.total.sum()):,} residents), "
          f"{len(sites)} candidate sites, {district.communities.shape[0]} communities")
