"""Logging in to the console: sessions, cookies, lockout, CSRF and the headers of every page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from console.console_testing import PASSWORD, Scenario, csrf_of, log_in
from gateway.console import COOKIE, LOCKOUT, MAX_FAILED_LOGINS, Accounts, Role
from gateway.server import build_app
from support import Clock


def client_of(scenario: Scenario, base_url: str = "http://testserver") -> TestClient:
    return TestClient(build_app(scenario.node), base_url=base_url, raise_server_exceptions=False)


def actions(scenario: Scenario) -> list[str]:
    events = Accounts(scenario.node.store.engine).audit_events(before=None, limit=1000)
    return [e.action for e in reversed(events)]


def try_login(client: TestClient, name: str, password: str) -> int:
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"name": name, "password": password, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    return response.status_code


def test_every_page_needs_a_login(scenario: Scenario, operators: dict[Role, str]) -> None:
    client = client_of(scenario)
    for path in (
        "/console/messages?status=failed",
        f"/console/messages/{scenario.delivered.id}",
        f"/console/cases/{scenario.case_id}",
        "/console/failures",
        "/console/audit",
    ):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/console/login?next=%2Fconsole%2F")
    response = client.post(
        f"/console/messages/{scenario.failed.id}/retry",
        data={"csrf": "x"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert scenario.record(scenario.failed).status.value == "failed"


def test_a_login_sets_a_strict_http_only_session_cookie(
    scenario: Scenario, operators: dict[Role, str]
) -> None:
    client = client_of(scenario)
    page = client.get("/console/login")
    anonymous = client.cookies[COOKIE]
    response = client.post(
        "/console/login",
        data={
            "name": "vera",
            "password": PASSWORD,
            "csrf": csrf_of(page.text),
            "next": "/console/failures",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/failures"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the HTTPS test
    # A new token after the login: a token planted before it is worth nothing.
    assert client.cookies[COOKIE] != anonymous
    stale = client_of(scenario)
    stale.cookies.set(COOKIE, anonymous, path="/console")
    assert stale.get("/console/messages", follow_redirects=False).status_code == 303
    assert client.get("/console/messages").status_code == 200
    assert actions(scenario)[-1] == "login"


def test_over_https_the_cookie_is_secure(scenario: Scenario, operators: dict[Role, str]) -> None:
    client = client_of(scenario, base_url="https://testserver")
    page = client.get("/console/login")
    assert "Secure" in page.headers["set-cookie"]
    response = client.post(
        "/console/login",
        data={"name": "vera", "password": PASSWORD, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert "Secure" in response.headers["set-cookie"]


def test_after_the_login_only_console_pages_are_followed(
    scenario: Scenario, operators: dict[Role, str]
) -> None:
    for target in ("https://elsewhere.example/", "//elsewhere.example/x", "/console//x", "/api"):
        client = client_of(scenario)
        page = client.get("/console/login")
        response = client.post(
            "/console/login",
            data={"name": "vera", "password": PASSWORD, "csrf": csrf_of(page.text), "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/console/messages", target


def test_a_wrong_password_fails_without_saying_which_part_was_wrong(
    scenario: Scenario, operators: dict[Role, str]
) -> None:
    client = client_of(scenario)
    assert try_login(client, "vera", "not the password at all") == 401
    assert try_login(client, "nobody-here", PASSWORD) == 401
    page = client.get("/console/messages", follow_redirects=False)
    assert page.status_code == 303
    assert actions(scenario)[-2:] == ["login-failed", "login-failed"]
    events = Accounts(scenario.node.store.engine).audit_events(before=None, limit=2)
    # A name typed at the login form is never recorded: it may be a misplaced password.
    assert [e.actor for e in events] == ["(unknown)", "vera"]
    assert all("nobody-here" not in e.detail for e in events)


def test_five_failed_logins_lock_the_account_for_fifteen_minutes(
    scenario: Scenario, operators: dict[Role, str], clock: Clock
) -> None:
    client = client_of(scenario)
    for _ in range(MAX_FAILED_LOGINS):
        assert try_login(client, "otto", "a wrong password, again") == 401
    assert actions(scenario)[-1] == "login-locked"
    # Locked: even the right password is refused, and nothing says whether it was right.
    assert try_login(client, "otto", PASSWORD) == 401
    assert actions(scenario)[-1] == "login-refused"
    # Other accounts are not affected.
    assert try_login(client_of(scenario), "vera", PASSWORD) == 303
    clock.advance(LOCKOUT.total_seconds() - 1)
    assert try_login(client, "otto", PASSWORD) == 401
    clock.advance(1)
    assert try_login(client, "otto", PASSWORD) == 303
    assert actions(scenario)[-1] == "login"


def test_a_success_resets_the_count_of_failures(
    scenario: Scenario, operators: dict[Role, str]
) -> None:
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert try_login(client_of(scenario), "otto", "a wrong password, again") == 401
    assert try_login(client_of(scenario), "otto", PASSWORD) == 303
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert try_login(client_of(scenario), "otto", "a wrong password, again") == 401
    assert try_login(client_of(scenario), "otto", PASSWORD) == 303


def test_a_login_form_without_its_token_is_refused(
    scenario: Scenario, operators: dict[Role, str]
) -> None:
    client = client_of(scenario)
    client.get("/console/login")
    for token in ("", "forged-token"):
        response = client.post(
            "/console/login",
            data={"name": "vera", "password": PASSWORD, "csrf": token},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert "expired" in response.text
    # Without the session cookie, even the right token of another session does not help.
    other = client_of(scenario)
    token = csrf_of(other.get("/console/login").text)
    fresh = client_of(scenario)
    response = fresh.post(
        "/console/login",
        data={"name": "vera", "password": PASSWORD, "csrf": token},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "csrf-refused" in actions(scenario)
    assert "login" not in actions(scenario)


def test_log_out_needs_the_token_and_ends_the_session(
    scenario: Scenario, operators: dict[Role, str]
) -> None:
    client = log_in(client_of(scenario), "vera")
    refused = client.post("/console/logout", data={"csrf": "nope"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/console/messages").status_code == 200
    token = client.cookies[COOKIE]
    page = client.get("/console/messages")
    response = client.post(
        "/console/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/console/login"
    again = client_of(scenario)
    again.cookies.set(COOKIE, token, path="/console")
    assert again.get("/console/messages", follow_redirects=False).status_code == 303
    assert actions(scenario)[-1] == "logout"


def test_a_session_ends_after_thirty_idle_minutes_and_after_eight_hours(
    scenario: Scenario, operators: dict[Role, str], clock: Clock
) -> None:
    client = log_in(client_of(scenario), "vera")
    clock.advance(29 * 60)
    assert client.get("/console/messages", follow_redirects=False).status_code == 200
    clock.advance(29 * 60)
    assert client.get("/console/messages", follow_redirects=False).status_code == 200
    clock.advance(30 * 60)
    assert client.get("/console/messages", follow_redirects=False).status_code == 303

    client = log_in(client_of(scenario), "vera")
    for _ in range(8 * 3):
        clock.advance(20 * 60)
        client.get("/console/messages", follow_redirects=False)
    assert client.get("/console/messages", follow_redirects=False).status_code == 303


def test_pages_carry_security_headers_and_are_not_cached(
    scenario: Scenario, operators: dict[Role, str]
) -> None:
    client = log_in(client_of(scenario), "vera")
    for path in ("/console/login", "/console/messages", "/console/nowhere"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["cache-control"] == "no-store"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    style = client.get("/console/static/console.css")
    assert style.status_code == 200 and "cache-control" not in style.headers
    assert client.get("/console/static/console.js").status_code == 200


def test_the_console_does_not_disturb_the_rest_api(scenario: Scenario) -> None:
    client = client_of(scenario)
    assert client.get("/healthz").json()["status"] == "ok"
    openapi = client.get("/openapi.json").json()
    assert not [path for path in openapi["paths"] if path.startswith("/console")]
    assert client.get("/console", follow_redirects=False).status_code in (303, 307)
