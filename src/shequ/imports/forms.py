from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area

from .services import check_upload


class ImportForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"))
    file = forms.FileField(label=_("File (.xlsx or .csv)"))

    def __init__(self, *args: Any, areas: Iterable[Area] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(a.code, f"{a.name}（{a.code}）") for a in areas]

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        try:
            # The same checks as the API's (the service makes them again; here they show on the field).
            check_upload(filename=upload.name or "", size=upload.size or 0)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["file"]) from None
        return upload
