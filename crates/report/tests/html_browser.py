"""Opens a standalone report.html from disk in headless Chromium (selenium from PyPI) and checks
that every chart is painted, that the pickers redraw, that a label written as markup stays text,
and that the page logs no error.

Usage: html_browser.py REPORT_HTML EVIL_LABEL. Exit 0 when every check passed; a failed one raises.
Called by html_browser.rs, which writes the report.
"""
import pathlib
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import Select, WebDriverWait

# How many pixels of the chart's canvas are painted (uPlot draws lines and bars on it).
PAINTED = """
const c = document.querySelector(arguments[0] + ' canvas');
if (!c || !c.width || !c.height) return 0;
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0;
for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
return n;
"""
CHARTS = ("#chart-load", "#chart-rt", "#chart-labels", "#chart-dist")


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1000",
                "--user-data-dir=" + tempfile.mkdtemp(prefix="stampede-chromium-")):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)


def painted(driver, chart):
    return driver.execute_script(PAINTED, chart)


def main(report, evil):
    driver = browser()
    try:
        driver.get(pathlib.Path(report).resolve().as_uri())
        wait = WebDriverWait(driver, 20)
        for chart in CHARTS:
            wait.until(lambda d, c=chart: painted(d, c) > 0)
            print(chart, "painted", painted(driver, chart))
        before = painted(driver, "#chart-labels")
        Select(driver.find_element("id", "label-metric")).select_by_value("avg")
        wait.until(lambda d: painted(d, "#chart-labels") not in (0, before))
        picker = Select(driver.find_element("id", "dist-label"))
        names = [o.text for o in picker.options]
        assert names[0] == "All labels" and evil in names, names
        picker.select_by_visible_text(evil)
        wait.until(lambda d: "timed samples" in d.find_element("id", "dist-note").text)
        assert painted(driver, "#chart-dist") > 0
        legend = driver.find_element("css selector", "#chart-labels .u-legend").text
        assert evil in legend, legend
        assert driver.execute_script("return document.querySelectorAll('img').length") == 0
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
        print("report charts ok")
    finally:
        driver.quit()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
