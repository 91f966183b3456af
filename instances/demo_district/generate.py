"""Regenerate the demo district: python instances/demo_district/generate.py [SEED]

Writes demo_district.gpkg (layers blocks, sites, streets, communities) next to this file.
The generator itself is siting.testing.district (seeded, deterministic).
"""

import sys
from pathlib import Path

from siting.testing.district import generate, write

if __name__ == "__main__":
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 20240115
    out = Path(__file__).with_name("demo_district.gpkg")
    out.unlink(missing_ok=True)
    district = generate(seed)
    write(district, str(out))
    print(f"{out}: {len(district.blocks)} blocks ({int(district.blocks.total.sum()):,} residents), "
          f"{len(district.sites)} candidate sites, {district.communities.shape[0]} communities")
