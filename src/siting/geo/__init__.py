"""GIS front end: read point layers, settle on one CRS, compute travel costs, build an Instance.

Everything geographic ends here; formulations and the verifier only see the arrays of
:class:`siting.Instance`. Needs the ``geo`` extra (geopandas, pyogrio, pyproj, shapely).
"""

from __future__ import annotations

from .layers import LayerSpec, read_layer

__all__ = ["LayerSpec", "read_layer"]
