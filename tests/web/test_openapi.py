"""The OpenAPI document states every problem response an operation can give, as
``application/problem+json`` with the schema web/errors.py answers, and links a
created resource to the operations on it."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest

from booking.errors import AlreadyExists, InvalidInput
from tests.conftest import SignedIn
from web.errors import Problem
from web.openapi import LINKS

METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_every_operation_documents_its_problem_responses(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        label = f"{method} {path}"
        responses = operation["responses"]
        expected = {"400"}
        if operation.get("security"):
            expected.add("401")
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"413", "415"}
        if path.startswith("/api/v1/public/") and method == "POST":
            expected.add("429")
        problems = {status for status in responses if status.startswith("4")}
        assert expected <= problems, (label, sorted(problems))
        for status in problems:
            content = responses[status]["content"]
            assert list(content) == ["application/problem+json"], (label, status)
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }, (label, status)


@pytest.mark.parametrize(
    ("operation_id", "statuses"),
    [
        ("createPublicBooking", {"409", "422"}),
        ("cancelPublicBooking", {"403", "409"}),
        ("deleteEventType", {"409"}),
        ("listPublicSlots", {"422"}),
        ("createContact", {"409", "422"}),
    ],
)
def test_rules_of_the_services_are_documented_where_they_apply(
    document: dict[str, Any], operation_id: str, statuses: set[str]
) -> None:
    found = {o["operationId"]: o for _, _, o in operations(document)}
    assert statuses <= set(found[operation_id]["responses"])


def test_links_lead_to_operations_that_take_the_parameter(document: dict[str, Any]) -> None:
    by_id = {o["operationId"]: o for _, _, o in operations(document)}
    followed = 0
    for source, follows in LINKS.items():
        success = next(iter(by_id[source]["responses"].values()))
        for follow in follows:
            for target in follow.operations:
                link = success["links"][target[0].upper() + target[1:]]
                assert link["operationId"] == target
                assert link["parameters"] == {follow.parameter: follow.value}
                names = {p["name"] for p in by_id[target].get("parameters", [])}
                assert follow.parameter in names, (source, target)
                followed += 1
    assert followed >= 20


async def test_the_problem_schema_describes_what_the_api_answers(
    client: httpx.AsyncClient, ada: SignedIn, document: dict[str, Any]
) -> None:
    # One of each shape: field errors from validation, from a service, and `field`.
    answers = [
        await client.patch("/api/v1/me", json={"name": "x" * 201}, headers=ada.headers),
        await client.patch("/api/v1/me", json={"time_zone": "Mars/Base"}, headers=ada.headers),
        await client.post("/api/v1/contacts", json={"email": "a@b.example"}, headers=ada.headers),
        await client.post("/api/v1/contacts", json={"email": "a@b.example"}, headers=ada.headers),
        await client.get("/api/v1/contacts/0", headers=ada.headers),
        await client.get("/api/v1/me"),
    ]
    assert [a.status_code for a in answers] == [400, 422, 201, 409, 404, 401]
    for answer in answers[:2] + answers[3:]:
        problem = msgspec.json.decode(answer.content, type=Problem)
        assert problem.status == answer.status_code
    schema = document["components"]["schemas"]["Problem"]
    assert set(schema["required"]) == {"type", "title", "status", "detail", "instance"}
    assert set(schema["properties"]) == {f.name for f in msgspec.structs.fields(Problem)}


def test_domain_error_extras_are_members_of_the_problem_schema() -> None:
    members = {f.name for f in msgspec.structs.fields(Problem)}
    assert set(InvalidInput("f", "m").extra) <= members
    assert set(AlreadyExists("f", "m").extra) <= members


def test_every_operation_says_what_it_does(document: dict[str, Any]) -> None:
    # The reference at /schema lists operations by their summary; without one a reader
    # sees only a method and a path.
    missing = [
        f"{method} {path}"
        for method, path, operation in operations(document)
        if not (operation.get("summary") or operation.get("description"))
    ]
    assert missing == []
