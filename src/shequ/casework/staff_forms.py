"""Forms of the staff pages of casework: the queue's filters, the actions on a case, an upload, a visit,
and filing for a resident (the item's own typed form, built from the version it is filed under)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .files import sniff_type
from .models import CaseState, ChannelChoice

# Staff file on these channels; online is the resident's own.
STAFF_CHANNELS = (ChannelChoice.PROXY, ChannelChoice.DOOR)
# The typed form's fields carry this prefix on the page: an item's field may be called "reason" or "note".
FIELD_PREFIX = "v_"


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class QueueFilterForm(forms.Form):
    """The queue's filters (GET): all optional; an unbound form shows the open cases."""

    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    item = forms.ChoiceField(label=gettext_lazy("Service item"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)
    area = forms.ChoiceField(label=gettext_lazy("Area"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    mine = forms.BooleanField(label=gettext_lazy("Mine only"), required=False)

    def __init__(self, *args: Any, items: list[tuple[str, str]], areas: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_choices(self, "state", [("", _("All")), ("open", _("Open"))] + list(CaseState.choices))
        _set_choices(self, "item", [("", _("All"))] + items)
        _set_choices(self, "channel", [("", _("All"))] + list(ChannelChoice.choices))
        _set_choices(self, "area", [("", _("All my area"))] + areas)
        if len(areas) < 2:
            del self.fields["area"]


class ActionForm(forms.Form):
    """One transition of the workflow, with the note the applicant reads; a request for materials names
    them all at once (一次性告知)."""

    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    materials = forms.MultipleChoiceField(
        label=gettext_lazy("Missing materials"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, materials: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_choices(self, "materials", list(materials.items()))


def _checked_upload(upload: UploadedFile) -> UploadedFile:
    """An upload of an accepted type (read from its content) and size, ready to be read from the start."""
    head = upload.read(16)
    upload.seek(0)
    if sniff_type(head) is None:
        raise forms.ValidationError(_("Only PDF, JPEG and PNG files are accepted."))
    limit = settings.SHEQU_CASE_ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": limit // 1024 // 1024})
    return upload


class CheckedFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        return _checked_upload(upload) if upload else upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files at once (the photos of a visit), each checked like one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [_checked_upload(super(MultipleFileField, self).clean(f, initial)) for f in files]


class AttachForm(forms.Form):
    material = forms.ChoiceField(label=gettext_lazy("Material"))
    file = CheckedFileField(label=gettext_lazy("File (PDF, JPEG or PNG)"))

    def __init__(self, *args: Any, materials: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_choices(self, "material", [("", _("Other file"))] + list(materials.items()))
        self.fields["material"].required = False


class VisitForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Result of the visit"),
        choices=list(services.VISIT_OUTCOMES.items()),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(label=gettext_lazy("Photos"), required=False)


class ChooseForm(forms.Form):
    """The first step of filing for a resident: the channel, the item and the resident (found by name, or
    the last four digits of the identity number, within the actor's area)."""

    channel = forms.ChoiceField(label=gettext_lazy("Channel"), widget=forms.RadioSelect)
    item = forms.ChoiceField(label=gettext_lazy("Service item"))
    q = forms.CharField(
        label=gettext_lazy("Resident (name, address or phone)"), required=False, max_length=60, strip=True
    )

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_choices(self, "channel", [(c.value, c.label) for c in STAFF_CHANNELS])
        _set_choices(self, "item", [("", "—")] + items)


class FilingForm(forms.Form):
    """The item's typed form (its version's ``form``), and for a proxy filing the resident's consent and
    why they cannot apply themselves. The values are checked again by ``services.case_file``."""

    consent_method = forms.ChoiceField(label=gettext_lazy("Consent given by"), required=False)
    consent_note = forms.CharField(label=gettext_lazy("Consent note"), required=False, max_length=200)
    proxy_reason = forms.CharField(
        label=gettext_lazy("Why the resident cannot apply themselves"), required=False, max_length=200
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, max_length=2000, widget=forms.Textarea
    )

    def __init__(
        self,
        *args: Any,
        spec: list[dict[str, Any]],
        household: list[tuple[int, str]],
        applicant_id: int,
        proxy: bool,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.spec = spec
        typed: dict[str, forms.Field] = {}
        for field in spec:
            label, required = field["label"], bool(field.get("required"))
            kind = field["type"]
            made: forms.Field
            if kind == "number":
                made = forms.DecimalField(label=label, required=required, max_digits=16, decimal_places=4)
            elif kind == "date":
                made = forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))
            elif kind == "choice":
                made = forms.ChoiceField(
                    label=label, required=required, choices=[("", "—")] + [(c, c) for c in field.get("choices", [])]
                )
            elif kind == "household_member":
                made = forms.TypedChoiceField(
                    label=label,
                    required=required,
                    coerce=int,
                    choices=[("", "—")] + [(str(pk), name) for pk, name in household],
                    initial=str(applicant_id) if field["name"] == "applicant" else "",
                )
            elif kind == "file":
                made = CheckedFileField(label=label, required=required)
            else:
                made = forms.CharField(label=label, required=required, max_length=500)
            typed[FIELD_PREFIX + field["name"]] = made
        # The item's fields first, then the proxy's, then the description.
        self.fields = {**typed, **self.fields}
        if proxy:
            _set_choices(self, "consent_method", [("", "—")] + list(services.CONSENT_METHODS.items()))
            self.fields["consent_method"].required = True
            self.fields["proxy_reason"].required = True
        else:
            for name in ("consent_method", "consent_note", "proxy_reason"):
                del self.fields[name]

    def values(self) -> dict[str, Any]:
        """The typed form's values, by the item's field names (files apart)."""
        out: dict[str, Any] = {}
        for field in self.spec:
            if field["type"] == "file":
                continue
            value = self.cleaned_data.get(FIELD_PREFIX + field["name"])
            if value not in (None, ""):
                out[field["name"]] = str(value) if field["type"] == "number" else value
        return out

    def uploads(self) -> list[tuple[str, UploadedFile]]:
        return [
            (field["name"], self.cleaned_data[FIELD_PREFIX + field["name"]])
            for field in self.spec
            if field["type"] == "file" and self.cleaned_data.get(FIELD_PREFIX + field["name"])
        ]

    def field_of(self, name: str) -> str | None:
        """The page's field for a name a service's error uses."""
        if FIELD_PREFIX + name in self.fields:
            return FIELD_PREFIX + name
        return name if name in self.fields else None
