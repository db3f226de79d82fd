"""Where a person or task lies in the tree: its community and its street (a grid lies in a community)."""

from __future__ import annotations

from shequ.areas.models import Area, Level


def up_to(area: Area, level: int) -> Area:
    """The ancestor of ``area`` at ``level`` (the area itself when it is there or above)."""
    node = area
    while node.level > level and node.parent_id is not None:
        node = node.parent  # type: ignore[assignment]  # parent is set: checked above
    return node


def community_of(area: Area) -> Area:
    return up_to(area, Level.COMMUNITY)


def street_of(area: Area) -> Area:
    return up_to(area, Level.STREET)
