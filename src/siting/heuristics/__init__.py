"""Fast incumbents: greedy construction plus swap interchange, fully vectorized.

They serve as MIP starts, as upper bounds for the p-center search, and as the answer when an
exact solve runs out of time.
"""

from .center import farthest_first, pcenter_swap
from .cover import greedy_max_cover
from .median import count_below, greedy_swap_median, swap_descent, swap_descent_sorted

__all__ = ["count_below", "farthest_first", "greedy_max_cover", "greedy_swap_median", "pcenter_swap",
           "swap_descent", "swap_descent_sorted"]
