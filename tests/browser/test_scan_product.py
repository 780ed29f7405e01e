"""Scanning a product on the nurse's tablet without BarcodeDetector (Chromium on Linux, Safari on
iPad): a keyboard-wedge scanner typing a GS1 code into the Lot field, and the camera through the
vendored ZXing reader that loads only when Scan is tapped."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet

pytestmark = pytest.mark.browser

GS = "\x1d"
GTIN = "00309442492011"  # NDC 0944-2492-01 inside a US GTIN-14
FAKE_CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def fake_camera_video(path: Path, text: str, *, width: int = 640, height: int = 480, module: int = 8) -> Path:
    """A Y4M video (grey, 4:2:0) of a Data Matrix holding `text`, for Chromium's fake camera."""
    script = Path(__file__).with_name("datamatrix.cjs")
    rows = json.loads(subprocess.run(["node", str(script), text], check=True, capture_output=True, text=True).stdout)
    luma = bytearray(b"\xff" * (width * height))
    top, left = (height - len(rows) * module) // 2, (width - len(rows[0]) * module) // 2
    for y, row in enumerate(rows):
        for x, bit in enumerate(row):
            if bit == "1":
                for dy in range(module):
                    start = (top + y * module + dy) * width + left + x * module
                    luma[start:start + module] = b"\x00" * module
    chroma = b"\x80" * (width * height // 2)
    frame = b"FRAME\n" + bytes(luma) + chroma
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 10)
    return path


def open_product_form(tablet: Tablet) -> None:
    tablet.start_first_visit("nurse", DEMO_PASSWORD)
    tablet.tid("action-product.opened").click()
    expect(tablet.tid("form-product.opened")).to_be_visible()


def zxing_loaded(tablet: Tablet) -> bool:
    return tablet.page.evaluate("performance.getEntriesByType('resource').some((e) => e.name.includes('/vendor/zxing'))")


def test_a_wedge_scanner_typing_a_gs1_code_into_lot_fills_lot_expiry_and_ndc_and_an_expired_product_must_be_confirmed(
        server_factory, launch, artifacts):
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    tablet = Tablet(launch(), server.base_url)
    open_product_form(tablet)
    lot = tablet.page.get_by_label("Lot", exact=True)
    lot.click()
    tablet.page.keyboard.type(f"]d201{GTIN}17250131{GS}10OLD1")  # what the scanner "types", GS included
    tablet.page.keyboard.press("Enter")

    expect(lot).to_have_value("OLD1")
    expect(tablet.page.get_by_label("Expiry", exact=True)).to_have_value("2025-01-31")
    expect(tablet.page.get_by_label("NDC", exact=True)).to_have_value("0944249201")
    expect(tablet.tid("scan-read")).to_have_text("Read from the barcode: lot OLD1, expiry 2025-01-31, NDC 0944249201.")
    expect(tablet.tid("scan-expired")).to_have_text("Expired on 2025-01-31: do not use this product.")
    tablet.screenshot(artifacts / "scan-wedge-expired-800x1280.png", width=800, height=1280, testid="form-product.opened")

    tablet.fill("volume_ml", 300)
    tablet.fill("inspected_ok", True)
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-warning")).to_contain_text("Lot OLD1 expired on 2025-01-31")
    # an expired product is replaced, not authorized: the words under it say so
    expect(tablet.tid("form-warning")).to_contain_text("Do not use it: open another product.")
    expect(tablet.tid("form-warning")).not_to_contain_text("prescriber says so")
    tablet.screenshot(artifacts / "scan-expired-save-anyway-words-800x1280.png", width=800, height=1280, testid="form-warning")
    assert tablet.pending_ids() == []  # nothing saved until the nurse confirms
    assert not zxing_loaded(tablet)  # typing needs no camera library
    assert tablet.errors == []


def test_tapping_scan_reads_a_gs1_data_matrix_from_the_camera_with_the_library_loaded_only_then(
        server_factory, launch, artifacts, tmp_path):
    video = fake_camera_video(tmp_path / "datamatrix.y4m", f"01{GTIN}17291130{GS}10CAM42")
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    tablet = Tablet(launch(extra_args=[*FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}"]), server.base_url)
    open_product_form(tablet)
    assert not zxing_loaded(tablet)

    tablet.page.get_by_role("button", name="Scan barcode").click()
    lot = tablet.page.get_by_label("Lot", exact=True)
    expect(lot).to_have_value("CAM42", timeout=20_000)
    expect(tablet.page.get_by_label("Expiry", exact=True)).to_have_value("2029-11-30")
    expect(tablet.page.get_by_label("NDC", exact=True)).to_have_value("0944249201")
    expect(tablet.tid("scan-read")).to_have_text("Read from the barcode: lot CAM42, expiry 2029-11-30, NDC 0944249201.")
    expect(tablet.tid("scan-expired")).to_be_hidden()
    assert zxing_loaded(tablet)
    tablet.screenshot(artifacts / "scan-camera-read-800x1280.png", width=800, height=1280, testid="form-product.opened")

    tablet.fill("volume_ml", 300)
    tablet.fill("inspected_ok", True)
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-product.opened")).to_be_hidden()
    expect(tablet.tid("timeline")).to_contain_text("CAM42")
    assert tablet.errors == []
