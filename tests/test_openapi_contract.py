"""The OpenAPI schema tells the truth.

Part 1 reads the schema as generated and checks what clients build on: the bodies of claims,
indicators and declarations, the 202 of submit, the fields a PATCH accepts, and the error
responses every operation lists (core.openapi).

Part 2 proves the one refusal of unknown fields on every write (core.api.InputSerializer).

Part 3 runs schemathesis over every operation of the schema served at /api/schema/, through the
real WSGI stack with a real API token, as each role, against seeded objects: no 5xx, no status
code the operation does not document, no response that breaks its schema.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.errors import FailureGroup

from accounts.models import Role
from accounts.services import api_token_create
from certification import services
from certification.models import Application, Certificate, Declaration
from factories.services import pool_entry_add
from tests import model_factories as mf
from tests.certification.conftest import claims_for, ready_basic, submitted_assessment
from tests.certification.review_setup import advanced_at, make_cast
from tests.conftest import api_client_for

# --- 1. the schema as generated -------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def _operations(schema: dict[str, Any]):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def _body_schema(operation: dict[str, Any], media_type: str = "application/json") -> dict:
    return operation["requestBody"]["content"][media_type]["schema"]


def _component(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_claims_and_indicators_are_documented_as_lists_of_their_objects(schema):
    for action, name, fields in (
        ("claims", "ClaimInput", {"scenario", "description", "ai_applied"}),
        (
            "indicators",
            "IndicatorInput",
            {
                "name",
                "unit",
                "baseline_value",
                "baseline_year",
                "current_value",
                "current_year",
            },
        ),
    ):
        operation = schema["paths"][f"/api/v1/applications/{{id}}/{action}/"]["put"]
        assert list(operation["requestBody"]["content"]) == ["application/json"]
        body = _body_schema(operation)
        assert body["type"] == "array", action
        item = _component(schema, body["items"]["$ref"])
        assert item["properties"].keys() == fields, action
        assert item["additionalProperties"] is False
        example = operation["requestBody"]["content"]["application/json"]["examples"]
        value = next(iter(example.values()))["value"]
        assert isinstance(value, list) and set(value[0]) <= fields
    claim = schema["components"]["schemas"]["ClaimInput"]
    assert set(claim["required"]) == {"scenario", "description"}
    assert claim["properties"]["ai_applied"]["type"] == "boolean"
    assert "ai_share" not in claim["properties"]


def test_declarations_are_documented_as_a_map_of_kind_to_boolean(schema):
    operation = schema["paths"]["/api/v1/applications/{id}/declarations/"]["put"]
    body = _component(schema, _body_schema(operation)["$ref"])
    assert body["type"] == "object" and body["additionalProperties"] is False
    assert set(body["properties"]) == set(Declaration.values)
    assert {p["type"] for p in body["properties"].values()} == {"boolean"}
    assert not body.get("required")


def test_submit_is_documented_as_202_and_the_other_transitions_as_what_they_answer(schema):
    submit = schema["paths"]["/api/v1/applications/{id}/submit/"]["post"]
    assert "202" in submit["responses"] and "200" not in submit["responses"]
    assert "requestBody" not in submit
    decline = schema["paths"]["/api/v1/applications/{id}/decline_assignment/"]["post"]
    assert "204" in decline["responses"]


def test_the_application_patch_documents_only_the_fields_it_accepts(schema):
    operation = schema["paths"]["/api/v1/applications/{id}/"]["patch"]
    body = _component(schema, _body_schema(operation)["$ref"])
    assert set(body["properties"]) == {"campaign", "assessment"}
    assert body["additionalProperties"] is False and not body.get("required")


def test_list_filters_are_documented_on_lists_only(schema):
    detail = schema["paths"]["/api/v1/applications/{id}/"]["get"]
    assert {p["name"] for p in detail["parameters"]} == {"id"}
    listing = schema["paths"]["/api/v1/assessments/"]["get"]
    assert {"level", "city", "year", "factory"} <= {p["name"] for p in listing["parameters"]}


def test_every_operation_lists_its_error_statuses_with_the_error_schema(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        parameters = {p["in"] for p in operation.get("parameters", [])}
        expected = {"401", "429"}
        if "requestBody" in operation or "query" in parameters:
            expected.add("400")
        if method != "get":
            expected.add("403")
        if "path" in parameters:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"413", "415"}
        assert expected <= set(responses), (method, path, expected - set(responses))
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOutput"), (method, path, code)


def test_every_input_schema_refuses_unknown_properties(schema):
    for path, method, operation in _operations(schema):
        if "requestBody" not in operation:
            continue
        for media_type, content in operation["requestBody"]["content"].items():
            body = content["schema"]
            body = body.get("items", body)
            assert _component(schema, body["$ref"])["additionalProperties"] is False, (
                method,
                path,
                media_type,
            )


# --- 2. one refusal of unknown fields ------------------------------------------------------


@dataclass
class World:
    """Seeded objects and the people who act on them."""

    users: dict[str, Any]
    tokens: dict[str, str] = field(default_factory=dict)
    spare_tokens: dict[str, int] = field(default_factory=dict)
    ids: dict[str, dict[str, int]] = field(default_factory=dict)


def _seed(capture) -> World:
    cast = make_cast()
    applicant, city, province = cast.applicant, cast.city, cast.province
    miit = mf.official(Role.MIIT_REVIEWER, "miit")
    reviewed = advanced_at(cast, "provincial_review")
    factory = reviewed.factory
    certified_factory = mf.FactoryFactory(enterprise=factory.enterprise)
    basic = ready_basic(applicant, certified_factory, None)
    with capture(execute=True):
        services.application_submit(actor=applicant, application=basic)
    certificate = Certificate.objects.get(application=basic)
    drafting = mf.FactoryFactory(enterprise=factory.enterprise)
    pool_entry_add(actor=city, factory=drafting, year=timezone.localdate().year, reason="重点培育")
    assessment = submitted_assessment(applicant, drafting, 3)
    draft = services.application_create(
        actor=applicant,
        factory=drafting,
        tier="advanced",
        campaign=cast.campaign,
        assessment=assessment,
    )
    services.application_claims_set(
        actor=applicant, application=draft, claims=claims_for("production_operations")
    )
    world = World(users={"enterprise": applicant, "city": city, "province": province})
    world.users["miit"] = miit
    common = {
        "campaigns": cast.campaign.pk,
        "certificates": certificate.pk,
        "enterprises": factory.enterprise_id,
        "factories": factory.pk,
        "assessments": assessment.pk,
    }
    world.ids = {
        "enterprise": {**common, "applications": draft.pk},
        "city": {**common, "applications": reviewed.pk},
        "province": {**common, "applications": reviewed.pk},
        "miit": {**common, "applications": basic.pk},
        "anonymous": common | {"applications": draft.pk},
    }
    for role, user in world.users.items():
        world.tokens[role] = api_token_create(user=user, name="contract")[1]
        world.spare_tokens[role] = api_token_create(user=user, name="spare")[0].pk
    assert Application.objects.get(pk=basic.pk).status == Application.Status.CERTIFIED
    return world


@pytest.fixture
def world(db, settings, tmp_path, django_capture_on_commit_callbacks) -> World:
    settings.MEDIA_ROOT = tmp_path
    return _seed(django_capture_on_commit_callbacks)


@pytest.fixture
def writes(world):
    """(role, method, path, valid body) for each write, with one unknown key to add."""
    ids = world.ids["enterprise"]
    draft, factory, enterprise = ids["applications"], ids["factories"], ids["enterprises"]
    return [
        ("enterprise", "post", "/api/v1/applications/", {"factory": factory, "tier": "basic"}),
        ("enterprise", "patch", f"/api/v1/applications/{draft}/", {"campaign": None}),
        ("enterprise", "post", "/api/v1/assessments/", {"factory": factory}),
        ("enterprise", "patch", f"/api/v1/factories/{factory}/", {"name": "一厂"}),
        ("enterprise", "put", f"/api/v1/enterprises/{enterprise}/", {"name": "x"}),
        ("enterprise", "patch", f"/api/v1/enterprises/{enterprise}/", {"name": "新名"}),
        ("enterprise", "put", f"/api/v1/applications/{draft}/declarations/", {}),
        ("province", "post", "/api/v1/campaigns/", {"tier": "advanced", "year": 2030}),
        ("city", "post", f"/api/v1/applications/{world.ids['city']['applications']}/forward/", {}),
    ]


def test_an_unknown_field_is_refused_the_same_way_on_every_write(world, writes):
    for role, method, path, body in writes:
        client = api_client_for(world.users[role])
        response = getattr(client, method)(path, {**body, "colour": "red"}, format="json")
        assert response.status_code == 400, (method, path, response.content[:300])
        data = response.json()
        assert data["code"] == "unknown_field", (method, path, data)
        assert data["fields"] == {"colour": ["This field is not accepted here."]}, (method, path)
        assert "colour" in data["message"]


@pytest.mark.parametrize(
    ("what", "body", "path"),
    [
        ("claims", [{"scenario": "S20", "description": "x", "ai_share": 1}], "claims[0].ai_share"),
        (
            "indicators",
            [
                {
                    "name": "n",
                    "unit": "u",
                    "baseline_value": 1,
                    "baseline_year": 2020,
                    "current_value": 2,
                    "current_year": 2024,
                },
                {"name": "m", "colour": "red"},
            ],
            "indicators[1].colour",
        ),
        ("declarations", {"no_violations": True, "no_debts": True}, "no_debts"),
    ],
)
def test_unknown_keys_of_list_items_and_maps_are_named_by_path(world, what, body, path):
    draft = world.ids["enterprise"]["applications"]
    client = api_client_for(world.users["enterprise"])
    response = client.put(f"/api/v1/applications/{draft}/{what}/", body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "unknown_field" and list(data["fields"]) == [path]


def test_a_nested_unknown_field_is_named_by_its_path(enterprise_user):
    body = {
        "uscc": mf.make_uscc(),
        "name": "某公司",
        "city": "320500",
        "industry": "35",
        "above_designated_size": True,
        "factory": {"name": "一厂", "address": "苏州", "city": "320500", "floor": 3},
    }
    response = api_client_for(enterprise_user).post("/api/v1/enterprises/", body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "unknown_field" and list(data["fields"]) == ["factory.floor"]


def test_the_answers_list_refuses_unknown_keys(world):
    client = api_client_for(world.users["enterprise"])
    draft = client.post(
        "/api/v1/assessments/", {"factory": world.ids["city"]["factories"]}, format="json"
    )
    # The factory under review has its assessment submitted; a new draft starts.
    assert draft.status_code == 201, draft.content[:300]
    response = client.put(
        f"/api/v1/assessments/{draft.json()['id']}/answers/",
        [{"requirement": "data.2.1", "score": 1, "weight": 2}],
        format="json",
    )
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "unknown_field" and list(data["fields"]) == ["answers[0].weight"]


def test_valid_claims_indicators_and_declarations_still_save(world):
    draft = world.ids["enterprise"]["applications"]
    client = api_client_for(world.users["enterprise"])
    claims = claims_for("production_operations", "production_management", ai=1)
    response = client.put(f"/api/v1/applications/{draft}/claims/", claims, format="json")
    assert response.status_code == 200, response.content[:300]
    assert [c["ai_applied"] for c in response.json()["claims"]] == [False, True]
    response = client.put(
        f"/api/v1/applications/{draft}/declarations/", {"no_violations": True}, format="json"
    )
    assert response.status_code == 200
    declared = {d["kind"]: d["affirmed"] for d in response.json()["declarations"]}
    assert declared["no_violations"] is True
    refused = client.put(
        f"/api/v1/applications/{draft}/declarations/", {"no_violations": "yes"}, format="json"
    )
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["no_violations"]


# --- 3. schemathesis, as each role -----------------------------------------------------------

ROLES = ["enterprise", "city", "province", "miit", "anonymous"]
# Examples per operation: small, and the same on every run (derandomize). Anonymous calls all
# answer 401, so two show it.
EXAMPLES = {"anonymous": 2}
# Operations anyone may call (the public registry): anonymous calls are answered, not 401.
PUBLIC = {
    "GET /api/v1/registry/",
    "GET /api/v1/registry/certificates/{number}/",
    "GET /api/v1/publicity/",
    "GET /api/v1/publicity/{id}/",
    "POST /api/v1/publicity/{id}/objections/",
}
DEFAULT_EXAMPLES = 5
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# What a path parameter names: the role's own objects (others are generated too).
PATH_OBJECTS = {"factory_pk": "factories"}


@pytest.fixture
def wsgi_app(settings):
    """The project's WSGI application, sharing the test's database transaction: Django's test
    client does the same by not closing connections at the start and end of each request."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "100000/minute",
            "user": "100000/minute",
        },
    }
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _path_parameters(operation, role: str, world: World) -> dict[str, int]:
    ids = world.ids[role]
    values = {}
    for parameter in operation.path_parameters:
        if parameter.name in PATH_OBJECTS:
            values[parameter.name] = ids[PATH_OBJECTS[parameter.name]]
        elif operation.path.startswith("/api/v1/tokens/"):
            values[parameter.name] = world.spare_tokens.get(role, 1)
        else:
            collection = operation.path.split("/")[3]
            if collection in ids:
                values[parameter.name] = ids[collection]
    return values


def _label(operation) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _explore(operation, strategy, headers, examples, statuses, failures) -> None:
    """Call the operation with ``examples`` generated cases; record each status and the first
    failed check (nothing is raised into Hypothesis: no shrinking, a bounded run)."""

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        response = case.call(headers=headers)
        statuses.add(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as exc:  # one or more failed checks
            failures.setdefault(
                _label(operation),
                f"{response.status_code} for {case.method} {case.formatted_path} "
                f"query={case.query!r} body={str(case.body)[:200]!r}: {str(exc)[:1000]}",
            )

    run()


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_no_undocumented_answer(role, world, wsgi_app):
    started = time.monotonic()
    api = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    headers = {"Accept-Language": "en"}
    if role != "anonymous":
        headers["Authorization"] = f"Token {world.tokens[role]}"
    operations = [result.ok() for result in api.get_all_operations()]
    # Token revocations last, so that nothing before them meets a revoked token.
    operations.sort(key=lambda op: op.path.startswith("/api/v1/tokens/"))
    failures: dict[str, str] = {}
    statuses: dict[str, set[int]] = {}

    for operation in operations:
        real = _path_parameters(operation, role, world)
        strategies = [operation.as_strategy()]
        if real:
            strategies.insert(0, operation.as_strategy(path_parameters=real))
        _explore(
            operation,
            st.one_of(strategies),
            headers,
            EXAMPLES.get(role, DEFAULT_EXAMPLES),
            statuses.setdefault(_label(operation), set()),
            failures,
        )

    elapsed = time.monotonic() - started
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())
    assert len(statuses) == len(operations)
    if role == "anonymous":
        private = {label: codes for label, codes in statuses.items() if label not in PUBLIC}
        assert all(codes <= {401, 429} for codes in private.values()), statuses
        assert all(statuses[label] and 401 not in statuses[label] for label in PUBLIC), statuses
    else:
        # The seeded objects were reached: some reads of them answered 200.
        assert statuses["GET /api/v1/applications/{id}/"] & {200}, statuses
    print(f"{role}: {len(operations)} operations in {elapsed:.1f} s")  # noqa: T201


def test_the_harness_reports_an_undocumented_status(wsgi_app, db):
    """The checks fire: against a schema that leaves out the 401, an anonymous call fails."""
    served = api_client_for(None).get("/api/schema/", {"format": "json"}).json()
    me = served["paths"]["/api/v1/me/"]["get"]
    me["responses"] = {"200": me["responses"]["200"]}
    api = schemathesis.openapi.from_dict(served)
    api.app = wsgi_app
    operation = api["/api/v1/me/"]["GET"]
    failures: dict[str, str] = {}
    statuses: set[int] = set()
    _explore(operation, operation.as_strategy(), {}, 1, statuses, failures)
    assert statuses == {401}
    assert "Undocumented status code" in failures["GET /api/v1/me/"]
