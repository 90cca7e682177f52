# SPDX-License-Identifier: MIT
"""Rate limits: a token bucket per credential with the tier's burst, the X-RateLimit-* headers on
every authenticated response, 429 RATE_LIMIT_EXCEEDED with Retry-After when a bucket is empty,
and one credential's exhaustion never touching another's."""
import pytest

from conftest import Api, Server, assert_problem

BURST = 5


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    # One request a minute refills nothing during the test, so the counts are exact.
    tier = f"1/{BURST}"
    srv = Server(str(tmp_path_factory.mktemp("ratelimit")),
                 env={"VIGIL_RATE_ADMIN": tier, "VIGIL_RATE_STANDARD": tier, "VIGIL_RATE_SERVICE": tier})
    yield srv
    srv.stop()


def mint(api, scopes):
    r = api.post("/api/v1/tokens", {"name": "rl", "scopes": scopes})
    assert r.status_code == 201, r.text
    return r.json()["data"]["token"]


def test_burst_plus_one_is_429_while_another_token_passes(limited):
    admin = Api(limited)
    first = Api(limited, token=mint(admin, ["clients:read"]))
    second = Api(limited, token=mint(admin, ["clients:read"]))

    seen = []
    for i in range(BURST):
        r = first.get("/api/v1/clients")
        assert r.status_code == 200, f"request {i + 1}: {r.status_code}"
        assert r.headers["X-RateLimit-Limit"] == str(BURST)
        seen.append(int(r.headers["X-RateLimit-Remaining"]))
        assert int(r.headers["X-RateLimit-Reset"]) > 1_700_000_000
    assert seen == list(range(BURST - 1, -1, -1))

    r = first.get("/api/v1/clients")
    assert_problem(r, 429, "RATE_LIMIT_EXCEEDED")
    assert int(r.headers["Retry-After"]) >= 1
    assert r.headers["X-RateLimit-Remaining"] == "0"

    r = second.get("/api/v1/clients")
    assert r.status_code == 200
    assert r.headers["X-RateLimit-Remaining"] == str(BURST - 1)


def test_rate_limit_headers_on_errors_and_with_x_api_key(limited):
    admin = Api(limited)
    token = mint(admin, ["clients:read"])
    r = Api(limited, token=token, header="x-api-key").get("/api/v1/clients/client_missing")
    assert_problem(r, 404, "NOT_FOUND")
    assert r.headers["X-RateLimit-Remaining"] == str(BURST - 1)
    r = Api(limited, token=token).get("/api/v1/projects")
    assert_problem(r, 403, "FORBIDDEN")
    assert r.headers["X-RateLimit-Remaining"] == str(BURST - 2)
    # Unauthenticated requests are not counted against anyone.
    assert "X-RateLimit-Limit" not in Api(limited, token="").get("/health").headers
