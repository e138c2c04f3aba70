"""Drives the hub's console in headless Chromium through chromedriver (selenium from PyPI).

Usage: hub_browser.py HUB_URL TARGET_URL TOKEN. Exit 0 when every step passed; a failed step raises.
Called by hub_browser.rs, which starts the hub and the target.
"""
import os
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

# A canvas some of whose pixels are painted (uPlot draws lines on it).
PAINTED = """
const c = document.querySelector(arguments[0] + ' canvas');
if (!c || !c.width || !c.height) return 0;
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0;
for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
return n;
"""


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1000",
                "--user-data-dir=" + tempfile.mkdtemp(prefix="stampede-chromium-")):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)


def create(driver, hub, target, name, hold_for):
    driver.get(hub + "/#/new")
    wait = WebDriverWait(driver, 20)
    form = wait.until(ec.presence_of_element_located((By.ID, "create")))
    for field, value in (("name", name), ("url", target), ("tasks", "2"), ("users", "1"),
                         ("holdFor", hold_for)):
        box = form.find_element(By.NAME, field)
        box.clear()
        box.send_keys(value)
    form.find_element(By.ID, "run").click()
    wait.until(ec.url_contains("#/test/"))
    print(f"created {name!r}: {driver.current_url}")


def status_is(driver, status, within):
    WebDriverWait(driver, within).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, f"h1#test-name ~ div .badge[data-status='{status}']")))


def main(hub, target, token):
    driver = browser()
    try:
        # The hub has a token: the console keeps it in localStorage and sends it on every call.
        driver.get(hub + "/#/")
        driver.execute_script("localStorage.setItem('stampedeToken', arguments[0])", token)
        # A complete run: live section, then results table and charts.
        create(driver, hub, target, "browser <i>run</i>", "4s")
        status_is(driver, "complete", 90)
        name = driver.find_element(By.ID, "test-name").text
        assert name == "browser <i>run</i>", f"the name is shown as text: {name!r}"
        rows = driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")
        assert len(rows) >= 2, f"results table has {len(rows)} rows"
        assert "All requests" in rows[0].text, rows[0].text
        WebDriverWait(driver, 10).until(lambda d: d.execute_script(PAINTED, "#chart-load") > 0)
        print("results rows:", [r.text for r in rows])
        print("painted pixels on the load chart:", driver.execute_script(PAINTED, "#chart-load"))

        # Edit: the config comes back as JSON; saved with 2 users per task, it runs again.
        driver.find_element(By.ID, "edit").click()
        users = WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.NAME, "users")))
        assert '"hold-for": "4s"' in driver.find_element(By.NAME, "yaml").get_attribute("value")
        users.clear()
        users.send_keys("2")
        driver.find_element(By.ID, "run").click()
        WebDriverWait(driver, 20).until(ec.url_contains("#/test/"))
        status_is(driver, "complete", 90)
        history = driver.find_element(By.ID, "history").text
        assert "HISTORY (2 RUNS)" in history.upper(), history
        assert "× 2 users" in driver.page_source, "the edited users per task are shown"
        print("edited and ran again; history has 2 runs")

        # A run cancelled from its page, after live data was charted.
        create(driver, hub, target, "browser cancel", "120s")
        status_is(driver, "running", 30)
        WebDriverWait(driver, 30).until(lambda d: d.execute_script(PAINTED, "#chart-load") > 0)
        print("live chart painted while running")
        driver.find_element(By.ID, "cancel").click()
        status_is(driver, "cancelled", 60)
        print("cancelled")

        driver.get(hub + "/#/")
        table = WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.ID, "tests")))
        assert "browser cancel" in table.text and "browser <i>run</i>" in table.text, table.text
        print("dashboard lists both tests")
    finally:
        driver.quit()


if __name__ == "__main__":
    os.environ.setdefault("SE_OFFLINE", "true")
    main(sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3])
