"""Browser tests: the app served on a real port (werkzeug in a thread), headless Debian chromium.

Skipped, with the reason, when chromium/chromedriver or selenium are missing
(`apt-get install chromium chromium-headless-shell chromium-driver`). Screenshots go to test-artifacts/ (git-ignored).
"""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.remote.webelement import WebElement
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

def _browser_binary() -> str | None:
    """Chromium's headless shell (Debian: chromium-headless-shell) when installed: the same Blink
    without the full browser around it, about a fifth less CPU over the browser tests, and its window
    is the page (a 768x1024 screenshot shows 1024 px of page, not 881 below the browser's own bars).
    Debian's /usr/bin/chromium-headless-shell is a script running the binary as its child, so
    chromedriver's quit would stop only the script and leave the browser running: start the binary."""
    shell = Path("/usr/lib/chromium/chromium-headless-shell")
    if shell.exists():
        return str(shell)
    return shutil.which("chromium-headless-shell") or shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM = _browser_binary()
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def live_server(app):
    """Base URL of the app on 127.0.0.1 (a free port), same database as the test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def _start_chromium():
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("chromium and chromedriver not installed (apt-get install chromium chromium-headless-shell chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--window-size=768,1024"):
        options.add_argument(arg)
    # The page's console (CSP violations, script errors) for driver.get_log("browser").
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = PortalChrome(service=Service(CHROMEDRIVER), options=options)
    ARTIFACTS.mkdir(exist_ok=True)
    return driver


class PageElement(WebElement):
    """A live refresh may replace a section with an identical copy between the moment a test finds
    an element and the moment it uses it. A user taps whatever is on the screen then; a test holding
    the old node would fail with a stale reference. So an element found on the page is looked up
    again, once, by the same locator when it has gone stale."""

    locator: tuple | None = None

    def _again(self, action):
        try:
            return action(self)
        except WebDriverException as exc:
            # Caught mid-navigation, chromedriver may report a node of the page being left as
            # "does not belong to the document" rather than stale: the same thing to a test.
            gone = isinstance(exc, StaleElementReferenceException) or "does not belong to the document" in str(exc)
            if not gone:
                raise
            if self.locator is None:
                raise StaleElementReferenceException(exc.msg) from exc
            return action(self.parent.find_element(*self.locator))

    def click(self) -> None:
        self._again(WebElement.click)

    def clear(self) -> None:
        self._again(WebElement.clear)

    def send_keys(self, *value) -> None:
        self._again(lambda element: WebElement.send_keys(element, *value))

    def submit(self) -> None:
        self._again(WebElement.submit)

    def is_selected(self) -> bool:
        return self._again(WebElement.is_selected)

    def get_attribute(self, name: str):
        return self._again(lambda element: WebElement.get_attribute(element, name))

    @property
    def text(self) -> str:
        return self._again(lambda element: WebElement.text.fget(element))


class PortalChrome(webdriver.Chrome):
    """Selenium's Chrome driver with two of its public methods overridden (a subclass, nothing
    patched): elements found on the page come back as PageElement, and screenshots are PNGs encoded
    for speed rather than size (about 50 instead of 80 ms each; the suite takes some 80 of them, and
    save_screenshot goes through this method)."""

    def find_element(self, by="id", value=None) -> PageElement:
        found = super().find_element(by, value)
        element = PageElement(found.parent, found.id)  # the same node, through selenium's public constructor
        element.locator = (by, value)
        return element

    def get_screenshot_as_base64(self) -> str:
        return self.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True})["data"]


@pytest.fixture(scope="session")
def _chromium():
    """One headless chromium per test process: starting and quitting it costs about 3 s a test."""
    driver = _start_chromium()
    yield driver
    driver.quit()


@pytest.fixture
def second_browser():
    """Another chromium of its own: a second user's session beside `browser`."""
    driver = _start_chromium()
    yield driver
    driver.quit()


@pytest.fixture
def browser(_chromium):
    """The process's chromium as a fresh visitor: blank page, no cookies or storage, a tablet's window.
    No implicit wait (selenium's default, 0): a test waits explicitly (`wait`, `waiter`) for what it
    expects to appear, and a find that fails, fails at once."""
    _chromium.set_window_size(768, 1024)
    yield _chromium
    # Leave without the unsaved-changes prompt, and forget every cookie (cookies ignore ports, so the
    # next test's server on another port would get this one's session cookie).
    _chromium.execute_script("window.addEventListener('beforeunload', e => e.stopImmediatePropagation(), true)")
    _chromium.get("about:blank")
    _chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})


def waiter(driver, seconds: float = 30):
    """A WebDriverWait that looks every 50 ms (selenium's default, 500 ms, adds a quarter of a second
    to each step of a flow on average) and looks again when htmx swapped the element it was reading.
    `seconds` is a failure deadline for a busy machine, not a speed target: a wait ends as soon as
    its condition holds."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,))


@pytest.fixture
def wait(browser):
    """waiter(browser): 30 s at most."""
    return waiter(browser)


@pytest.fixture
def absent(browser):
    """absent(By.ID, "x"): True when no such element is on the page now."""

    def check(by: str, value: str) -> bool:
        return not browser.find_elements(by, value)

    return check


def log_in(browser, base: str, user=None, *, email: str | None = None, code: str | None = None) -> None:
    """Fill in and send the login form: `user`'s email and current TOTP code, unless given."""
    import pyotp
    from conftest import PASSWORD
    from selenium.webdriver.common.by import By

    browser.get(base + "/login")
    browser.find_element(By.ID, "f-email").send_keys(email if email is not None else user.email)
    browser.find_element(By.ID, "f-password").send_keys(PASSWORD)
    browser.find_element(By.ID, "f-code").send_keys(code if code is not None else pyotp.TOTP(user.totp_secret).now())
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()


def screenshots(browser, name: str, scroll_to: str | None = None) -> None:
    """test-artifacts/<name>-768x1024.png and -1440x900.png (scrolled to `scroll_to`), back at 768 after."""
    from selenium.webdriver.common.by import By

    for width, height in ((768, 1024), (1440, 900)):
        browser.set_window_size(width, height)
        if scroll_to:
            browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.CSS_SELECTOR, scroll_to))
        browser.save_screenshot(str(ARTIFACTS / f"{name}-{width}x{height}.png"))
    browser.set_window_size(768, 1024)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test leaves test-artifacts/FAILED-<test>.png and .html, and says in its
    report where the page was and what it showed (CI prints only the log)."""
    outcome = yield
    report = outcome.get_result()
    driver = getattr(item, "funcargs", {}).get("browser")
    if report.when != "call" or not report.failed or driver is None:
        return
    name = "FAILED-" + item.name
    try:
        driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
        (ARTIFACTS / f"{name}.html").write_text(driver.page_source)
        text = driver.execute_script("return (document.querySelector('main') || document.body).innerText")
        report.sections.append(("browser", f"at {driver.current_url}\n{text[:3000]}"))
    except Exception as exc:  # the browser itself may be what failed
        report.sections.append(("browser", f"no page state: {exc!r}"))
