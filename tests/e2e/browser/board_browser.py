#!/usr/bin/env python3
"""The live board in a real browser (Chromium through chromium-driver and Selenium, Debian
packages): signs in, watches an alert arrive on the open page without a reload, acknowledges it
from the page. Run by tests/e2e/board_browser_test.cpp, which starts bandwatchd and checks the
acknowledgement in `bandwatch snapshot` afterwards.

    board_browser.py BOARD_URL BANDWATCH INGEST SAMPLE_FILE USER PASSWORD [SCREENSHOT_DIR [CARD_TEXT]]

Prints `acknowledged ALERT_ID` and exits 0, or says what it did not see and exits 1. With
SCREENSHOT_DIR, saves the page at desktop and phone sizes there (board-desktop.png,
board-phone.png).
"""
import subprocess
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def browser(width, height):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-extensions", f"--window-size={width},{height}",
                     "--lang=en-GB"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main():
    url, bandwatch, ingest, sample, user, password = sys.argv[1:7]
    screenshots = sys.argv[7] if len(sys.argv) > 7 else None
    expected = sys.argv[8] if len(sys.argv) > 8 else "holds 22 cases"  # the text of the card that arrives
    driver = browser(1366, 900)
    wait = WebDriverWait(driver, 20, ignored_exceptions=[StaleElementReferenceException])
    step = "start"
    try:
        step = "sign in"
        driver.get(url + "/signin?next=/route/workload_pressures")
        driver.find_element(By.ID, "user").send_keys(user)
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "form.signin button").click()
        wait.until(lambda d: d.find_elements(By.ID, "who") and d.find_element(By.ID, "who").text)
        name = driver.find_element(By.ID, "who").text
        print("signed in as", name, flush=True)

        step = "follow the page stream"
        wait.until(lambda d: d.find_element(By.ID, "live").text == "Live")
        driver.execute_script("window.bandwatchNoReload = 'still here';")

        step = "send a sample that raises an alert"
        sent = subprocess.run([bandwatch, "send", "--to", ingest, "--close", sample], capture_output=True, text=True)
        if sent.returncode != 0:
            print("bandwatch send failed:", sent.stdout, sent.stderr, file=sys.stderr)
            return 1

        step = "see the alert arrive without a reload"
        alert = wait.until(lambda d: next((c.get_attribute("data-alert")
                                           for c in d.find_elements(By.CSS_SELECTOR, "article[data-alert]")
                                           if expected in c.text), None))
        if driver.execute_script("return window.bandwatchNoReload;") != "still here":
            print("the page was reloaded", file=sys.stderr)
            return 1
        feed = driver.find_element(By.ID, "feed-list").text
        print("arrived live: alert", alert, "| feed:", feed.splitlines()[0] if feed else "", flush=True)

        step = "acknowledge it"
        # The page swaps its <main> as events arrive (keeping an open form and what was typed):
        # find the card's parts afresh at each step, and again if a swap came in between.
        def part(selector):
            return driver.find_element(By.CSS_SELECTOR, f"article[data-alert='{alert}'] {selector}")
        for attempt in range(10):
            try:
                if not part("details.acknowledge").get_attribute("open"):
                    part("details.acknowledge summary").click()
                note = part("input[name=note]")
                if not note.get_attribute("value"):
                    note.send_keys("Two cases reallocated to the duty team")
                driver.execute_script("arguments[0].value = '2020-03-31';", part("input[name=review]"))
                part("details.acknowledge button").click()
                break
            except StaleElementReferenceException:
                time.sleep(0.2)
        wait.until(lambda d: any("Acknowledged by " + name in c.text
                                 for c in d.find_elements(By.CSS_SELECTOR, f"article[data-alert='{alert}']")))
        print("acknowledged", alert, flush=True)

        if screenshots:
            driver.set_window_size(1440, 2200)
            driver.execute_script("document.querySelectorAll('.flash').forEach(c => c.classList.remove('flash'));")
            driver.save_screenshot(f"{screenshots}/board-desktop.png")
            driver.set_window_size(390, 844)
            driver.execute_script("window.scrollTo(0, 0);")
            driver.save_screenshot(f"{screenshots}/board-phone.png")
        return 0
    except TimeoutException:
        print(f"timed out at: {step}\n--- page ---\n{driver.page_source[:4000]}", file=sys.stderr)
        return 1
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
