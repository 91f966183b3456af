"""A seeded 5,934-point TSPLIB file in the clustered layout of pcb3038 (rl5934 of the paper's
tables is not in the shared folder): every pcb3038 point plus 2,896 points drawn from them and
moved by a rounded Gaussian offset (sigma 25 units, about a quarter of pcb3038's grid pitch).
Used to measure peak memory and "no run without a bound" at n = 5,934.

    python -m benchmarks.tsplib_synth OUT_DIR      # writes OUT_DIR/clu5934.tsp
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from siting.readers.tsplib import read_tsplib

N = 5934
SIGMA = 25.0
SEED = 5934


def points(source: Path, n: int = N, seed: int = SEED) -> np.ndarray:
    """The base file's points plus ``n - len`` jittered copies of randomly drawn ones."""
    xy = np.asarray(read_tsplib(source).metadata["xy"], dtype=float)
    rng = np.random.default_rng(seed)
    pick = rng.choice(xy.shape[0], n - xy.shape[0], replace=xy.shape[0] < n - xy.shape[0])
    extra = np.round(xy[pick] + rng.normal(0.0, SIGMA, (pick.size, 2)))
    return np.vstack((xy, extra))


def write(xy: np.ndarray, path: Path, name: str) -> None:
    lines = [f"NAME : {name}",
             f"COMMENT : pcb3038 + {xy.shape[0] - 3038} jittered copies (seed {SEED}, "
             f"sigma {SIGMA:g}); benchmarks/tsplib_synth.py",
             "TYPE : TSP", f"DIMENSION : {xy.shape[0]}", "EDGE_WEIGHT_TYPE : EUC_2D",
             "NODE_COORD_SECTION"]
    lines += [f"{i + 1} {x:.0f} {y:.0f}" for i, (x, y) in enumerate(xy)]
    path.write_text("\n".join(lines + ["EOF", ""]))


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(".")
    out.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parents[2] / "shared" / "instances" / "tsplib-pmed"
    write(points(root / "pcb3038.tsp"), out / "clu5934.tsp", "clu5934")
    print(out / "clu5934.tsp")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
