"""The area picker: a code field that, with the page's script (static/shequ/area-picker.js), becomes a
search-as-you-type box over the actor's part of the tree (``/api/areas/search``), showing each match with
its path (和平区 › 浑河湾街道 › 水源地社区) and putting the chosen code into the field. Without the script
it stays a plain code field. The page carries no list of options: a city has thousands of communities."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from shequ.lib.scoping import Actor

from .models import Level
from .selectors import area_label


class AreaPicker(forms.TextInput):
    class Media:
        js = ["shequ/area-picker.js"]  # pages put it in through ``{{ form.media }}`` (_form.html does)

    def __init__(self, *, levels: tuple[int, ...] = (Level.COMMUNITY,), attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})})
        self.levels = levels
        # The path of the current value, set by a view that knows the actor (``areas.selectors.area_label``).
        self.label = ""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        # Wrapped here rather than in a widget template: the default form renderer does not read the
        # project's template folder. Everything the script needs is in data- attributes (no inline script).
        return format_html(
            '<span class="area-picker" data-area-picker data-url="{}" data-levels="{}" data-label="{}" '
            'data-placeholder="{}" data-empty="{}">{}</span>',
            reverse("api:areas_search"),
            ",".join(str(int(level)) for level in self.levels),
            self.label,
            _("Type a name, e.g. 水源地"),
            _("No match in your area."),
            super().render(name, value, attrs, renderer),
        )


class AreaPickerField(forms.CharField):
    """A field holding an area code, shown with the picker."""

    widget = AreaPicker

    def __init__(self, *, levels: tuple[int, ...] = (Level.COMMUNITY,), **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(widget=AreaPicker(levels=levels), **kwargs)

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).strip()


def label_picker(form: forms.Form, name: str, actor: Actor) -> None:
    """Let the picker of ``form[name]`` show the path of its current value (after a failed post, or an
    initial value), read within the actor's area."""
    widget = form.fields[name].widget
    value = form[name].value()
    if isinstance(widget, AreaPicker) and value:
        widget.label = area_label(actor=actor, code=str(value)[:20])
