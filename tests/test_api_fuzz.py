"""schemathesis against our own OpenAPI document: no server errors, responses match the schema.

The calls go through the WSGI application in-process, signed in as an account that holds every
staff capability over the city, so the generated requests reach the services, not just the 404s.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from shequ.accounts.models import Grant, User
from shequ.accounts.roles import Programme, Role
from shequ.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
CSRF = "A" * 32  # a valid unmasked CSRF secret; sent as cookie and header alike


@pytest.fixture
def keep_test_connection():
    """The WSGI handler closes the database connection after each request, which would end the test's
    transaction on PostgreSQL; Django's own test client suspends that in the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _cases_for_fuzzing(world):
    """Three proxy cases of 甲 (the fixture's resident of community A's first grid)."""
    from shequ.casework.services import Filing, case_file
    from shequ.residents.models import Person

    staff = User.objects.get(username="community_staff")
    person = Person.objects.get(name="甲")
    for service in ("助餐", "助浴", "助洁"):
        case_file(
            actor=staff,
            channel="proxy",
            filing=Filing(
                item_code="home_care_service",
                applicant_id=person.pk,
                form={"applicant": person.pk, "service": service, "wanted_on": "2026-12-20"},
            ),
            consent_method="in_person",
            proxy_reason="行动不便",
        )


@pytest.fixture
def fuzz_cookies(world, client_of, keep_test_connection):
    user = User.objects.create(username="fuzzer")
    for role in (Role.CITY_ADMIN, Role.SYSADMIN, Role.AUDITOR):
        Grant.objects.create(user=user, role=role, area=world.city)
    # A handler's grant too, and cases to act on: the case operations then reach their services.
    Grant.objects.create(user=user, role=Role.DISTRICT_OFFICER, area=world.district)
    # The programmes: an officer of every domain, so the programme operations reach their services.
    for programme in Programme.values:
        Grant.objects.create(user=user, role=Role.PROGRAMME_OFFICER, area=world.city, programme=programme)
    _cases_for_fuzzing(world)
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_matches_its_schema(case, fuzz_cookies):
    case.call_and_validate(
        cookies=fuzz_cookies,
        headers={"X-CSRFToken": CSRF},
        checks=[not_a_server_error, response_schema_conformance],
    )
