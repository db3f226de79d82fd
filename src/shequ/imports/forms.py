from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


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
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        if not (upload.name or "").lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        return upload
