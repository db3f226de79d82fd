from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ImportForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"))
    file = forms.FileField(label=_("Roster file (.xlsx or .csv)"))

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.code, f"{c.name}（{c.code}）") for c in communities]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        return upload


class ResidentFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, identity number, phone or address"), required=False, max_length=60)
    tag = forms.ChoiceField(label=_("Group"), required=False)
    area = forms.CharField(label=_("Area code"), required=False, max_length=20)

    def __init__(self, *args, tag_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", _("Everyone")), *tag_choices]


class ExportForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for an unmasked export (leave empty for masked)"), required=False, max_length=200
    )


class LeaveForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    died = forms.BooleanField(label=_("Died (not moved out)"), required=False)
