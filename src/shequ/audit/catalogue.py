"""What each action code of the audit trail means, in words an auditor reads (Chinese on the page).

The trail keeps codes ("residents.tag_add"); this catalogue turns them into descriptions, grouped by the
part of the platform that records them. A code missing here (a new service, an old one) is shown as
"other action" with its code in small print, never hidden: add its line here when adding the service.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# (group, [(code, description)]) in the order the action filter lists them.
CATALOGUE: list[tuple[Promise, list[tuple[str, Promise]]]] = [
    (
        _("Residents"),
        [
            ("residents.person_register", _("Registered a resident")),
            ("residents.person_update", _("Corrected a resident's record")),
            ("residents.person_moved_out", _("Recorded a move out")),
            ("residents.person_died", _("Recorded a death")),
            ("residents.tag_add", _("Added a special group")),
            ("residents.tag_end", _("Ended a special group")),
            ("residents.household_head", _("Changed the head of a household")),
            ("residents.household_merge", _("Merged households")),
            ("residents.household_split", _("Split a household")),
            ("residents.member_move", _("Moved a member to another household")),
            ("residents.move_request", _("Asked to move a resident here")),
            ("residents.move_confirmed", _("Confirmed a move")),
            ("residents.move_refused", _("Refused a move")),
            ("residents.move_withdrawn", _("Withdrew a move request")),
            ("residents.export", _("Exported residents (masked)")),
            ("residents.export_unmasked", _("Exported residents unmasked")),
        ],
    ),
    (
        _("Personal data"),
        [
            ("privacy.reveal", _("Revealed a personal value")),
            ("privacy.revealed", _("Revealed values of many rows")),
            ("privacy.lookup", _("Looked up an identity number or phone")),
            ("privacy.lookup_refused", _("Lookup refused (hourly limit)")),
            ("privacy.reveal_reason_create", _("Added a reveal reason")),
            ("privacy.reveal_reason_update", _("Changed a reveal reason")),
            ("privacy.reencrypt", _("Re-encrypted personal data")),
        ],
    ),
    (
        _("Accounts"),
        [
            ("accounts.sign_in", _("Signed in")),
            ("accounts.sign_in_failed", _("Failed sign-in")),
            ("accounts.sign_in_locked", _("Sign-in refused (locked)")),
            ("accounts.sign_in_throttled", _("Sign-in refused (too fast)")),
            ("accounts.create", _("Created an account")),
            ("accounts.disable", _("Disabled an account")),
            ("accounts.enable", _("Enabled an account")),
            ("accounts.unlock", _("Unlocked an account")),
            ("accounts.password_change", _("Changed their password")),
            ("accounts.password_reset", _("Reset a password")),
            ("accounts.grant_request", _("Asked for a role")),
            ("accounts.grant_add", _("Granted a role")),
            ("accounts.grant_refuse", _("Refused a role request")),
            ("accounts.grant_withdraw", _("Withdrew a role request")),
            ("accounts.grant_remove", _("Removed a role")),
            ("accounts.grant_head", _("Marked or unmarked the head of a community")),
            ("accounts.phone_code_sent", _("Sent a sign-in code by SMS")),
            ("accounts.phone_code_throttled", _("Sign-in code refused (hourly limit)")),
            ("accounts.phone_sign_in", _("Signed in with a phone code")),
            ("accounts.phone_sign_in_failed", _("Failed sign-in with a phone code")),
            ("accounts.resident_account_created", _("Created a resident account at first sign-in")),
        ],
    ),
    (
        _("Areas"),
        [
            ("areas.load_divisions", _("Loaded the division tree")),
            ("areas.load_boundaries", _("Loaded district outlines")),
            ("areas.grid_create", _("Created a grid")),
            ("areas.grid_update", _("Changed a grid")),
        ],
    ),
    (
        _("Imports"),
        [
            ("imports.upload", _("Uploaded an import")),
            ("imports.done", _("Import written")),
            ("imports.rejected", _("Import rejected")),
            ("imports.failed", _("Import failed")),
            ("imports.retry", _("Ran an import again")),
            ("imports.report_download", _("Downloaded an error report")),
            ("imports.purged", _("Removed old import files")),
        ],
    ),
    (
        _("Catalogues and resources"),
        [
            ("reference.tag_types_load", _("Loaded the special groups")),
            ("reference.facility_types_load", _("Loaded the facility types")),
            ("reference.facility_type_update", _("Changed a facility type")),
            ("reference.calendar_seed", _("Seeded the working-day calendar")),
            ("reference.calendar_day_set", _("Changed a day of the working-day calendar")),
            ("reference.calendar_year_set", _("Marked a year's holiday arrangement")),
            ("entities.legal_entity_create", _("Registered a legal entity")),
            ("resources.facility_create", _("Registered a facility")),
            ("casework.catalogue_load", _("Loaded the service catalogue")),
            ("casework.item_create", _("Added a service item")),
            ("casework.item_update", _("Changed a service item (new version)")),
        ],
    ),
    (
        _("Casework"),
        [
            ("casework.file", _("Filed a case")),
            ("casework.accept", _("Accepted a case")),
            ("casework.request_materials", _("Asked for missing materials (one-time notice)")),
            ("casework.supply_materials", _("Supplied the missing materials")),
            ("casework.start", _("Started processing a case")),
            ("casework.approve", _("Approved a case")),
            ("casework.reject", _("Rejected a case")),
            ("casework.complete", _("Completed a case")),
            ("casework.withdraw", _("Withdrew a case")),
            ("casework.take", _("Took a case")),
            ("casework.release", _("Gave a case back to the queue")),
            ("casework.attach", _("Added a file to a case")),
            ("casework.attachment_download", _("Downloaded a case file")),
            ("casework.visit", _("Recorded a door-to-door visit")),
            ("casework.rate", _("Rated a case")),
            ("casework.warn", _("Warned of a case's deadline")),
            ("casework.escalate", _("Escalated an overdue case")),
            ("casework.deadline_recount", _("Counted a case's deadline again on the official holiday arrangement")),
            ("casework.receipt_print", _("Printed a case's receipt")),
            ("casework.materials_notice_print", _("Printed a one-time notice of missing materials")),
            ("casework.api_key_issue", _("Issued an Open311 API key")),
            ("casework.api_key_revoke", _("Revoked an Open311 API key")),
        ],
    ),
    (
        _("Programmes"),
        [
            ("programmes.enrol", _("Enrolled a person in a programme")),
            ("programmes.suspend", _("Suspended an enrolment")),
            ("programmes.resume", _("Resumed an enrolment")),
            ("programmes.end", _("Ended an enrolment")),
            ("programmes.review", _("Reviewed an enrolment: kept")),
            ("programmes.review_end", _("Reviewed an enrolment: ended")),
            ("programmes.carer", _("Named a person's carer")),
            ("programmes.provider", _("Named the provider contracted to serve a person")),
            ("programmes.visit", _("Recorded a care visit")),
            ("programmes.visit_assign", _("Gave a care visit to another worker")),
            ("programmes.visit_escalate", _("Escalated an overdue care visit")),
            ("programmes.programme_update", _("Changed a programme's settings")),
            ("programmes.benefit_save", _("Added or changed a benefit")),
            ("programmes.rule_add", _("Added a programme rule")),
            ("programmes.rule_replace", _("Replaced a programme rule (the old one ended)")),
            ("programmes.rule_end", _("Ended a programme rule")),
        ],
    ),
    (
        _("Home care"),
        [
            ("homecare.service_type_save", _("Changed a home-care service type")),
            ("homecare.provider_register", _("Registered a home-care provider")),
            ("homecare.provider_update", _("Changed a home-care provider")),
            ("homecare.provider_account_link", _("Linked an account to a provider")),
            ("homecare.provider_account_unlink", _("Unlinked an account from a provider")),
            ("homecare.target_save", _("Set the home-care coverage target")),
            ("homecare.order_create", _("Ordered a home-care visit")),
            ("homecare.order_dispatch", _("Offered a home-care order to providers")),
            ("homecare.order_accept", _("Accepted a home-care order")),
            ("homecare.order_checkin", _("Checked in to a home-care visit")),
            ("homecare.order_checkout", _("Checked out of a home-care visit")),
            ("homecare.order_rate", _("Rated a home-care visit")),
            ("homecare.complaint", _("Complained about a home-care visit")),
            ("homecare.emergency_call", _("Made an emergency call")),
            ("homecare.emergency_acknowledge", _("Responded to an emergency call")),
        ],
    ),
    (
        _("Elderly care"),
        [
            ("eldercare.bed_open", _("Set up a family care bed")),
            ("eldercare.bed_plan", _("Changed a family bed's care plan")),
            ("eldercare.bed_visit", _("Recorded a family bed's service visit")),
            ("eldercare.retrofit_start", _("Opened an age-friendly retrofit")),
            ("eldercare.retrofit_stage", _("Recorded a retrofit stage")),
            ("eldercare.retrofit_photo", _("Added a retrofit photo")),
            ("eldercare.retrofit_photo_download", _("Downloaded a retrofit photo")),
            ("eldercare.retrofit_target", _("Set a retrofit target")),
        ],
    ),
    (
        _("Children"),
        [
            ("children.assessment_record", _("Recorded a child's assessment")),
            ("children.target_update", _("Corrected a children's target")),
        ],
    ),
    (
        _("Volunteers and the time bank"),
        [
            ("volunteers.register", _("Registered as a volunteer")),
            ("volunteers.decide", _("Decided a volunteer's registration")),
            ("volunteers.task_post", _("Posted a mutual-aid task")),
            ("volunteers.task_take", _("Took a mutual-aid task")),
            ("volunteers.task_release", _("Gave back a mutual-aid task")),
            ("volunteers.task_complete", _("Reported the hours of a task")),
            ("volunteers.task_confirm", _("Confirmed a task's hours into the time bank")),
            ("volunteers.task_cancel", _("Cancelled a mutual-aid task")),
            ("volunteers.redeem", _("Redeemed time-bank hours")),
            ("volunteers.service_type", _("Changed a volunteer service type")),
        ],
    ),
    (
        _("Audit"),
        [
            ("audit.alert", _("Raised an alert")),
            ("audit.alert_acknowledge", _("Acknowledged an alert")),
            ("audit.export", _("Exported the audit trail")),
        ],
    ),
]

ACTIONS: dict[str, Promise] = {code: label for _group, actions in CATALOGUE for code, label in actions}
# A group whose codes share one prefix can be chosen whole ("residents." = every residents action).
GROUP_PREFIXES: dict[str, Promise] = {
    actions[0][0].split(".", 1)[0] + ".": group
    for group, actions in CATALOGUE
    if len({code.split(".", 1)[0] for code, _label in actions}) == 1
}
OTHER = _("Other action")

# The keys of an event's ``data``, as the page names them.
DATA_KEYS: dict[str, Promise] = {
    "rows": _("rows"),
    "error_rows": _("rows with errors"),
    "created": _("created"),
    "updated": _("updated"),
    "unchanged": _("unchanged"),
    "added": _("added"),
    "changed": _("changed"),
    "kind": _("kind"),
    "field": _("field"),
    "fields": _("fields"),
    "category": _("reason category"),
    "reason": _("reason"),
    "name": _("name"),
    "active": _("active"),
    "person": _("resident"),
    "purpose": _("purpose"),
    "found": _("found"),
    "tag": _("group"),
    "type": _("type"),
    "user": _("account"),
    "role": _("role"),
    "bytes": _("size (bytes)"),
    "model": _("data"),
    "values": _("values"),
    "key_version": _("key version"),
    "source": _("source"),
    "sysadmin_number": _("administrator number"),
    "limit": _("limit"),
}
# Keys never shown: a blind index is a keyed hash of an identifier, of no use to a reader.
HIDDEN_KEYS = frozenset({"index"})
# Fixed code values that appear in ``data``, in words.
VALUES: dict[str, Promise] = {
    "id_number": _("identity number"),
    "phone": _("mobile number"),
    "residents": _("residents"),
    "residents.search": _("resident search"),
    "command_line": _("command line"),
    "ip": _("network address"),
    "code_wrong": _("wrong code"),
    "code_expired": _("code expired"),
    "code_spent": _("too many wrong codes"),
    "code_none": _("no code asked for"),
    "no_account": _("no resident with this number"),
}


def action_label(code: str) -> str:
    """The description of an action code, or "" when the catalogue does not know it."""
    label = ACTIONS.get(code)
    return str(label) if label is not None else ""


def action_choices() -> list[tuple[str, object]]:
    """The action filter's choices: everything, then each group (all of it, or one action)."""
    choices: list[tuple[str, object]] = [("", _("All actions"))]
    prefixes = {str(group): prefix for prefix, group in GROUP_PREFIXES.items()}
    for group, actions in CATALOGUE:
        every = [(prefixes[str(group)], _("All: %(group)s") % {"group": group})] if str(group) in prefixes else []
        choices.append((str(group), every + [(code, label) for code, label in actions]))
    return choices
