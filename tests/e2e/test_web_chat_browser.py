"""A person's web chat in headless Chromium, on a phone-sized window: the real `pfa-bot web` process
and a counsellor in a real `pfa-bot staff console` on one database. Keyboard only; the network is
cut with Chrome's own network emulation; screenshots at phone and desktop widths are kept under
`artifacts/web/` (beside the desk's), and the page must pass axe-core.

The browser fixtures are the desk's (tests/e2e/test_web_browser.py).
"""

# ruff: noqa: F811 (pytest fixtures are parameters named like the imported fixtures)
from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.bot.test_two_processes import Process, cli
from tests.e2e.test_web_browser import (  # noqa: F401 (fixtures)
    AXE,
    accessibility_violations,
    browser,
    desk,
    env,
    screenshot,
    tab_to,
    text_of,
    wait_for,
)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

PHONE = (360, 780)
DESKTOP = (1280, 900)
NEUTRAL_TITLE = "Weather today"


class NeutralSite(http.server.BaseHTTPRequestHandler):
    """The site quick exit goes to (a weather page in real life): any path, one plain page."""

    def do_GET(self) -> None:
        page = f"<!doctype html><title>{NEUTRAL_TITLE}</title><p>Sunny spells.</p>".encode()
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(autouse=True)
def neutral_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Serve the neutral site and name it as the quick exit's (set before `env` copies the environment)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NeutralSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setenv("PFA_WEB_EXIT_URL", url)
    yield url
    server.shutdown()
    server.server_close()
    thread.join()


def live(driver: WebDriver) -> str:
    """Whether the page's live stream is open ("on") or not ("off"), as the page itself says."""
    return str(driver.find_element(By.TAG_NAME, "body").get_attribute("data-live"))


def log_text(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "log").text)


def press_option(driver: WebDriver, option_id: str) -> None:
    """Reach an option's button with Tab alone and press it with Enter."""
    wait_for(lambda: driver.find_elements(By.ID, f"option-{option_id}"), f"the option {option_id}")
    tab_to(driver, f"option-{option_id}").send_keys(Keys.ENTER)


def type_message(driver: WebDriver, text: str) -> None:
    tab_to(driver, "text").send_keys(text, Keys.ENTER)


def offline(driver: WebDriver, cut: bool) -> None:
    driver.execute_cdp_cmd("Network.enable", {})
    conditions = {"offline": cut, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", conditions)


def pacer_scale(driver: WebDriver) -> float:
    """How big the breathing circle is drawn right now (its transform matrix's scale)."""
    matrix = driver.execute_script(
        "return getComputedStyle(document.getElementById('pacer-shape')).transform;"
    )
    return float(str(matrix).removeprefix("matrix(").split(",")[0]) if matrix != "none" else 1.0


def open_chat(driver: WebDriver, url: str) -> None:
    driver.set_window_size(*PHONE)
    driver.get(url + "/")
    wait_for(lambda: driver.find_elements(By.ID, "option-agree"), "the welcome and its buttons")


def consent(driver: WebDriver) -> None:
    press_option(driver, "agree")
    press_option(driver, "yes")  # the country the browser's language suggests
    wait_for(lambda: "What's going on for you" in log_text(driver), "the check-in's first question")


def test_a_person_on_a_phone_breathes_meets_a_counsellor_and_loses_nothing_when_the_network_drops(
    env, desk, browser
):
    cli(env, "staff", "add", "--name", "Sam Jones", "--role", "counsellor")
    with Process(["staff", "console", "--as", "Sam Jones", "--jsonl"], env) as counsellor:
        counsellor.send("/oncall on")
        counsellor.expect("You're on call")
        open_chat(browser, desk)
        screenshot(browser, "chat-phone-welcome")
        consent(browser)
        type_message(browser, "exhausted")
        press_option(browser, "6")
        press_option(browser, "breathing")
        press_option(browser, "box")
        press_option(browser, "ready")
        wait_for(lambda: browser.find_element(By.ID, "pacer").is_displayed(), "the breathing pacer")
        small = pacer_scale(browser)
        big = wait_for(lambda: pacer_scale(browser) > small + 0.3 and pacer_scale(browser), "it to grow (in)")
        screenshot(browser, "chat-phone-breathing")
        wait_for(lambda: pacer_scale(browser) < big - 0.3, "the circle to shrink on the out-breath")

        type_message(browser, "I want to kill myself")
        wait_for(lambda: "988" in log_text(browser), "the crisis lines at once")
        counsellor.expect("Case 1")
        counsellor.send("/claim 1")
        wait_for(lambda: "Sam from our team has joined" in log_text(browser), "the counsellor joining")
        counsellor.send("I'm here with you. Are you somewhere safe?")
        wait_for(lambda: "Are you somewhere safe?" in log_text(browser), "the counsellor's words, live")
        type_message(browser, "at home, on the sofa")
        counsellor.expect("at home, on the sofa")

        offline(browser, True)
        wait_for(lambda: live(browser) == "off", "the page to notice the network is gone")
        counsellor.send("Are you still there?")
        counsellor.send("Take your time.")
        type_message(browser, "sorry my signal went")
        wait_for(lambda: "offline" in text_of(browser), "the page saying the message waits")
        offline(browser, False)
        counsellor.expect("sorry my signal went")
        for line in ("Are you still there?", "Take your time."):
            wait_for(lambda line=line: line in log_text(browser), f"{line!r} after the network is back")
        screenshot(browser, "chat-phone-with-counsellor")

        browser.refresh()  # a reload keeps the conversation, shown once
        wait_for(lambda: "Take your time." in log_text(browser), "the conversation after a reload")
        assert log_text(browser).count("Are you still there?") == 1
        assert log_text(browser).count("sorry my signal went") == 1
        counsellor.send("I'm glad you're back.")
        wait_for(lambda: "I'm glad you're back." in log_text(browser), "live again after the reload")
        assert counsellor.close() == 0


def test_quick_exit_leaves_for_the_neutral_site_and_back_does_not_return(env, desk, browser, neutral_site):
    browser.get(neutral_site + "before")
    open_chat(browser, desk)
    consent(browser)
    tab_to(browser, "quick-exit").send_keys(Keys.ENTER)
    wait_for(lambda: browser.title == NEUTRAL_TITLE, "the neutral site")
    browser.back()
    wait_for(lambda: browser.current_url == neutral_site + "before", "Back to skip the chat")
    assert browser.execute_script("return sessionStorage.length") == 0
    # Coming back goes on with the same conversation (the screen kept nothing of it); Esc leaves at
    # once from anywhere on the page, even while typing.
    browser.get(desk + "/")
    wait_for(lambda: "What's going on for you" in log_text(browser), "the conversation to go on")
    tab_to(browser, "text").send_keys("half a message", Keys.ESCAPE)
    wait_for(lambda: browser.title == NEUTRAL_TITLE, "Esc to leave at once")


def test_erasing_the_conversation_from_the_page_asks_then_forgets_it_there_too(env, desk, browser):
    open_chat(browser, desk)
    consent(browser)
    browser.find_element(By.CSS_SELECTOR, "details.stored summary").send_keys(Keys.ENTER)
    tab_to(browser, "erase").send_keys(Keys.ENTER)
    press_option(browser, "forget_yes")
    wait_for(lambda: "erased" in text_of(browser), "the page to say it is erased")
    browser.refresh()
    wait_for(lambda: browser.find_elements(By.ID, "option-agree"), "a fresh welcome")
    assert "What's going on for you" not in log_text(browser)


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (.ci/run installs it with npm ci)")
def test_the_chat_page_passes_an_accessibility_check_at_phone_and_desktop_widths(env, desk, browser):
    open_chat(browser, desk)
    problems = {"phone": accessibility_violations(browser)}
    consent(browser)
    browser.find_element(By.CSS_SELECTOR, "details.stored summary").click()
    problems["phone, consented, details open"] = accessibility_violations(browser)
    screenshot(browser, "chat-phone")
    browser.set_window_size(*DESKTOP)
    problems["desktop"] = accessibility_violations(browser)
    screenshot(browser, "chat-desktop")
    assert all(not found for found in problems.values()), problems
    sizes = browser.execute_script(
        "return [...document.querySelectorAll('button, summary')]"
        ".map(b => [b.id || b.textContent, b.getBoundingClientRect().height]);"
    )
    assert all(height >= 44 for _, height in sizes), sizes  # large enough for a finger
    assert browser.execute_script("return document.documentElement.scrollWidth") <= DESKTOP[0]
