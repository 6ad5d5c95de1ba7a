"""The report's appendix, "What each assignment asked": every question, exercise and figure of
the five seed assignments, each with the element of the report that answers it or the reason it
is not reproduced.

Each study module declares the asks it answers (or leaves unanswered) in ASKED, a list of dicts:

    {"seed": "003", "ask": "5.1: output size of ...", "answer": "convolution-table-exercises"}
    {"seed": "003", "ask": "1.1: ...", "not_reproduced": "the question is not in the seed"}

`answer` is the HTML id of an element of that study's own section: the section (`<study>`), a
question (`<study>-q<n>`, numbered in the order of its `sec.ask` calls), a figure
(`<study>-fig-<name>`, `name` as in figures_of) or a table (`<study>-table-<name>`, as placed by
`sec.add_table`). An optional `note` says how far the element answers the ask. A note that
depends on the configuration (which of the seed's settings it runs) comes from the study's
section: its `asked_notes`, {ask: note} set by its section() from the study's params, replaces
the declared note of that ask; its `asked_reasons`, {ask: reason} set the same way from the
facts, lists an ask this configuration does not measure as not reproduced, with that reason.
An answer whose
element this configuration does not produce (a model or scaling left out by a preset) is shown
as not in this report, never as a dead link."""
import re

# The seeds' assignments (their texts are the students' reports in ../seeds/, outside the repo).
SEEDS = {
    "000": "METU EE449 HW1, Training Artificial Neural Networks (2021 report; 5 classes): "
           "basic concepts, architectures, activation functions, learning rate",
    "001": "METU EE449 HW1, Training Artificial Neural Networks (2023 report): basic "
           "concepts, a convolution layer in NumPy, architectures, activation functions, "
           "learning rate",
    "002": "ECE421 Assignment 2: a neural network in NumPy, and a CNN with L2 regularisation",
    "003": "HW5: activation functions, over-fitting, convolution arithmetic, and a small CNN "
           "on MNIST (part 4, the Keras notebook)",
    "004": "Assignment 4: a linear classifier, a two-layer network by GD and by SGD, and a "
           "CIFAR-10 CNN",
}
KEYS = {"seed", "ask", "answer", "not_reproduced", "note"}


def table_id(study, name):
    return f"{study}-table-{name}"


def check(module):
    """Raise ValueError naming the study and the ask when a declaration is malformed."""
    for entry in getattr(module, "ASKED", []):
        where = f"{module.NAME}.ASKED {entry.get('ask')!r}"
        if set(entry) - KEYS:
            raise ValueError(f"{where}: unknown keys {sorted(set(entry) - KEYS)}")
        if entry.get("seed") not in SEEDS:
            raise ValueError(f"{where}: seed {entry.get('seed')!r} is not one of {list(SEEDS)}")
        if not isinstance(entry.get("ask"), str) or not entry["ask"].strip():
            raise ValueError(f"{where}: no ask")
        if ("answer" in entry) == ("not_reproduced" in entry):
            raise ValueError(f"{where}: needs exactly one of answer / not_reproduced")
        answer = entry.get("answer")
        if answer is not None and answer != module.NAME and not answer.startswith(
                f"{module.NAME}-"):
            raise ValueError(f"{where}: answer {answer!r} is not in its own section")
        if "not_reproduced" in entry and not str(entry["not_reproduced"]).strip():
            raise ValueError(f"{where}: no reason given")


def _short(text, width=70):
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width].rsplit(" ", 1)[0] + " …"


def elements(sections):
    """Every element of the report an answer may point at: {HTML id: label}."""
    found = {}
    for sec in sections:
        found[sec.study] = f"{sec.title} (section)"
        for q in sec.questions:
            found[f"{sec.study}-q{q.number}"] = f"{sec.title}, Q{q.number}: {q.question}"
        for fig in sec.figures:
            if fig.get("id"):
                found[fig["id"]] = f"{sec.title}, figure: {_short(fig['caption'])}"
        for table in sec.tables:
            found[table_id(sec.study, table["name"])] = f"{sec.title}, table: {table['title']}"
    return found


def _order(ask):
    """The seed's own numbering at the start of an ask ("2.3 Q4", "5.1: ..."), for sorting."""
    m = re.match(r"(\d+(?:\.\d+)*)", ask)
    return (0, tuple(int(x) for x in m.group(1).split("."))) if m else (1, ())


def collect(modules, sections):
    """The appendix: one entry per seed with its title and one row per ask (in the seed's
    order): the ask, and a link (href, label) or the reason it is not reproduced."""
    found = elements(sections)
    notes = {sec.study: getattr(sec, "asked_notes", None) or {} for sec in sections}
    reasons = {sec.study: getattr(sec, "asked_reasons", None) or {} for sec in sections}
    rows = {seed: [] for seed in SEEDS}
    for module in modules:
        check(module)
        for entry in getattr(module, "ASKED", []):
            note = notes.get(module.NAME, {}).get(entry["ask"], entry.get("note"))
            row = {"ask": entry["ask"], "note": note, "study": module.NAME}
            reason = reasons.get(module.NAME, {}).get(entry["ask"])
            if reason:  # the section: this configuration does not measure it
                row["reason"] = reason
            elif "answer" not in entry:
                row["reason"] = entry["not_reproduced"]
            elif entry["answer"] in found:
                row.update(href=entry["answer"], label=found[entry["answer"]])
            else:
                row["reason"] = ("not in this report: this configuration does not produce the "
                                 f"element that answers it ({entry['answer']})")
            rows[entry["seed"]].append(row)
    return [{"seed": seed, "title": SEEDS[seed],
             "rows": sorted(asked, key=lambda r: _order(r["ask"])),
             "answered": sum("href" in r for r in asked),
             "not_reproduced": sum("href" not in r for r in asked)}
            for seed, asked in rows.items() if asked]
