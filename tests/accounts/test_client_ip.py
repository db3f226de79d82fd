"""The client address behind trusted proxies (finding 5: "read the client address from a configured
trusted proxy"), for the lockout and the audit trail."""

import pytest
from django.test import Client, RequestFactory

from shequ.audit.models import AuditEvent
from shequ.lib.http import client_ip


def request(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_trusted_proxies_the_peer_is_the_client_and_x_forwarded_for_is_ignored(settings):
    settings.SHEQU_TRUSTED_PROXIES = []
    assert client_ip(request("198.51.100.9", "1.2.3.4")) == "198.51.100.9"


def test_a_spoofed_x_forwarded_for_from_an_untrusted_client_is_ignored(settings):
    settings.SHEQU_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request("198.51.100.9", "10.0.0.7, 1.2.3.4")) == "198.51.100.9"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(settings):
    settings.SHEQU_TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1"]
    # The client wrote "1.1.1.1" itself; the outer proxy 192.0.2.1 appended 203.0.113.5, the inner one 192.0.2.1.
    assert client_ip(request("10.0.0.2", "1.1.1.1, 203.0.113.5, 192.0.2.1")) == "203.0.113.5"
    assert client_ip(request("10.0.0.2", "203.0.113.5")) == "203.0.113.5"
    assert client_ip(request("10.0.0.2", " 2001:db8::1 ")) == "2001:db8::1"


def test_a_trusted_proxy_without_a_usable_header_stands_for_the_client(settings):
    settings.SHEQU_TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_ip(request("10.0.0.2")) == "10.0.0.2"
    assert client_ip(request("10.0.0.2", "")) == "10.0.0.2"
    # A garbled hop: nothing left of it can be trusted, so the proxy is all that is known.
    assert client_ip(request("10.0.0.2", "1.1.1.1, not-an-address")) == "10.0.0.2"
    assert client_ip(request("not-an-address")) is None


@pytest.mark.django_db
def test_the_audit_trail_records_the_client_behind_the_proxy_and_not_a_spoofed_one(world, settings):
    settings.SHEQU_TRUSTED_PROXIES = ["10.0.0.0/8"]
    for remote, forwarded in [("10.0.0.5", "203.0.113.7"), ("198.51.100.9", "203.0.113.8")]:
        Client().post(
            "/accounts/login/",
            {"username": "street_officer", "password": "wrong"},
            REMOTE_ADDR=remote,
            HTTP_X_FORWARDED_FOR=forwarded,
        )
    ips = list(AuditEvent.objects.filter(action="accounts.sign_in_failed").order_by("pk").values_list("ip", flat=True))
    assert ips == ["203.0.113.7", "198.51.100.9"]
