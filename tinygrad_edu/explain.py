"""A gradient as a sum over paths: `paths` and `explain` (they live in
`tinygrad_edu.viz.explain`, beside the pictures; this module keeps the name users import)."""

from .viz.explain import DEFAULT_LIMIT, Path, Step, TooManyPaths, count_paths, explain, paths

__all__ = ["paths", "explain", "count_paths", "Path", "Step", "TooManyPaths", "DEFAULT_LIMIT"]
