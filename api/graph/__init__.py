"""Plain-Python argument graph: the model, diagrams, interchange formats, evaluation.

Nothing in this package imports Django or DRF.
"""

from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Role, Statement, compute_roles

__all__ = ["ArgumentGraph", "Kind", "Link", "MapInfo", "Role", "Statement", "compute_roles"]
