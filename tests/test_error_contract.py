"""The API's error contract at its edges: input that used to reach a 500 (or an HTML page, or
was silently read as something else) answers a 4xx JSON ``{"code", "message"}``.

Raw bodies go through ``client.generic`` so that NUL, lone surrogates and deep nesting reach the
server exactly as a client could send them.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError

from assessments import services as assessment_services
from certification import services
from core import error_views
from core.api import AsciiDecimalField, AsciiIntegerField
from core.numbers import ascii_decimal, ascii_int
from tests import model_factories as mf
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
MB = 1024 * 1024


@pytest.fixture
def setup(enterprise_user, jiangsu_official):
    """A member's client, their factory, a draft application and a draft assessment."""
    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    draft = services.application_create(actor=enterprise_user, factory=factory, tier="basic")
    assessment = assessment_services.assessment_start(actor=enterprise_user, factory=factory)
    return {
        "client": api_client_for(enterprise_user),
        "official": api_client_for(jiangsu_official),
        "factory": factory,
        "draft": draft,
        "assessment": assessment,
    }


def assert_json_error(response, status: int | None = None) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    if status is None:
        assert 400 <= response.status_code < 500, response.content[:300]
    else:
        assert response.status_code == status, response.content[:300]
    data = response.json()
    assert data["code"] and data["message"]
    return data


def odd_digits(number: int) -> list[str]:
    """``number`` in digits that Python reads (Arabic-Indic, fullwidth) and in two it refuses
    after str.isdigit() said yes (superscript two, circled one)."""
    text = str(number)
    return [text.translate(ARABIC_INDIC), text.translate(FULLWIDTH), "²", "①"]


# --- Unicode digits: only ASCII 0-9 is a digit ---------------------------------------------


@pytest.mark.parametrize("script", range(4), ids=["arabic-indic", "fullwidth", "super", "circled"])
@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/assessments/", "factory"),
        ("/api/v1/assessments/", "level"),
        ("/api/v1/assessments/", "year"),
        ("/api/v1/applications/", "factory"),
        ("/api/v1/certificates/", "factory"),
        ("/api/v1/factories/", "enterprise"),
    ],
)
def test_unicode_digits_in_an_integer_query_parameter_are_a_400(setup, path, param, script):
    factory = setup["factory"]
    number = {"factory": factory.pk, "enterprise": factory.enterprise_id, "year": 2025}
    value = odd_digits(number.get(param, 1))[script]
    data = assert_json_error(setup["client"].get(path, {param: value}), 400)
    assert param in data["fields"]


@pytest.mark.parametrize("script", range(4), ids=["arabic-indic", "fullwidth", "super", "circled"])
@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("post", "/api/v1/applications/", "factory"),
        ("post", "/api/v1/assessments/", "factory"),
        ("post", "/api/v1/factories/", "enterprise"),
        ("patch", "/api/v1/applications/{draft}/", "assessment"),
        ("post", "/api/v1/campaigns/", "year"),
        ("post", "/api/v1/campaigns/", "batch"),
        ("put", "/api/v1/applications/{draft}/indicators/", "indicators[0].current_year"),
    ],
)
def test_unicode_digits_in_an_integer_body_field_are_a_400(setup, method, path, field, script):
    """Each value, read as Python reads it, would name an existing object or a valid number."""
    factory, draft = setup["factory"], setup["draft"]
    bodies = {
        "factory": lambda v: {"factory": v, "tier": "advanced"},
        "enterprise": lambda v: {
            "enterprise": v,
            "name": "新工厂",
            "address": "苏州",
            "city": "320500",
            "industry": "35",
        },
        "assessment": lambda v: {"assessment": v},
        "year": lambda v: {"tier": "advanced", "year": v},
        "batch": lambda v: {"tier": "advanced", "year": 2027, "batch": v},
        "indicators[0].current_year": lambda v: [
            {
                "name": "产值",
                "unit": "万元",
                "baseline_value": 1,
                "baseline_year": 2020,
                "current_value": 2,
                "current_year": v,
            }
        ],
    }
    numbers = {
        "factory": factory.pk,
        "enterprise": factory.enterprise_id,
        "assessment": setup["assessment"].pk,
        "year": 2027,
        "batch": 2,
        "indicators[0].current_year": 2024,
    }
    value = odd_digits(numbers[field])[script]
    client = setup["official"] if "campaigns" in path else setup["client"]
    if path == "/api/v1/assessments/":
        factory = mf.FactoryFactory(enterprise=factory.enterprise)  # one without a draft
        value = odd_digits(factory.pk)[script]
    body = bodies[field](value)
    if path == "/api/v1/assessments/":
        body = {"factory": value}  # an assessment has no tier: that key would be refused
    response = getattr(client, method)(path.format(draft=draft.pk), body, format="json")
    data = assert_json_error(response, 400)
    assert field in data["fields"]


@pytest.mark.parametrize(
    "text", ["٣", "３", "²", "①", "1_000", "", " ", "1.5", "0x10", "1e3", "-", "9" * 101]
)
def test_ascii_int_refuses_anything_but_ascii_digits(text):
    with pytest.raises(ValueError):
        ascii_int(text)


@pytest.mark.parametrize("text", ["٣.٥", "３", "1_000.5", "Infinity", "NaN", "1e99999", "0x1"])
def test_ascii_decimal_refuses_anything_but_ascii_numbers(text):
    with pytest.raises(ValueError):
        ascii_decimal(text)


def test_ascii_numbers_read_what_they_should():
    assert [ascii_int(v) for v in ("42", " -7 ", "+3", 5)] == [42, -7, 3, 5]
    assert [ascii_decimal(v) for v in ("1.25", ".5", "1e-3", 2, 0.5)] == [
        Decimal("1.25"),
        Decimal("0.5"),
        Decimal("0.001"),
        Decimal(2),
        Decimal("0.5"),
    ]


def test_the_strict_serializer_fields_refuse_other_scripts_digits():
    integer, decimal = AsciiIntegerField(), AsciiDecimalField(max_digits=5, decimal_places=2)
    assert integer.run_validation("12") == integer.run_validation(12) == 12
    assert decimal.run_validation("12.5") == Decimal("12.5")
    for field, text in ((integer, "１２"), (integer, "١٢"), (decimal, "١٢.٥"), (decimal, "１")):
        with pytest.raises(ValidationError):
            field.run_validation(text)


# --- years ---------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["0", "10000", "-1", "1999", "2101"])
def test_a_year_out_of_range_is_a_400(setup, year):
    data = assert_json_error(setup["client"].get("/api/v1/assessments/", {"year": year}), 400)
    assert "year" in data["fields"]


def test_a_year_in_range_filters(setup):
    response = setup["client"].get("/api/v1/assessments/", {"year": "2025"})
    assert response.status_code == 200


# --- text PostgreSQL cannot store, JSON that Python cannot parse ------------------------------


INDICATOR = (
    '[{"name": %s, "unit": "u", "baseline_value": %s, "baseline_year": 2020, '
    '"current_value": 1, "current_year": 2024}]'
)


def _indicators(name: str = '"x"', value: str = "1") -> bytes:
    return (INDICATOR % (name, value)).encode()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "indicators", _indicators(name='"a\\u0000b"')),
        ("put", "answers", b'[{"requirement": "data.2.1", "note": "a\\u0000b"}]'),
        ("put", "indicators", _indicators(name='"a\\ud800b"')),
        ("put", "indicators", _indicators(value='"\\udfff"')),
        ("put", "answers", b'[{"requirement": "data.2.1", "note": "\\ud800"}]'),
        ("put", "declarations", b'{"\\ud800": true}'),
    ],
    ids=["nul-name", "nul-note", "surrogate-name", "surrogate-value", "surrogate-note", "key"],
)
def test_nul_and_lone_surrogates_in_json_strings_are_a_400(setup, method, path, body):
    target = {
        "indicators": f"/api/v1/applications/{setup['draft'].pk}/indicators/",
        "declarations": f"/api/v1/applications/{setup['draft'].pk}/declarations/",
        "answers": f"/api/v1/assessments/{setup['assessment'].pk}/answers/",
    }[path]
    response = setup["client"].generic(
        method.upper(), target, body, content_type="application/json"
    )
    assert assert_json_error(response, 400)["code"] == "invalid"


def test_a_surrogate_pair_is_a_character(setup):
    """Only lone surrogates are refused: an escaped pair is one character (here an emoji)."""
    response = setup["client"].generic(
        "PUT",
        f"/api/v1/applications/{setup['draft'].pk}/indicators/",
        _indicators(name='"\\ud83d\\ude00"'),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content[:300]
    assert response.json()["indicators"][0]["name"] == "\U0001f600"


@pytest.mark.parametrize(
    "value",
    [
        "1e400",
        "-1e400",
        "1" + "0" * 400,
        '"1e400"',
        '"' + "9" * 40 + '.5"',
        '"99999999999999.99999"',
        '"-99999999999999.99995"',
        "99999999999999.99999",
    ],
)
def test_numeric_overflow_in_an_indicator_value_is_a_400(setup, value):
    response = setup["client"].generic(
        "PUT",
        f"/api/v1/applications/{setup['draft'].pk}/indicators/",
        _indicators(value=value),
        content_type="application/json",
    )
    data = assert_json_error(response, 400)
    assert "indicators[0].baseline_value" in data["fields"]


def test_an_indicator_value_is_kept_to_four_decimals(setup):
    response = setup["client"].generic(
        "PUT",
        f"/api/v1/applications/{setup['draft'].pk}/indicators/",
        _indicators(value='"99999999999999.99994"'),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content[:300]
    assert setup["draft"].indicators.get().baseline_value == Decimal("99999999999999.9999")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "claims", b"[" * 100_000 + b"]" * 100_000),
        ("PATCH", "factory", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
        ("PUT", "claims", b"[" * 100_000),
    ],
    ids=["arrays", "objects", "unclosed"],
)
def test_deeply_nested_json_is_a_400(setup, method, path, body):
    target = {
        "claims": f"/api/v1/applications/{setup['draft'].pk}/claims/",
        "factory": f"/api/v1/factories/{setup['factory'].pk}/",
    }[path]
    response = setup["client"].generic(method, target, body, content_type="application/json")
    assert assert_json_error(response, 400)["code"] == "parse_error"


# --- requests Django refuses to read ----------------------------------------------------------


def test_a_json_body_over_the_limit_is_a_413(setup):
    body = b'{"name": "' + b"a" * (3 * MB) + b'"}'
    response = setup["client"].generic(
        "PATCH", f"/api/v1/factories/{setup['factory'].pk}/", body, content_type="application/json"
    )
    assert assert_json_error(response, 413)["code"] == "too_large"


@pytest.mark.parametrize("kind", ["urlencoded", "multipart"])
def test_a_form_body_over_the_limit_is_a_413(setup, kind):
    """A POSTed form is read by a middleware, before DRF: Django's handler answers it."""
    if kind == "urlencoded":
        body, content_type = b"scenario=" + b"x" * (3 * MB), "application/x-www-form-urlencoded"
    else:
        body = (
            b'--B\r\nContent-Disposition: form-data; name="scenario"\r\n\r\n'
            + b"x" * (3 * MB)
            + b"\r\n--B--\r\n"
        )
        content_type = "multipart/form-data; boundary=B"
    path = f"/api/v1/applications/{setup['draft'].pk}/files/"
    response = setup["client"].generic("POST", path, body, content_type=content_type)
    assert assert_json_error(response, 413)["code"] == "too_large"


def test_a_long_multipart_header_is_a_400(setup):
    body = (
        b'--B\r\nContent-Disposition: form-data; name="scenario"; '
        + b"x" * (2 * MB)
        + b"\r\n\r\nS01\r\n--B--\r\n"
    )
    path = f"/api/v1/applications/{setup['draft'].pk}/files/"
    response = setup["client"].generic(
        "POST", path, body, content_type="multipart/form-data; boundary=B"
    )
    assert assert_json_error(response, 400)["code"] == "parse_error"


def test_the_html_site_keeps_its_own_pages_for_a_body_over_the_limit(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(
        "/enterprises/register/",
        b"name=" + b"x" * (3 * MB),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


# --- addresses and methods --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/nope/"),
        ("get", "/api/v2/"),
        ("get", "/api/v2/factories/"),
        ("get", "/api/"),
        ("get", "/api/v1/factories/1/nope/"),
        ("post", "/api/v1/nope/"),
        ("delete", "/api/nope"),
    ],
)
def test_an_unknown_api_address_is_a_json_404(setup, api_client, method, path):
    for client in (setup["client"], api_client):  # signed in or not
        data = assert_json_error(getattr(client, method)(path), 404)
        assert data["code"] == "not_found"


def test_other_refusals_on_api_paths_are_json(setup):
    """(These answered JSON already: DRF's own refusals go through the exception handler.)"""
    client, factory = setup["client"], setup["factory"]
    assert assert_json_error(client.delete(f"/api/v1/factories/{factory.pk}/"), 405)
    assert assert_json_error(client.get("/api/v1/factories/", HTTP_ACCEPT="text/csv"), 406)
    response = client.generic("POST", "/api/v1/factories/", b"x", content_type="text/csv")
    assert assert_json_error(response, 415)


def test_html_pages_keep_their_html_error_pages(client, enterprise_user):
    client.force_login(enterprise_user)
    for path in ("/nope/", "/apinope/", "/assessments/999999/"):
        response = client.get(path)
        assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_django_s_error_handlers_answer_json_for_the_api_and_html_for_pages(rf):
    """What no request reaches without a broken middleware: a 403 or a 500 outside DRF."""
    for path, api in (("/api/v1/factories/", True), ("/factories/", False)):
        request = rf.get(path)
        for response, status, code in (
            (error_views.permission_denied(request, PermissionDenied()), 403, "forbidden"),
            (error_views.server_error(request), 500, "server_error"),
        ):
            assert response.status_code == status
            if api:
                assert response["Content-Type"].startswith("application/json")
                data = json.loads(response.content)
                assert data["code"] == code and data["message"]
            else:
                assert response["Content-Type"].startswith("text/html")
