"""What a person sees in the Dagster UI, in a real (headless) Chromium: every asset in the
catalog, an asset's plot at report size, the checks of the chosen variant, both sensors on.

Screenshots of each page are kept in the test's temp folder (the path is printed) for a
person to look at. Without Chromium the test skips, except under CI, where it must run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from motion_assets.definitions import defs
from motion_assets_tests.ui.browser import (
    chromium_page,
    find_chromium,
    graphql,
    wait_until,
    webserver,
)
from motion_assets_tests.ui.materialized_home import build_materialized_home

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
SENSORS = ("variant_folder_sensor", "new_tokenizer_output_sensor")
CHECKS = ("codes_in_range", "no_duplicate_segments", "rejected_share_below_threshold",
          "unique_sequence_ids")


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the browser test: no chromium on PATH (.ci/run installs it)")
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def ui(chromium, tmp_path_factory):
    """The webserver on a small materialized home, and one browser tab looking at it."""
    root = tmp_path_factory.mktemp("ui")
    home = build_materialized_home(root)
    environment = {**home.environment, "DAGSTER_HOME": str(home.dagster_home),
                   "PYTHONPATH": str(REPOSITORY_ROOT)}
    shots = root / "screenshots"
    shots.mkdir()
    print(f"screenshots: {shots}")
    with webserver(environment=environment, cwd=REPOSITORY_ROOT, log_folder=root) as base:
        # the first visit of a DAGSTER_HOME shows a community pop-up over every page
        assert graphql(base, "mutation { setNuxSeen }")["data"]["setNuxSeen"] is True
        with chromium_page(chromium) as page:
            yield base, page, shots, home.variant


def test_the_catalog_lists_every_asset(ui):
    base, page, shots, _ = ui
    page.goto(f"{base}/assets")
    names = [key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()]
    page.wait_for_text(*names)
    page.screenshot(shots / "catalog.png")


def test_an_asset_page_opens_its_plot_at_report_size(ui):
    base, page, shots, variant = ui
    page.goto(f"{base}/assets/codebook_usage?partition={variant}")
    page.wait_for_text("rank_frequency_plot", "Columns")
    page.evaluate("""(() => {
        const row = [...document.querySelectorAll('tr')]
            .find(r => r.innerText.trim().startsWith('rank_frequency_plot'));
        [...row.querySelectorAll('a')].find(a => a.innerText.includes('Show Markdown')).click();
    })()""")
    width = wait_until(lambda: page.evaluate(
        "Math.max(0, ...[...document.querySelectorAll('[role=dialog] img')]"
        ".map(i => i.complete ? i.naturalWidth : 0))"), 30, "the plot in its dialog")
    page.screenshot(shots / "codebook_usage_plot.png")
    assert width >= 900


def test_the_checks_tab_shows_each_check_for_the_variant_and_a_warning_as_such(ui):
    base, page, shots, variant = ui
    page.goto(f"{base}/assets/code_sequences?view=checks")
    text = page.wait_for_text("no_duplicate_segments", "unique_sequence_ids", "Partition", variant)
    page.screenshot(shots / "code_sequences_checks.png")
    after_heading = re.split(r"Checks \(\d+\)", text, maxsplit=1)[1]
    listed = [line.strip() for line in after_heading.split("\n") if line.strip()]
    status = {}
    for position, name in enumerate(listed):  # the list comes first: a check's name, its state
        if name in CHECKS and name not in status:
            status[name] = next(line for line in listed[position:] if line != name)
    assert status["codes_in_range"] == "Succeeded"
    assert status["rejected_share_below_threshold"] == "Succeeded"
    assert status["no_duplicate_segments"] != "Succeeded"  # it warned on this variant


def test_both_sensors_are_running(ui):
    base, page, shots, _ = ui
    page.goto(f"{base}/automation")
    page.wait_for_text(*SENSORS)
    # each row: a selection box, the sensor's name, and its on/off switch (a checkbox, drawn
    # once the sensor's state has loaded) last
    shown_running = f"""(() => {{
        const state = {{}};
        for (const name of {list(SENSORS)!r}) {{
            let row = [...document.querySelectorAll('a, span')]
                .find(e => e.innerText && e.innerText.trim() === name);
            while (row && row.querySelectorAll('input[type=checkbox]').length < 2) {{
                row = row.parentElement;
            }}
            const boxes = row ? [...row.querySelectorAll('input[type=checkbox]')] : [];
            state[name] = boxes.length === 2 && boxes[1].checked;
        }}
        return state;
    }})()"""
    try:
        wait_until(lambda: all(page.evaluate(shown_running).values()), 60, "both switches on")
    finally:
        page.screenshot(shots / "automation.png")
    assert page.evaluate(shown_running) == dict.fromkeys(SENSORS, True)
