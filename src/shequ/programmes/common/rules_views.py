"""The administrator's pages for the programmes' reference data: every programme, one programme with its
eligibility rules, benefits and their groups, and visit rules (those in force, those to come, those
ended), and the forms that change them. Thin: ``rules_services`` reads and writes, and refuses anyone
without ``REFERENCE_EDIT`` (the city administrator)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.feedback import submit, submit_and_flash

from . import rules_services as rules
from .eligibility import describe
from .models import Programme
from .rules_forms import BenefitForm, EndForm, ProgrammeForm, RuleForm


def _kind_label(kind: str) -> str:
    return {
        "eligibility": _("Who may join"),
        "benefit": _("Benefit group"),
        "visit": _("Visit rule"),
    }[kind]


def _state(rule: Any, today: Any) -> str:
    if rule.valid_to is not None and rule.valid_to < today:
        return "ended"
    if rule.valid_from > today:
        return "future"
    return "in_force"


def _rows(rows: Any, today: Any) -> list[dict[str, Any]]:
    return [{"rule": r, "words": describe(r), "state": _state(r, today)} for r in rows]


@login_required
@require_GET
def programmes(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    return render(
        request, "programme_rules/programmes.html", {"programmes": rules.programmes_for_edit(actor=request.user)}
    )


@login_required
@require_GET
def programme(request: AuthenticatedHttpRequest, code: str) -> HttpResponseBase:
    found = rules.programme_for_edit(actor=request.user, code=code)
    today = timezone.localdate()
    benefits = [
        (benefit, _rows(benefit.rules.select_related("area").order_by("valid_from", "pk"), today))
        for benefit in found.benefits.order_by("ordering", "code")
    ]
    return render(
        request,
        "programme_rules/programme.html",
        {
            "programme": found,
            "eligibility": _rows(found.rules.select_related("area").order_by("valid_from", "pk"), today),
            "benefits": benefits,
            "visit_rules": _rows(found.visit_rules.select_related("area").order_by("valid_from", "pk"), today),
            "end_form": EndForm(initial={"on": today}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: AuthenticatedHttpRequest, code: str) -> HttpResponseBase:
    found = rules.programme_for_edit(actor=request.user, code=code)
    form = ProgrammeForm(request.POST or None, initial=ProgrammeForm.initial_of(found))
    if request.method == "POST":
        saved = submit(form, lambda d: rules.programme_update(actor=request.user, code=found.code, **d))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("programme_rules:programme", code=found.code)
    return _form_page(request, found, form, _("Edit the programme"))


def _form_page(
    request: AuthenticatedHttpRequest, found: Programme, form: Any, heading: str, rule: Any = None
) -> HttpResponseBase:
    return render(
        request,
        "programme_rules/form.html",
        {"programme": found, "form": form, "heading": heading, "rule": rule},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def benefit_new(request: AuthenticatedHttpRequest, code: str) -> HttpResponseBase:
    found = rules.programme_for_edit(actor=request.user, code=code)
    form = BenefitForm(request.POST or None, initial={"ordering": found.benefits.count()})
    if request.method == "POST":
        saved = submit(form, lambda d: rules.benefit_save(actor=request.user, code=found.code, create=True, **d))
        if saved is not None:
            messages.success(request, _("Benefit added."))
            return redirect("programme_rules:programme", code=found.code)
    return _form_page(request, found, form, _("Add a benefit"))


@login_required
@require_http_methods(["GET", "POST"])
def benefit_edit(request: AuthenticatedHttpRequest, code: str, benefit: str) -> HttpResponseBase:
    chosen = rules.benefit_for_edit(actor=request.user, code=code, benefit_code=benefit)
    initial = {
        "benefit_code": chosen.code,
        "name": chosen.name,
        "category": chosen.category,
        "unit": chosen.unit,
        "ordering": chosen.ordering,
    }
    form = BenefitForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST":
        saved = submit(form, lambda d: rules.benefit_save(actor=request.user, code=code, **d))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("programme_rules:programme", code=code)
    return _form_page(request, chosen.programme, form, _("Edit the benefit"))


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request: AuthenticatedHttpRequest, code: str, kind: str) -> HttpResponseBase:
    found = rules.programme_for_edit(actor=request.user, code=code)
    rules.rule_model(kind)  # an unknown kind is a 404
    benefit_code = request.GET.get("benefit", "") or request.POST.get("benefit", "")
    if kind == "benefit" and not found.benefits.filter(code=benefit_code).exists():
        raise Http404
    form = RuleForm(request.POST or None, kind=kind, initial={"valid_from": timezone.localdate()})
    if request.method == "POST":
        saved = submit(
            form,
            lambda d: rules.rule_add(
                actor=request.user, code=found.code, kind=kind, criteria=d, benefit_code=benefit_code
            ),
        )
        if saved is not None:
            messages.success(request, _("Rule added."))
            return redirect("programme_rules:programme", code=found.code)
    return _form_page(request, found, form, _kind_label(kind) + " · " + _("New rule"))


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: AuthenticatedHttpRequest, code: str, kind: str, rule_id: int) -> HttpResponseBase:
    rule = rules.rule_for_edit(actor=request.user, code=code, kind=kind, rule_id=rule_id)
    found = rules.programme_for_edit(actor=request.user, code=code)
    initial = RuleForm.initial_of(rule) | {"valid_from": timezone.localdate()}
    form = RuleForm(request.POST or None, kind=kind, initial=initial)
    if request.method == "POST":
        saved = submit(
            form, lambda d: rules.rule_replace(actor=request.user, code=code, kind=kind, rule_id=rule.pk, criteria=d)
        )
        if saved is not None:
            messages.success(
                request,
                _("The rule was replaced from %(day)s; the old one is kept.") % {"day": saved.valid_from.isoformat()},
            )
            return redirect("programme_rules:programme", code=code)
    return _form_page(request, found, form, _kind_label(kind) + " · " + _("Change the rule"), rule=rule)


@login_required
@require_POST
def rule_end(request: AuthenticatedHttpRequest, code: str, kind: str, rule_id: int) -> HttpResponseBase:
    rule = rules.rule_for_edit(actor=request.user, code=code, kind=kind, rule_id=rule_id)
    submit_and_flash(
        request,
        EndForm(request.POST),
        lambda d: rules.rule_end(actor=request.user, code=code, kind=kind, rule_id=rule.pk, on=d["on"]),
        _("The rule was ended."),
    )
    return redirect("programme_rules:programme", code=code)
