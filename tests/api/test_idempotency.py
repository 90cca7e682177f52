# SPDX-License-Identifier: MIT
"""Idempotency-Key on POST: replay, mismatch, and concurrent duplicates."""
import threading
import uuid

from conftest import assert_problem


def test_same_key_same_body_replays_first_response(api):
    key = str(uuid.uuid4())
    body = {"name": "idempotent client"}
    r1 = api.post("/api/v1/clients", body, headers={"Idempotency-Key": key})
    r2 = api.post("/api/v1/clients", body, headers={"Idempotency-Key": key})
    assert r1.status_code == r2.status_code == 201
    assert r1.json() == r2.json()
    assert r2.headers.get("Idempotent-Replayed") == "true"
    listed = api.get("/api/v1/clients", params={"search": "idempotent client"}).json()
    assert listed["meta"]["total"] == 1


def test_same_key_other_body_is_422(api):
    key = str(uuid.uuid4())
    assert api.post("/api/v1/clients", {"name": "a"}, headers={"Idempotency-Key": key}).status_code == 201
    r = api.post("/api/v1/clients", {"name": "b"}, headers={"Idempotency-Key": key})
    assert_problem(r, 422, "IDEMPOTENCY_KEY_REUSED")


def test_concurrent_duplicates_create_once(api):
    key = str(uuid.uuid4())
    name = f"concurrent {key}"
    results = []
    barrier = threading.Barrier(12)

    def worker():
        barrier.wait()
        r = api.with_token(api.token).post("/api/v1/clients", {"name": name},
                                           headers={"Idempotency-Key": key})
        results.append(r)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in results)
    assert set(statuses) <= {201, 409}, statuses
    for r in results:
        if r.status_code == 409:
            assert r.json()["code"] == "CONFLICT"
    created = {r.json()["data"]["id"] for r in results if r.status_code == 201}
    assert len(created) == 1
    assert api.get("/api/v1/clients", params={"search": name}).json()["meta"]["total"] == 1


def test_failed_validation_is_not_stored_so_the_corrected_retry_runs(api):
    key = str(uuid.uuid4())
    r1 = api.post("/api/v1/clients", {"name": ""}, headers={"Idempotency-Key": key})
    assert_problem(r1, 400, "VALIDATION_ERROR")
    r2 = api.post("/api/v1/clients", {"name": "corrected"}, headers={"Idempotency-Key": key})
    assert r2.status_code == 201, r2.text
    assert "Idempotent-Replayed" not in r2.headers


def test_another_principal_never_gets_the_replay(api):
    """Issue 14 item 1: the operator creates an admin token under key K; another credential of
    the same organization sends the same body with K and must not receive that token."""
    key = str(uuid.uuid4())
    body = {"name": "admin-by-operator", "scopes": ["admin"]}
    first = api.post("/api/v1/tokens", body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    r = api.post("/api/v1/tokens", {"name": "other", "scopes": ["clients:read"]})
    other = api.with_token(r.json()["data"]["token"])
    r = other.post("/api/v1/tokens", body, headers={"Idempotency-Key": key})
    assert r.status_code != 201 or r.json()["data"]["token"] != first.json()["data"]["token"]
    assert "Idempotent-Replayed" not in r.headers
    assert first.json()["data"]["token"] not in r.text
