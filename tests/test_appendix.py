"""The appendix "What each assignment asked" (issue 23, item 2): every study's ASKED declaration
is well formed, every seed has asks, answers name elements their section can produce, and the
template renders one table per seed whose links land on the page's elements."""
from types import SimpleNamespace

import pytest

from appendix_check import check_appendix_links
from handmade import tiny_png
from nnstudies import appendix
from nnstudies.config import resolve
from nnstudies.report import Section, render_html
from nnstudies.studies import REGISTRY


def _entries():
    return [(module, entry) for module in REGISTRY for entry in getattr(module, "ASKED", [])]


def test_every_asked_entry_has_exactly_one_of_answer_or_reason():
    assert _entries()
    for module, entry in _entries():
        assert ("answer" in entry) != ("not_reproduced" in entry), (module.NAME, entry)
        assert entry["ask"].strip() and entry["seed"] in appendix.SEEDS, (module.NAME, entry)
    for module in REGISTRY:
        appendix.check(module)


def test_every_seed_has_asks_and_each_ask_is_declared_once():
    seeds = {entry["seed"] for _, entry in _entries()}
    assert seeds == set(appendix.SEEDS) == {"000", "001", "002", "003", "004"}
    asks = [(entry["seed"], entry["ask"]) for _, entry in _entries()]
    assert len(asks) == len(set(asks))


def test_answers_name_figures_and_tables_their_section_places(raw_config):
    """A figure answer names one of the study's figures (in the default configuration, which
    draws them all); a table answer one of the tables its section shows."""
    cfg = resolve(raw_config)
    for module, entry in _entries():
        answer = entry.get("answer")
        if answer is None:
            continue
        rest = answer.removeprefix(module.NAME)
        if rest.startswith("-fig-"):
            assert rest[5:] in module.figures_of(module.params(cfg)), answer
        elif rest.startswith("-table-"):
            assert rest[7:] in module.SHOWN, answer
        else:
            assert rest == "" or (rest.startswith("-q") and rest[2:].isdigit()), answer


@pytest.mark.parametrize("entry, message", [
    ({"seed": "003", "ask": "1.1", "answer": "demo-q1", "not_reproduced": "x"}, "exactly one"),
    ({"seed": "003", "ask": "1.1"}, "exactly one"),
    ({"seed": "009", "ask": "1.1", "answer": "demo-q1"}, "seed"),
    ({"seed": "003", "ask": " ", "answer": "demo-q1"}, "no ask"),
    ({"seed": "003", "ask": "1.1", "answer": "other-q1"}, "own section"),
    ({"seed": "003", "ask": "1.1", "answer": "demo-q1", "link": "x"}, "unknown keys"),
    ({"seed": "003", "ask": "1.1", "not_reproduced": ""}, "no reason"),
])
def test_a_malformed_declaration_is_named(entry, message):
    with pytest.raises(ValueError, match=message):
        appendix.check(SimpleNamespace(NAME="demo", ASKED=[entry]))


DEMO = SimpleNamespace(NAME="demo", ASKED=[
    {"seed": "004", "ask": "Closing remarks: something measured", "answer": "demo-q1"},
    {"seed": "004", "ask": "2: the curves", "answer": "demo-fig-curves", "note": "left panel"},
    {"seed": "004", "ask": "1: the scores", "answer": "demo-table-scores"},
    {"seed": "003", "ask": "5.1: a figure this configuration leaves out",
     "answer": "demo-fig-raw"},
    {"seed": "003", "ask": "1.1: a multiple-choice question", "not_reproduced": "not in the seed"},
    {"seed": "003", "ask": "4 Question 1: the whole study", "answer": "demo"},
])


def _demo_section(tmp_path):
    png = tmp_path / "demo_curves.png"
    tiny_png(tmp_path).rename(png)
    sec = Section("demo", "Study 9: a demo", "intro")
    sec.add_figure(png, "Curves of the demo runs.")
    sec.add_table("Scores per run", "scores")
    sec.tables[0]["html"] = "<table><tr><td>1</td></tr></table>"
    sec.ask("What is measured?", "This.")
    return sec


def test_collect_links_present_elements_in_the_seeds_order_and_explains_absent_ones(tmp_path):
    sec = _demo_section(tmp_path)
    assert sec.figures[0]["id"] == "demo-fig-curves"
    seeds = {s["seed"]: s for s in appendix.collect([DEMO], [sec])}
    assert list(seeds) == ["003", "004"]
    rows = seeds["004"]["rows"]
    assert [r["ask"][:2] for r in rows] == ["1:", "2:", "Cl"]  # the seed's numbering first
    assert [r["href"] for r in rows] == ["demo-table-scores", "demo-fig-curves", "demo-q1"]
    assert rows[2]["label"] == "Study 9: a demo, Q1: What is measured?"
    assert rows[1]["note"] == "left panel" and seeds["004"]["answered"] == 3
    rows = seeds["003"]["rows"]
    assert [r.get("href") for r in rows] == [None, "demo", None]
    assert rows[0]["reason"] == "not in the seed"
    assert "not in this report" in rows[2]["reason"] and "demo-fig-raw" in rows[2]["reason"]
    assert (seeds["003"]["answered"], seeds["003"]["not_reproduced"]) == (1, 2)


def test_a_sections_notes_from_its_configuration_replace_the_declared_ones(tmp_path):
    """A note that depends on the configuration (which of the seed's settings it runs) comes
    from the section (`asked_notes`, set by the study's section() from its params); an ask
    without one keeps its declared note, and a section without any changes nothing."""
    sec = _demo_section(tmp_path)
    plain = {r["ask"]: r["note"] for r in appendix.collect([DEMO], [sec])[1]["rows"]}
    sec.asked_notes = {"2: the curves": "the seed's lr 0.1 is not run here; left panel"}
    rows = {r["ask"]: r for r in appendix.collect([DEMO], [sec])[1]["rows"]}
    assert plain["2: the curves"] == "left panel"
    assert rows["2: the curves"]["note"] == "the seed's lr 0.1 is not run here; left panel"
    assert rows["2: the curves"]["href"] == "demo-fig-curves"
    assert rows["1: the scores"]["note"] is None and plain["1: the scores"] is None
    other = Section("other", "Study 8", "intro")  # another study's notes do not apply
    other.asked_notes = {"2: the curves": "not this one"}
    rows = {r["ask"]: r for r in appendix.collect([DEMO], [_demo_section(tmp_path), other])[
        1]["rows"]}
    assert rows["2: the curves"]["note"] == "left panel"
    html = render_html(_context([sec], appendix.collect([DEMO], [sec])))
    assert "(the seed&#39;s lr 0.1 is not run here; left panel)" in html  # escaped, in place


def _context(sections, asked):
    return {"title": "Demo report", "config": {"preset": "demo"},
            "data": {"dataset": "demo", "sizes": {"train": 1, "val": 1, "test": 1}},
            "data_files": [], "notice": [], "small_sample": False, "small_sample_size": 5,
            "summary": [], "sections": sections, "appendix": asked,
            "methods": {"protocol": [], "timing": "", "benchmarks": "", "benchmark_dir": "b",
                        "versions": {}, "training_hardware": [], "hardware": {},
                        "threads": [1], "report_seconds": 0.0, "whole_run_hours": 0.0}}


def test_the_template_renders_one_table_per_seed_whose_links_resolve(tmp_path):
    sec = _demo_section(tmp_path)
    html = render_html(_context([sec], appendix.collect([DEMO], [sec])))
    parser = check_appendix_links(html, seeds=("003", "004"))
    assert sorted(parser.links) == ["demo", "demo-fig-curves", "demo-q1", "demo-table-scores"]
    assert {"demo-fig-curves", "demo-table-scores", "demo-q1"} <= parser.ids
    assert parser.rows == 2 + 6  # a header row per seed, a row per ask
    section = html.split('<section id="appendix">')[1].split("</section>")[0]
    assert "What each assignment asked" in section and "Seed 004: " in section
    assert "3 asks: 1 answered here,\n  2 not reproduced." in section
    assert "Not reproduced: not in the seed" in section
    assert ('<a href="#demo-q1">Study 9: a demo, Q1: What is measured?</a>' in section)
    assert '<li><a href="#appendix">What each assignment asked</a></li>' in html


def test_the_link_check_finds_a_dead_link(tmp_path):
    sec = _demo_section(tmp_path)
    asked = appendix.collect([DEMO], [sec])
    asked[1]["rows"][0]["href"] = "demo-q7"
    with pytest.raises(AssertionError, match="demo-q7"):
        check_appendix_links(render_html(_context([sec], asked)), seeds=("003", "004"))


def test_without_an_appendix_the_report_has_none(tmp_path):
    html = render_html(_context([_demo_section(tmp_path)], []))
    assert 'id="appendix"' not in html and "#appendix" not in html


def _assignment4_section(reasons):
    from nnstudies.studies import assignment4
    sec = Section(assignment4.NAME, assignment4.TITLE, "intro")
    for n in range(1, 6):
        sec.ask(f"Question {n}?", "Answer.")
    sec.asked_reasons = reasons
    return assignment4, sec


def test_an_ask_the_configuration_does_not_measure_is_not_reproduced_with_its_reason():
    """Seed 004's decay remark is answered by Study 6c's Q3 only where a decayed run is at a
    rate unstable without decay; elsewhere the section declares, from its facts, why it is not
    measured (asked_reasons), and the appendix counts it as not reproduced, with that reason."""
    module, sec = _assignment4_section({})
    ask = module.DECAY_ASK
    row = next(r for r in appendix.collect([module], [sec])[0]["rows"] if r["ask"] == ask)
    assert row["href"] == "assignment4-q3"  # measured: answered
    why = module.asked_reasons({"decay_not_measured": "no decayed run is at a rate that is "
                                "unstable without decay (...)"})
    module, sec = _assignment4_section(why)
    seed = appendix.collect([module], [sec])[0]
    row = next(r for r in seed["rows"] if r["ask"] == ask)
    assert "href" not in row and row["reason"] == why[ask]
    assert row["reason"].startswith("not measured in this configuration: no decayed run")
