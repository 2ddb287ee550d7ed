"""A person opening the service URL in a real browser: Debian's headless Chromium, driven by selenium
through Debian's chromedriver, against the real sandbox (`partnerapi serve`)."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from partnerapi.groups import GROUP_OPERATIONS
from partnerapi_ops import REPO_ROOT
from support.external_tools import require_commands

SCREENSHOT = REPO_ROOT / "docs" / "images" / "service-page.png"
WINDOW = (1280, 1900)  # tall enough for the whole list of operations in the screenshot
PAGE_LOAD_SECONDS = 60  # generous: a loaded 2-core machine, never a measure of speed
ALL_OPERATIONS = [operation for operations in GROUP_OPERATIONS.values() for operation in operations]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """A fresh headless Chromium (own profile, no network services of its own) driven by chromedriver."""
    require_commands("chromium", "chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--lang=ru",
    ):
        options.add_argument(flag)
    # the driver named explicitly: selenium must not try to download one (no Internet here)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver"), log_output=str(tmp_path / "chromedriver.log")))
    driver.set_page_load_timeout(PAGE_LOAD_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


def listed_operations(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [link.text for link in driver.find_elements(By.CSS_SELECTOR, "#toc a[href^='#op-']")]


def wait_for_url(driver, url: str) -> None:
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, PAGE_LOAD_SECONDS).until(expected_conditions.url_to_be(url))


def test_a_browser_at_the_service_url_sees_every_operation_and_its_samples(sandbox, browser):
    from selenium.webdriver.common.by import By

    # Given the service URL opened in a browser
    browser.get(sandbox.url())
    # Then it shows the service's page, not a SOAP fault
    assert browser.title.startswith("PartnerAPI v1.20")
    assert browser.find_element(By.TAG_NAME, "h1").text == "PartnerAPI v1.20"
    assert browser.find_element(By.ID, "address").text == sandbox.url()
    # And its list of operations is every operation of the service, in the spec's order
    assert listed_operations(browser) == ALL_OPERATIONS
    # And an operation's sample SOAP 1.1 and 1.2 requests are shown
    section = browser.find_element(By.ID, "op-client_add")
    samples = {pre.get_attribute("data-soap-version"): pre.text for pre in section.find_elements(By.CSS_SELECTOR, "pre.envelope")}
    assert set(samples) == {"1.1", "1.2"}
    assert "<tns:client_add>" in samples["1.1"] and "http://schemas.xmlsoap.org/soap/envelope/" in samples["1.1"]
    assert "http://www.w3.org/2003/05/soap-envelope" in samples["1.2"]
    # And the Russian text is text (the page's encoding reached the browser)
    assert "Параметры" in section.text

    # When the top of the page is saved as the documentation's screenshot
    browser.execute_script("window.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    # Then it is a PNG of the window that a browser decodes
    image = SCREENSHOT.read_bytes()
    assert image.startswith(PNG_SIGNATURE) and len(image) > 20_000
    browser.get(SCREENSHOT.as_uri())
    width, height = browser.execute_script("const image = document.images[0]; return [image.naturalWidth, image.naturalHeight]")
    assert width >= WINDOW[0] // 2 and height >= 800

    # When the WSDL link is followed
    browser.get(sandbox.url())
    browser.find_element(By.ID, "wsdl").click()
    wait_for_url(browser, f"{sandbox.url()}?wsdl")
    # Then the browser got the WSDL as XML
    assert browser.execute_script("return document.contentType") == "text/xml"
    # (Chromium shows XML through its own viewer, so the source is read, not the viewer's DOM)
    assert "definitions" in browser.page_source and "PartnerAPISoap12" in browser.page_source


def test_a_group_url_shows_only_that_groups_operations_and_links_to_the_others(sandbox, browser):
    from selenium.webdriver.common.by import By

    # Given a group's URL opened in a browser
    browser.get(sandbox.url("statistics"))
    # Then it lists exactly that group's operations
    assert browser.title.startswith("PartnerAPI v1.20")
    assert listed_operations(browser) == list(GROUP_OPERATIONS["statistics"])
    assert browser.find_element(By.CSS_SELECTOR, "#op-chat_history_statistics_read pre.envelope").is_displayed()

    # When the link to another group is followed
    browser.find_element(By.LINK_TEXT, "reference").click()
    wait_for_url(browser, sandbox.url("reference"))
    # Then that group's page lists its operations
    assert listed_operations(browser) == list(GROUP_OPERATIONS["reference"])

    # When the link to the single URL is followed
    browser.find_element(By.LINK_TEXT, "все операции").click()
    wait_for_url(browser, sandbox.url())
    # Then every operation is listed again
    assert listed_operations(browser) == ALL_OPERATIONS
