"""The one way to read area data: ``Model.objects.visible_to(actor)``.

A model that holds area data names the lookup from itself to its area's materialised path in
``area_path_lookup`` and uses a manager built from ``AreaScopedQuerySet``. A row is visible when its
area lies in the subtree of an area where the actor holds a grant whose role gives the capability.
"""

from __future__ import annotations

from django.db import models


class AreaScopedQuerySet(models.QuerySet):
    def visible_to(self, actor, capability=None):
        from shequ.accounts.access import granted_paths
        from shequ.accounts.roles import Capability

        paths = granted_paths(actor, capability or Capability.AREA_READ)
        if not paths:
            return self.none()
        return self.filter(self._area_filter(paths))

    def _area_filter(self, paths: list[str]) -> models.Q:
        lookup = f"{self.model.area_path_lookup}__startswith"
        q = models.Q()
        for path in paths:
            q |= models.Q(**{lookup: path})
        return q
