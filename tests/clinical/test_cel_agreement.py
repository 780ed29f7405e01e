"""The two CEL interpreters (server: common-expression-language; tablet: vendored @marcbachmann/cel-js)
give the same answers on what the rules in rules.json use: doubles compared with doubles and with int
literals, has() on maps of facts, && and || around a missing fact, size(), ISO dates compared as text,
?: and number_text. Each expected value is written by hand; a library upgrade that changes one fails."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import cel

from server.clinical.expressions import FUNCTIONS, _cel_value, program

ROOT = Path(__file__).resolve().parents[2]
FACTS = {"entry": {"temp_c": 38.0, "sbp": 88, "hr": None, "notified": [], "expiry": "2025-03-03"},
         "rise": {"temp_c": 1.2}, "entry_date": "2025-03-04", "temp_c_min": 38, "rise_c_min": 1.0}
CASES: list[tuple[str, Any]] = [
    ("entry.temp_c >= temp_c_min && rise.temp_c >= rise_c_min", True),
    ("entry.temp_c == 38", True),
    ("entry.sbp < 90.0 && entry.sbp > 87", True),
    ("has(entry.hr)", False),
    ("has(entry.hr) && entry.hr > 120.0", False),
    ("entry.temp_c >= 39.0 || has(rise.sbp) && rise.sbp >= 2.0", False),
    ("rise.temp_c >= 1.0 || rise.sbp >= 2.0", True),
    ("size(entry.notified) == 0", True),
    ("entry.expiry < entry_date", True),
    ("has(rise.temp_c) ? number_text(rise.temp_c) + ' °C' : 'not recorded'", "1.2 °C"),
    ("number_text(entry.temp_c)", "38"),
    ("entry.sbp / 122.0 * 100.0 < 70.0", False),
]
_JS = """
import * as cel from './pwa/vendor/cel-js/index.js';
import { formatNumber } from './pwa/rules/rounding.js';
const [facts, texts] = JSON.parse(process.argv[1]);
const env = new cel.Environment({ unlistedVariablesAreDyn: true })
  .registerFunction('number_text(double): string', (x) => formatNumber(x, 2));
const plain = (v) => (typeof v === 'bigint' ? Number(v) : v);
process.stdout.write(JSON.stringify(texts.map((text) => plain(env.evaluate(text, facts)))));
"""


def test_the_server_and_the_tablet_interpreters_agree_on_what_the_rules_use() -> None:
    facts = _cel_value(FACTS)  # numbers as doubles, nulls left out: the facts both engines build
    server = [program(text)[0].execute(cel.Context(facts, functions=FUNCTIONS)) for text, _ in CASES]
    argument = json.dumps([facts, [text for text, _ in CASES]])
    ran = subprocess.run(["node", "--input-type=module", "-e", _JS, argument],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    tablet = json.loads(ran.stdout)
    expected = [want for _, want in CASES]
    assert server == expected
    assert tablet == expected
