"""Which endpoint URLs are accepted (webhooks.addresses): https only unless http is allowed;
no loopback, private or other non-public address unless the deployment allows them."""

from __future__ import annotations

import pytest

from webhooks.addresses import AddressRefused, endpoint_check


@pytest.fixture
def production(settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    return settings


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost:8443/hook",  # resolved: loopback
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",  # IPv4 loopback written as IPv6
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://172.16.5.4/hook",
        "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "https://100.64.0.1/hook",  # shared address space
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",  # multicast
    ],
)
def test_non_public_addresses_are_refused_by_default(production, english, url):
    with pytest.raises(AddressRefused) as refused:
        endpoint_check(url)
    assert "address" in str(refused.value)


def test_a_public_address_is_accepted_and_kept_for_the_connection(production):
    endpoint = endpoint_check("https://8.8.8.8:8443/hooks/portal?key=1")
    assert (endpoint.scheme, endpoint.host, endpoint.port) == ("https", "8.8.8.8", 8443)
    assert endpoint.path == "/hooks/portal?key=1" and endpoint.address == "8.8.8.8"
    assert endpoint_check("https://8.8.4.4").path == "/"


def test_loopback_and_private_addresses_are_accepted_when_the_setting_allows(production):
    production.WEBHOOK_ALLOW_PRIVATE_URLS = True
    assert endpoint_check("https://localhost:8443/hook").address in {"127.0.0.1", "::1"}
    assert endpoint_check("https://10.1.2.3/hook").address == "10.1.2.3"
    # Never an address nothing can listen on, nor a multicast group.
    for url in ("https://0.0.0.0/hook", "https://224.0.0.1/hook"):
        with pytest.raises(AddressRefused):
            endpoint_check(url)


def test_http_is_refused_unless_allowed(production, english):
    with pytest.raises(AddressRefused) as refused:
        endpoint_check("http://8.8.8.8/hook")
    assert "https://" in str(refused.value)
    production.WEBHOOK_ALLOW_HTTP = True
    assert endpoint_check("http://8.8.8.8/hook").port == 80


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://8.8.8.8/x",
        "8.8.8.8/hook",
        "https:///hook",
        "https://user:pw@8.8.8.8/hook",
        "https://8.8.8.8:99999/hook",
        "https://8.8.8.8/a b",
        "https://8.8.8.8/" + "a" * 600,
        "https://no-such-host.invalid/hook",
    ],
)
def test_malformed_or_unresolvable_urls_are_refused(production, url):
    with pytest.raises(AddressRefused):
        endpoint_check(url)
