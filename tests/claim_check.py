"""Reading the claims back out of a rendered report, as a reader's browser sees them."""
import math
import re
from html.parser import HTMLParser
from pathlib import Path

from nnstudies import claims
from nnstudies.report import CLAIM_RE
from nnstudies.studies.common import read_facts


class ClaimParser(HTMLParser):
    """Every element of class `claim`: its data-claim key, its sentence, whether it holds a
    <details> with evidence, and the exact numbers (data-value) of that evidence."""

    def __init__(self):
        super().__init__()
        self.claims, self.stack, self.current = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.current is None:
            if "claim" in (attrs.get("class") or "").split():
                self.current = {"key": attrs.get("data-claim"), "text": "", "details": False,
                                "short": attrs.get("data-form") == "short",
                                "evidence": "", "values": [], "depth": 0, "where": None}
                self.stack = [tag]
            return
        self.stack.append(tag)
        classes = (attrs.get("class") or "").split()
        if tag == "details":
            self.current["details"] = True
        if "claim-text" in classes:
            self.current["where"] = ("text", len(self.stack))
        elif "evidence" in classes and tag == "span":
            self.current["where"] = ("evidence", len(self.stack))
        if "data-value" in attrs:
            self.current["values"].append(float(attrs["data-value"]))

    def handle_endtag(self, tag):
        if self.current is None:
            return
        where = self.current["where"]
        if where and len(self.stack) == where[1]:
            self.current["where"] = None
        self.stack.pop()
        if not self.stack:
            self.claims.append(self.current)
            self.current = None

    def handle_data(self, data):
        if self.current is not None and self.current["where"]:
            # a no-break space (a number's "%", report.NUMBER_PERCENT) reads as a space
            self.current[self.current["where"][0]] += data.replace("\u00a0", " ")


def claims_in(html):
    parser = ClaimParser()
    parser.feed(html)
    return parser.claims


def evidence_numbers(ev):
    """Every number a claim's evidence holds (arms' runs, means and values; p, min_p, ρ)."""
    out = []
    for arm in ev["arms"]:
        out += [arm["n"], arm["mean"], *arm["values"]]
    out += [ev.get(k) for k in ("p", "min_p", "rho")]
    if isinstance(ev.get("measurement"), dict):
        out += evidence_numbers(ev["measurement"])
    return [float(x) for x in out if isinstance(x, (int, float)) and not math.isnan(x)]


def check_report(html, tables):
    """Assert that every claim element has evidence and that its sentence and numbers are the
    facts file's (tables/<study>_facts.json); returns the claims found."""
    found = claims_in(html)
    facts = {}
    for c in found:
        assert c["key"] and "/" in c["key"], c
        study, key = c["key"].split("/", 1)
        if study not in facts:
            facts[study] = read_facts(Path(tables) / f"{study}_facts.json")["claims"]
        claim = facts[study][key]
        assert c["details"] and c["evidence"].strip(), f"{c['key']}: no evidence"
        # a short form sits inside a summary line (claims.mid_sentence)
        assert c["text"] == (claims.mid_sentence(claim["short"]) if c["short"]
                             else claim["text"]), c["key"]
        expected = evidence_numbers(claim["evidence"])
        assert c["values"], f"{c['key']}: evidence without numbers"
        for v in c["values"]:
            assert any(v == e for e in expected), f"{c['key']}: {v} not in the facts file"
        for arm in claim["evidence"]["arms"]:
            assert arm["arm"] in c["evidence"], f"{c['key']}: arm {arm['arm']} not shown"
        assert claim["evidence"]["source"] in c["evidence"], c["key"]
    return found



# a number, or the dash that stands for a missing one
NUMBER = re.compile(r"[-+−]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?|–")


def wording(section):
    """Each text of a section outside its claims, numbers masked: what a decision made outside
    a claim would change."""
    texts = {f"{section.study}-q{q.number}": q.answer for q in section.questions}
    texts.update(intro=section.intro, summary=section.summary or "")
    return {k: NUMBER.sub("#", CLAIM_RE.sub("[claim]", v)) for k, v in texts.items()}


def assert_wording_ignores_swaps(build, arms, swaps):
    """The guard against prose that compares: `build(arms)` makes a section from per-arm
    values ({arm: values}); swapping the values of two arms may change numbers and claims, but
    no word outside a claim. A sentence whose wording follows which arm is higher decided a
    comparison itself, and must be a claim (nnstudies.claims)."""
    base = wording(build(arms))
    for a, b in swaps:
        swapped = {**arms, a: arms[b], b: arms[a]}
        for where, text in wording(build(swapped)).items():
            assert text == base[where], (
                f"{where}: wording changes when {a} and {b} swap values:\n  {base[where]}\n"
                f"  {text}")
