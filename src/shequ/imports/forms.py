from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area, Level
from shequ.areas.widgets import AreaPicker, AreaPickerField

from .services import check_upload


class ImportForm(forms.Form):
    community = AreaPickerField(label=_("Community"))
    file = forms.FileField(label=_("File (.xlsx or .csv)"))

    def __init__(
        self, *args: Any, areas: QuerySet[Area], levels: Iterable[int] = (Level.COMMUNITY,), **kwargs: Any
    ) -> None:
        """``areas``: where the actor may import (scoped), at the importer's ``levels``; the picker
        searches them as one types, so the page lists none of them."""
        super().__init__(*args, **kwargs)
        self.areas = areas
        only = list(areas.values_list("code", flat=True)[:2])
        if len(only) == 1:  # one community (community staff): chosen already
            self.initial.setdefault("community", only[0])
        field = self.fields["community"]
        assert isinstance(field.widget, AreaPicker)
        field.widget.levels = tuple(levels)

    def clean_community(self) -> str:
        code: str = self.cleaned_data["community"]
        if not self.areas.filter(code=code).exists():
            raise forms.ValidationError(_("There is no community with this code in your area: pick it from the list."))
        return code

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        try:
            # The same checks as the API's (the service makes them again; here they show on the field).
            check_upload(filename=upload.name or "", size=upload.size or 0)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["file"]) from None
        return upload
