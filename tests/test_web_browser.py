"""textkit serve end to end in a real headless Chromium (Debian's chromium + chromium-driver, via selenium).

Label ten articles with the keyboard, kill the server, restart it: the ten answers are in
the file and the next article is a new one. Open a topic and its representative articles.
Search. Compare months with intervals. A screenshot of each page goes to docs/screenshots/.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
selenium = pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")

from web_support import ROOT, SAMPLE, Server, save_models  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SHOTS = ROOT / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()),
        reason="needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver",
    ),
]


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="textkit-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    save_models(folder / "models")
    env = {"TEXTKIT_MODELS_DIR": str(folder / "models"), "TEXTKIT_CACHE_DIR": str(folder / "cache")}
    return folder, env


def shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def current_article(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "article").get_attribute("data-id")


def press(driver, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()


def _wait(driver) -> Any:
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # The page is replaced after each key: an element read while it goes is stale, not an error.
    return WebDriverWait(driver, 10, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))


def wait_for_new_article(driver, old: str) -> str:
    def changed(d) -> str | bool:
        found = current_article(d)
        return found if found and found != old else False

    return _wait(driver).until(changed)


def wait_for_article(driver, expected: str) -> str:
    _wait(driver).until(lambda d: current_article(d) == expected)
    return expected


def test_label_ten_with_the_keyboard_kill_restart_resume(browser, setup):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    folder, env = setup
    answers = folder / "answers.jsonl"
    args = [str(SAMPLE), "--model", "themes", "--topics", "topics", "--labels", str(answers), "--retrain-every", "5"]
    server = Server(*args, env=env)
    try:
        browser.get(server.url + "/label")
        browser.find_element(By.ID, "name").send_keys("ana" + Keys.ENTER)
        WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "article"))
        press(browser, "?")
        assert browser.find_element(By.ID, "help").is_displayed()
        shot(browser, "label-keys")
        press(browser, "?")
        shot(browser, "label")
        seen = []
        for i in range(10):
            article = current_article(browser)
            seen.append(article)
            boxes = browser.find_elements(By.CSS_SELECTOR, "#answer-form input[type=checkbox]")
            ticked = [b.get_attribute("value") for b in boxes if b.is_selected()]
            # Toggle theme 1 (and 2 on even turns) by digit; keep at least one ticked.
            press(browser, "1")
            if i % 2 == 0:
                press(browser, "2")
            now = [b.get_attribute("value") for b in boxes if b.is_selected()]
            assert now != ticked
            if not now:
                press(browser, "3")
            press(browser, Keys.ENTER)
            wait_for_new_article(browser, article)
        # Skip one, undo: the skipped article comes back; undo again: the last answered one, marked so.
        skipped = current_article(browser)
        press(browser, "s")
        wait_for_new_article(browser, skipped)
        press(browser, "u")
        assert wait_for_article(browser, skipped) == skipped
        assert "answered this article before" not in browser.page_source
        press(browser, "u")
        assert wait_for_article(browser, seen[-1]) == seen[-1]
        assert "answered this article before" in browser.page_source
        skips = [json.loads(line) for line in (folder / "answers.jsonl.skips").read_text().splitlines()]
        assert [(r["id"], r["skip"]) for r in skips] == [(skipped, True), (skipped, False)]  # the undo took it back
        lines = [json.loads(line) for line in answers.read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in lines] == seen
        assert all(r["annotator"] == "ana" and r["labels"] for r in lines)
    finally:
        server.kill()  # SIGKILL: nothing flushed on the way out
    lines = [json.loads(line) for line in answers.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in lines] == seen

    server = Server(*args, env=env)
    try:
        browser.get(server.url + "/label")
        if browser.find_elements(By.ID, "name"):  # a new port: the name cookie may be gone
            browser.find_element(By.ID, "name").send_keys("ana" + Keys.ENTER)
        WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "article"))
        assert current_article(browser) not in seen
        assert "10 answers" in browser.find_element(By.ID, "answer-count").text
        # Ctrl-C stops it: the CLI's exit code for an interrupt, one line, no traceback.
        assert server.stop() == 130
        errors = server.process.stderr.read()
        assert "Traceback" not in errors and "interrupted" in errors
    finally:
        if server.process.poll() is None:
            server.kill()


def test_explore_overview_topic_article_search(browser, setup):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    folder, env = setup
    server = Server(
        str(SAMPLE), "--model", "themes", "--topics", "topics", "--labels", str(folder / "b.jsonl"), env=env
    )
    try:
        browser.get(server.url + "/overview")
        WebDriverWait(browser, 20).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".figure .main-svg")) >= 5)
        browser.set_window_size(1280, 1400)  # the whole page: five charts
        shot(browser, "overview")
        browser.set_window_size(1280, 900)

        browser.get(server.url + "/topics")
        shot(browser, "topics")
        browser.find_element(By.CSS_SELECTOR, "#topics a").click()
        WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "representative"))
        links = browser.find_elements(By.CSS_SELECTOR, "#representative a")
        assert len(links) == 10
        title = links[0].text
        shot(browser, "topic")
        links[0].click()
        WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "body"))
        assert browser.find_element(By.ID, "headline").text == title
        assert browser.find_elements(By.CSS_SELECTOR, "#body mark")  # the words behind the themes
        shot(browser, "article")

        browser.get(server.url + "/search")
        browser.find_element(By.ID, "q").send_keys("wheat harvest" + Keys.ENTER)
        WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "results"))
        results = browser.find_elements(By.CSS_SELECTOR, "#results a")
        assert results and "article" in browser.find_element(By.ID, "total").text
        shot(browser, "search")
        results[0].click()
        WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "body"))
        assert "wheat" in browser.find_element(By.ID, "body").text.lower()

        # Compare, from the overview: themes by source with intervals and the supported differences;
        # then by month, each theme's line with its intervals.
        browser.get(server.url + "/overview")
        browser.find_element(By.ID, "compare-link").click()
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".figure path.yerror"))
        assert "articles in 2 groups" in browser.find_element(By.ID, "summary").text
        assert browser.find_elements(By.CSS_SELECTOR, "#differences td")
        browser.set_window_size(1280, 1150)
        shot(browser, "compare")
        browser.set_window_size(1280, 900)
        Select(browser.find_element(By.ID, "by")).select_by_value("month")
        browser.find_element(By.ID, "compare").click()
        WebDriverWait(browser, 20).until(lambda d: "by=month" in d.current_url)
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".figure path.yerror"))
        assert "articles in 12 groups" in browser.find_element(By.ID, "summary").text
        shot(browser, "compare-months")
    finally:
        server.kill()
