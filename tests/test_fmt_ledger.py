import json

import pytest

from analysis.core import fmt, ledger


@pytest.mark.parametrize("value, spec, text", [
    (0.10634, "f3", "0.106"), (-46.918, "f1", "\u221246.9"), (-0.0001, "f3", "0.000"),
    (13.1057, "pct1", "13.1%"), (1000, "int", "1,000"), (0.5796, "p", "0.58"), (0.00004, "p", "< 0.001"),
    (0.0042, "p", "0.004"), (2.6e18, "e1", "2.6e18"), ("Kaplan", "str", "Kaplan"),
])
def test_format_value(value, spec, text):
    assert fmt.format_value(value, spec) == text


def test_format_rejects_nonsense():
    for value, spec in ((float("nan"), "f3"), (1.5, "int"), (2.0, "p"), (1.0, "f"), ("x", "f2"), (1.0, "zz")):
        with pytest.raises(fmt.FormatError):
            fmt.format_value(value, spec)


def test_parse_and_decimals_invert_format():
    assert fmt.parse_formatted("\u221246.9") == -46.9
    assert fmt.decimals_of("0.990") == 3 and fmt.decimals_of("13.1%") == 1 and fmt.decimals_of("3") == 0


def test_ledger_key_collision_across_scripts(tmp_path):
    for name in ("one", "two"):
        led = ledger.Ledger(f"analysis/{name}.py")
        led.add("shared.key", 1.0, "f1")
        (tmp_path / f"{name}.json").write_text(ledger.dumps(led.entries))
    with pytest.raises(ledger.LedgerError, match="shared.key.*one.py.*two.py"):
        ledger.merge_parts(sorted(tmp_path.glob("*.json")))


def test_ledger_rejects_malformed_keys_and_values():
    led = ledger.Ledger("analysis/x.py")
    with pytest.raises(ledger.LedgerError):
        led.add("NoDots", 1.0, "f1")
    with pytest.raises(ledger.LedgerError):
        led.add("a.nan", float("nan"), "f1")


def test_nested_variables_and_leaf_branch_conflict():
    entries = {"a.b.c": {"formatted": "1"}, "a.d": {"formatted": "2"}}
    assert ledger.nested(entries) == {"a": {"b": {"c": "1"}, "d": "2"}}
    with pytest.raises(ledger.LedgerError):
        ledger.nested({"a.b": {"formatted": "1"}, "a.b.c": {"formatted": "2"}})
    assert json.loads(ledger.dumps({"b.x": {"v": 1}, "a.x": {"v": 2}})) == {"a.x": {"v": 2}, "b.x": {"v": 1}}


@pytest.mark.parametrize("level, header, ends", [
    (0.95, "95%", ("2.5%", "97.5%")), (0.9, "90%", ("5%", "95%")), (0.8, "80%", ("10%", "90%")),
    (0.99, "99%", ("0.5%", "99.5%")),
])
def test_interval_headers_follow_the_level(level, header, ends):
    from analysis.core import bootstrap, report
    assert report.level_label(level) == header
    assert report.percentile_labels(level) == ends
    # the headers name the very points the intervals are taken at
    assert [float(e.rstrip("%")) for e in ends] == pytest.approx(bootstrap.percentiles(level))


def test_paper_flag_is_set_where_the_number_is_added():
    led = ledger.Ledger("analysis/x.py")
    led.add("a.shown", 1.0, "f1")
    led.add("a.hidden", 2.0, "f1", paper=False)
    assert led.get("a.shown")["paper"] is True and led.get("a.hidden")["paper"] is False
