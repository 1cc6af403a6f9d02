"""Fixtures for webhook tests: a real HTTP receiver on loopback that checks each signature with
its own implementation of the published algorithm (Standard Webhooks), and a certificate to act
on. Nothing of the portal is mocked: deliveries cross a real socket."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from accounts.models import Role
from certification import services as certification_services
from certification.models import Certificate
from tests import model_factories as mf
from tests.certification.conftest import ready_basic


def signature_valid(secret: str, headers: dict[str, str], body: bytes, now: float) -> bool:
    """The receiver's side of Standard Webhooks, written from the specification (not the
    portal's code): HMAC-SHA256 of ``id.timestamp.body`` keyed with the base64-decoded bytes
    after ``whsec_``, base64-encoded, equal to one ``v1,`` value of the signature header; the
    timestamp within five minutes."""
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not msg_id or not timestamp.isdigit() or abs(now - int(timestamp)) > 300:
        return False
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret[len("whsec_") :])
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    return any(
        hmac.compare_digest(value.encode(), b"v1," + expected)
        for value in headers.get("webhook-signature", "").split(" ")
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    valid: bool
    answered: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every request. Answers 401 to a request whose signature does not verify with
    the secret of its path; otherwise the next status of ``plan`` (200 once it is empty)."""

    base_url: str
    secrets: dict[str, str] = field(default_factory=dict)  # path -> secret
    plan: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            secret = self.secrets.get(path)
            valid = secret is not None and signature_valid(secret, headers, body, time.time())
            status = (self.plan.pop(0) if self.plan else 200) if valid else 401
            self.received.append(Received(path, headers, body, valid, status))
            return status

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = holder["receiver"].answer(self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    holder["receiver"] = Receiver(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield holder["receiver"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def loopback_allowed(settings):
    """An on-premise deployment: http and private addresses allowed (the receiver is local)."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    return settings


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return settings


@pytest.fixture
def applicant(enterprise_user):
    """A Suzhou factory whose enterprise ``enterprise_user`` is a member of."""
    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    return factory


@pytest.fixture
def certificate(enterprise_user, applicant, media) -> Certificate:
    """An active basic certificate of a Suzhou factory (``applicant``), filed with the Suzhou
    bureau; the events that made it are dispatched already."""
    from core.outbox import outbox_dispatch

    application = ready_basic(enterprise_user, applicant, media)
    certification_services.application_submit(actor=enterprise_user, application=application)
    certification_services.application_run_checks(application_id=application.pk, submission=1)
    outbox_dispatch()
    return Certificate.objects.select_related("factory__enterprise").get(application=application)


@pytest.fixture
def wuxi_official(db):
    return mf.official(Role.CITY_OFFICIAL, "320200-industry-it")
