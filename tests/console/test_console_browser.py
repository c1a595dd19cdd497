"""The console in a real browser: headless Chromium (Debian's) driven by Selenium, against a
node served by uvicorn on a free local port. Each test saves a screenshot under
artifacts/screenshots/."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from console.console_testing import BIRTH_DATE, PASSWORD, PERSONAL_VALUES, Scenario, protect
from gateway.console import Role
from gateway.exchange import MessageStatus
from gateway.server import build_app
from gateway.store import Trace
from support import Clock, example_bytes

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
def database_kind() -> str:
    """The browser tests run on SQLite only; the unit tests cover both stores."""
    return "sqlite"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(scenario: Scenario, operators: dict[Role, str]) -> Iterator[str]:
    """The console node's API and console, served by uvicorn in a background thread."""
    port = _free_port()
    instance = uvicorn.Server(
        uvicorn.Config(
            build_app(scenario.node),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=instance.run, name="console test server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not instance.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=15)


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    for binary, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not binary.exists():
            pytest.fail(f"{binary} is missing; install the Debian package {package}")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1360,900",
        "--lang=en-GB",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: WebDriver, name: str) -> Path:
    """The whole page, saved as artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert isinstance(driver, webdriver.Chrome)
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
    )
    path = SCREENSHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], object]) -> None:
    # The page may be replaced while the condition reads it: read again then.
    WebDriverWait(driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def log_in(driver: WebDriver, base: str, name: str, *, next_path: str = "") -> None:
    driver.get(f"{base}/console/login" + (f"?next={next_path}" if next_path else ""))
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
    wait_for(driver, lambda d: "/console/login" not in d.current_url)


def text_of(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def test_log_in_filter_the_list_and_follow_a_message_to_its_case(
    server: str, browser: WebDriver, scenario: Scenario
) -> None:
    browser.get(f"{server}/console/messages")
    assert "/console/login" in browser.current_url
    browser.find_element(By.ID, "name").send_keys("otto")
    browser.find_element(By.ID, "password").send_keys("not the password" + Keys.ENTER)
    wait_for(browser, lambda d: "Login failed" in text_of(d))
    assert browser.switch_to.active_element.get_attribute("role") == "alert"
    screenshot(browser, "login-failed")

    browser.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
    wait_for(browser, lambda d: d.current_url.endswith("/console/messages"))
    rows = browser.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
    assert len(rows) >= 8
    screenshot(browser, "messages")

    Select(browser.find_element(By.ID, "f-status")).select_by_value("delivered")
    Select(browser.find_element(By.ID, "f-direction")).select_by_value("out")
    browser.find_element(By.ID, "f-partner").send_keys("DE:DRV70001")
    browser.find_element(By.CSS_SELECTOR, ".filter-actions button[type=submit]").click()
    wait_for(browser, lambda d: "status=delivered" in d.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
    assert len(rows) == 1
    assert "InsurancePeriodsRequest" in rows[0].text and "delivered" in rows[0].text
    screenshot(browser, "messages-filtered")

    # A bad filter value is explained on the page and focused, never an error page.
    browser.find_element(By.ID, "f-case").send_keys("' OR 1=1 --" + Keys.ENTER)
    wait_for(browser, lambda d: "Case id must be a UUID" in text_of(d))
    assert browser.switch_to.active_element.get_attribute("role") == "alert"
    assert browser.find_element(By.ID, "f-case").get_attribute("aria-invalid") == "true"
    screenshot(browser, "messages-bad-filter")

    browser.get(f"{server}/console/messages/{scenario.delivered.id}")
    stages = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "table.timeline th.stage")]
    assert stages[:3] == ["accepted", "authorised", "sealed"] and stages[-1] == "delivered"
    assert "matches" in text_of(browser)  # the receipt confirms the digest that was sent
    screenshot(browser, "message-timeline")

    browser.find_element(By.LINK_TEXT, str(scenario.case_id)).click()
    wait_for(browser, lambda d: "/console/cases/" in d.current_url)
    diagram = browser.find_element(By.CSS_SELECTOR, "svg.sequence")
    lifelines = diagram.find_elements(By.CSS_SELECTOR, "g.lifeline text")
    assert [e.text for e in lifelines] == ["FR:CNAV", "this node", "DE:DRV70001"]
    assert len(diagram.find_elements(By.CSS_SELECTOR, "a.arrow")) == 4
    screenshot(browser, "case-sequence")

    # The arrows are links a keyboard reaches.
    first_arrow = diagram.find_element(By.CSS_SELECTOR, "a.arrow")
    browser.execute_script("arguments[0].focus()", first_arrow)
    first_arrow.send_keys(Keys.ENTER)
    wait_for(
        browser, lambda d: d.current_url.endswith(f"/console/messages/{scenario.delivered.id}")
    )


def test_an_operator_retries_a_failed_message(
    server: str, browser: WebDriver, scenario: Scenario
) -> None:
    log_in(browser, server, "otto", next_path="/console/failures")
    assert browser.current_url.endswith("/console/failures")
    page = text_of(browser)
    for reason in ("no-receipt", "rejected", "refused", "decryption-failed"):
        assert reason in page
    screenshot(browser, "failures")

    browser.find_element(By.CSS_SELECTOR, "form[action$='/retry'] button").click()
    wait_for(browser, lambda d: _alert_present(d))
    browser.switch_to.alert.accept()
    wait_for(browser, lambda d: "done=retried" in d.current_url)
    assert "queued to be sent again" in text_of(browser)
    screenshot(browser, "failures-retried")
    assert scenario.record(scenario.failed).status is MessageStatus.ACCEPTED

    browser.get(f"{server}/console/messages/{scenario.failed.id}")
    stages = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "table.timeline th.stage")]
    assert stages[-2:] == ["failed", "retried"]


def _alert_present(driver: WebDriver) -> bool:
    try:
        driver.switch_to.alert  # noqa: B018 (switching is the check)
    except Exception:
        return False
    return True


def test_a_viewer_cannot_reveal_personal_data_and_an_auditor_can(
    server: str, browser: WebDriver, scenario: Scenario
) -> None:
    log_in(browser, server, "vera", next_path=f"/console/messages/{scenario.refused.id}")
    page = text_of(browser)
    assert "Withheld" in page and BIRTH_DATE not in page and "19X1" not in page
    with pytest.raises(NoSuchElementException):
        browser.find_element(By.ID, "reason")
    assert not browser.find_elements(By.CSS_SELECTOR, "form[action$='/retry']")
    screenshot(browser, "viewer-refused-message")

    browser.get(f"{server}/console/messages/{scenario.received.id}")
    assert BIRTH_DATE not in text_of(browser)
    assert not browser.find_elements(By.ID, "reason")
    browser.find_element(By.CSS_SELECTOR, ".who button").click()
    wait_for(browser, lambda d: "/console/login" in d.current_url)

    log_in(browser, server, "aude", next_path=f"/console/messages/{scenario.received.id}")
    browser.find_element(By.ID, "reason").send_keys("Complaint 2026-114: check the periods")
    browser.find_element(By.CSS_SELECTOR, ".reveal-form button").click()
    wait_for(browser, lambda d: bool(d.find_elements(By.CSS_SELECTOR, "pre.document")))
    assert BIRTH_DATE in browser.find_element(By.CSS_SELECTOR, "pre.document").text
    assert "recorded as audit event" in text_of(browser)
    screenshot(browser, "auditor-revealed")

    browser.get(f"{server}/console/audit")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/audit/verify'] button").click()
    wait_for(browser, lambda d: "The chain is intact" in text_of(d))
    assert "reveal" in text_of(browser) and "Complaint 2026-114" in text_of(browser)
    screenshot(browser, "audit-log")


def test_the_console_can_be_used_with_the_keyboard(
    server: str, browser: WebDriver, scenario: Scenario
) -> None:
    log_in(browser, server, "otto")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.text == "Skip to main content"
    outline = skip.value_of_css_property("outline-style")
    assert outline == "solid"
    screenshot(browser, "keyboard-skip-link")
    skip.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "main"

    browser.find_element(By.TAG_NAME, "h1").click()
    browser.switch_to.active_element.send_keys("/")
    assert browser.switch_to.active_element.get_attribute("id") == "f-direction"
    for label in browser.find_elements(By.CSS_SELECTOR, "form.filters label"):
        target = label.get_attribute("for")
        assert target and browser.find_element(By.ID, target)


def test_the_dashboard_draws_its_charts_and_names_the_silent_partner(
    server: str, browser: WebDriver, scenario: Scenario
) -> None:
    log_in(browser, server, "vera", next_path="/console/dashboard")
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.line-chart")
    assert len(charts) == 4
    for chart in charts:
        assert chart.find_element(By.TAG_NAME, "title").get_attribute("textContent")
        assert chart.find_element(By.TAG_NAME, "desc").get_attribute("textContent")
        assert chart.size["width"] > 300 and chart.size["height"] > 100
    assert browser.find_elements(By.CSS_SELECTOR, "svg.line-chart polyline")
    silent = browser.find_element(By.CSS_SELECTOR, "table.silent tbody tr.silent-stopped")
    assert "DE:DRV70001" in silent.text and "stopped answering" in silent.text
    screenshot(browser, "dashboard")

    # The same figures as a table, one click away.
    browser.find_element(By.CSS_SELECTOR, "details.figures summary").click()
    table = browser.find_element(By.CSS_SELECTOR, "table.figures-table")
    assert table.is_displayed() and "DE:DRV70001" in table.text

    browser.find_element(By.LINK_TEXT, "Last week").click()
    wait_for(browser, lambda d: d.current_url.endswith("range=week"))
    current = browser.find_element(By.CSS_SELECTOR, ".range-choice a[aria-current='page']")
    assert current.text == "Last week"
    screenshot(browser, "dashboard-week")


def test_the_case_view_draws_the_insurance_periods(
    server: str, browser: WebDriver, scenario: Scenario
) -> None:
    log_in(browser, server, "vera", next_path=f"/console/cases/{scenario.case_id}")
    chart = browser.find_element(By.CSS_SELECTOR, "svg.periods")
    lanes = [e.text for e in chart.find_elements(By.CSS_SELECTOR, "text.lane-label")]
    assert lanes[-1] == "EU-883-2004" and "DE" in lanes and "FR" in lanes
    assert len(chart.find_elements(By.CSS_SELECTOR, "rect.period")) > len(lanes)
    page = text_of(browser)
    assert "Totalized under EU-883-2004" in page and "Not totalized (no agreement)" in page
    for value in PERSONAL_VALUES:
        assert value not in page and value not in browser.page_source
    browser.execute_script("arguments[0].scrollIntoView()", chart)
    screenshot(browser, "case-periods")


def test_a_new_message_appears_in_the_list_without_a_reload(
    server: str, browser: WebDriver, scenario: Scenario
) -> None:
    log_in(browser, server, "vera")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
    before = len(rows)
    marker = browser.execute_script("return window.__notReloaded = 'still the same page';")
    assert marker == "still the same page"
    scenario.node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    wait_for(
        browser,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "table.list tbody tr")) == before + 1,
    )
    new = browser.find_element(By.CSS_SELECTOR, "table.list tbody tr.row-new")
    assert "InsurancePeriodsRequest" in new.text and "accepted" in new.text
    assert browser.execute_script("return window.__notReloaded") == "still the same page"
    assert "1 new message" in browser.find_element(By.CSS_SELECTOR, "[data-live-status]").text
    screenshot(browser, "messages-live")

    # A message's page follows its status too.
    failed = scenario.failed
    assert failed.id is not None
    browser.get(f"{server}/console/messages/{failed.id}")
    assert browser.find_element(By.ID, "live-status").text == "failed"
    browser.execute_script("window.__notReloaded = 'the message page';")
    node = scenario.node
    node.store.requeue(failed.id, now=node.clock(), trace=Trace("retried", "by a test"))
    wait_for(browser, lambda d: d.find_element(By.ID, "live-status").text == "accepted")
    stages = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "table.timeline th.stage")]
    assert stages[-1] == "retried"
    assert browser.execute_script("return window.__notReloaded") == "the message page"
    screenshot(browser, "message-live")


def test_overdue_requests_are_marked(
    server: str, browser: WebDriver, scenario: Scenario, clock: Clock
) -> None:
    clock.advance(61 * 86_400)
    log_in(browser, server, "otto", next_path="/console/dashboard")
    overdue = browser.find_elements(By.CSS_SELECTOR, "table.overdue tbody tr.row-overdue")
    assert len(overdue) == 2 and all("overdue" in row.text for row in overdue)
    screenshot(browser, "dashboard-overdue")
    link = browser.find_element(By.CSS_SELECTOR, f"a[href$='/cases/{scenario.failed.case_id}']")
    link.click()
    wait_for(browser, lambda d: "/console/cases/" in d.current_url)
    row = browser.find_element(By.CSS_SELECTOR, "table.requests tbody tr.row-overdue")
    assert "overdue" in row.text and "DE:DRV70001" in row.text
    screenshot(browser, "case-overdue")


def test_a_protected_persons_data_is_masked_and_only_an_auditor_reveals_it(
    server: str, browser: WebDriver, scenario: Scenario
) -> None:
    protect(scenario.node, scenario.case_id)
    log_in(browser, server, "vera", next_path=f"/console/cases/{scenario.case_id}")
    assert "protected person" in text_of(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "svg.periods")
    assert "not drawn one by one" in text_of(browser)
    for value in PERSONAL_VALUES:
        assert value not in browser.page_source
    screenshot(browser, "protected-case")
    browser.get(f"{server}/console/messages/{scenario.received.id}")
    assert not browser.find_elements(By.ID, "reason")
    assert not browser.find_elements(By.ID, "protected_ack")
    screenshot(browser, "protected-viewer-message")
    browser.find_element(By.CSS_SELECTOR, ".who button").click()
    wait_for(browser, lambda d: "/console/login" in d.current_url)

    log_in(browser, server, "aude", next_path=f"/console/messages/{scenario.received.id}")
    browser.find_element(By.ID, "reason").send_keys("Complaint 2026-114: check the periods")
    browser.find_element(By.CSS_SELECTOR, ".reveal-form button").click()
    # The confirmation is required: the browser does not send the form without it.
    assert not browser.find_elements(By.CSS_SELECTOR, "pre.document")
    assert "/reveal" not in browser.current_url
    browser.find_element(By.ID, "protected_ack").click()
    screenshot(browser, "protected-auditor-confirms")
    browser.find_element(By.CSS_SELECTOR, ".reveal-form button").click()
    wait_for(browser, lambda d: bool(d.find_elements(By.CSS_SELECTOR, "pre.document")))
    assert BIRTH_DATE in browser.find_element(By.CSS_SELECTOR, "pre.document").text
    browser.get(f"{server}/console/audit")
    assert "reveal-protected" in text_of(browser)
    screenshot(browser, "protected-audit-log")
