"""The staff desk in headless Chromium: the real `pfa-bot web` process and a real `pfa-bot chat`
person on one database, driven with the keyboard alone.

Chromium and chromedriver are Debian's packages (`.ci/run` installs them); axe-core, the
accessibility check injected into each page, comes from npm into `.ci/node_modules`. Screenshots
of the queue, the case and the figures are kept under `artifacts/web/` (ignored by git).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.bot.test_two_processes import Process, cli
from tests.policies import policy_file

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".ci" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("PFA_ARTIFACTS_DIR", ROOT / "artifacts")) / "web"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
WAIT = 30.0
CRISIS = ("/start", "I agree, let's start", "United Kingdom", "exhausted", "6", "I want to kill myself")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="chromium and chromedriver are not installed (.ci/run installs Debian's chromium chromium-driver)",
)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except (httpx.HTTPError, WebDriverException):
            found = None
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    environment["PFA_DATABASE_URL"] = f"sqlite:///{tmp_path / 'shared.db'}"
    environment["PFA_POLICY_FILE"] = str(policy_file(tmp_path))
    return environment


@pytest.fixture
def desk(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """The real `pfa-bot web` on a free port; its address once it answers."""
    cli(env, "db", "upgrade")
    port = free_port()
    log = (tmp_path / "web.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "web", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{url}/desk/signin").status_code == 200, "pfa-bot web to answer")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=WAIT)
        log.close()
    assert "Traceback" not in (tmp_path / "web.log").read_text()


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def sign_in(driver: WebDriver, env: dict[str, str], url: str, name: str) -> None:
    """Open a fresh one-time link and press the button with the keyboard."""
    link = cli(env, "staff", "login-link", "--name", name, "--base-url", url).strip()
    driver.get(link)
    press(driver, "signin")
    wait_for(lambda: "Queue" in driver.title, "the queue after signing in")


def press(driver: WebDriver, element_id: str) -> None:
    """Reach a control with Tab alone, then press Enter on it: the page works from the keyboard."""
    tab_to(driver, element_id).send_keys(Keys.ENTER)


def tab_to(driver: WebDriver, element_id: str) -> Any:
    target = driver.find_element(By.ID, element_id)
    for _ in range(80):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if driver.switch_to.active_element == target:
            return target
    pytest.fail(f"{element_id} cannot be reached with the Tab key")


def screenshot(driver: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def text_of(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def accessibility_violations(driver: WebDriver) -> list[str]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations))"
        ".catch(e => done([{id: 'axe failed: ' + e, nodes: []}]));"
    )
    return [f"{v['id']}: {[n.get('target') for n in v['nodes']]}" for v in result]


def test_a_counsellor_works_a_case_in_the_browser_with_the_keyboard(env, desk, browser):
    cli(env, "staff", "add", "--name", "Sam Jones", "--role", "counsellor")
    cli(env, "staff", "add", "--name", "Sue Park", "--role", "supervisor")
    sign_in(browser, env, desk, "Sam Jones")
    browser.get(f"{desk}/desk/board")
    press(browser, "oncall-1")
    wait_for(lambda: "is now on call" in text_of(browser), "Sam on call")
    browser.get(f"{desk}/desk/")
    wait_for(lambda: "Live updates: on" in text_of(browser), "the live stream")
    browser.execute_script("window.notReloaded = true;")
    with Process(["chat", "--jsonl", "--user", "alice"], env) as person:
        for text in CRISIS:
            person.send(text)
        person.expect("has been alerted")
        wait_for(lambda: "Case 1" in text_of(browser), "the new case to appear without a reload")
        assert browser.execute_script("return window.notReloaded === true;")
        assert "I want to kill myself" in text_of(browser) and "HIGH" in text_of(browser).upper()
        screenshot(browser, "queue")

        browser.get(f"{desk}/desk/cases/1")
        press(browser, "claim")
        wait_for(lambda: "You have case 1" in text_of(browser), "the claim")
        person.expect("Sam from our team has joined")

        tab_to(browser, "chat-text").send_keys("I'm here with you. Are you somewhere safe?", Keys.ENTER)
        person.expect("Sam (team): I'm here with you. Are you somewhere safe?")
        person.send("I'm at home, a bit calmer now")
        wait_for(lambda: "a bit calmer now" in browser.find_element(By.ID, "chat").text, "the person's reply")
        screenshot(browser, "case")

        outcome = tab_to(browser, "outcome")
        outcome.send_keys("safety")  # a select chooses by typing
        tab_to(browser, "label-confirmed").send_keys(Keys.SPACE)
        press(browser, "resolve")
        wait_for(lambda: "Case 1 resolved" in text_of(browser), "the case resolved")
        assert person.expect("closed this conversation")["state"] == "menu"
        assert person.close() == 0

    sign_out(browser)
    sign_in(browser, env, desk, "Sue Park")
    browser.get(f"{desk}/desk/figures")
    figures = text_of(browser)
    assert "safety-plan-made" in figures and "Sam Jones" in figures and "100 %" in figures
    screenshot(browser, "figures")


def sign_out(driver: WebDriver) -> None:
    driver.find_element(By.CSS_SELECTOR, "form.signout button").send_keys(Keys.ENTER)
    wait_for(lambda: "Sign in" in driver.title, "the sign-in page")


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (.ci/run installs it with npm ci)")
def test_the_desk_pages_pass_an_automated_accessibility_check(env, desk, browser):
    cli(env, "staff", "add", "--name", "Sue Park", "--role", "supervisor")
    with Process(["chat", "--jsonl", "--user", "alice"], env) as person:
        for text in CRISIS:
            person.send(text)
        person.expect("asking our team for a person")
        assert person.close() == 0
    browser.get(f"{desk}/desk/signin")
    problems = {"signin": accessibility_violations(browser)}
    sign_in(browser, env, desk, "Sue Park")
    for page in ("/desk/", "/desk/cases/1", "/desk/board", "/desk/figures", "/desk/audit"):
        browser.get(desk + page)
        wait_for(lambda: "Live updates: on" in text_of(browser), f"{page} to go live")
        problems[page] = accessibility_violations(browser)
    assert all(not found for found in problems.values()), problems
