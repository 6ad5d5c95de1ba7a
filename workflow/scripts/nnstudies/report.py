"""Sections and questions -> one HTML file (figures embedded) and the same page as PDF."""
import base64
import datetime
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .lazy import lazy_import
from . import claims
from .data import SCALING_NAMES
from .stats import THRESHOLDS

jinja2 = lazy_import("jinja2")
markupsafe = lazy_import("markupsafe")
pd = lazy_import("pandas")

REPORT_DIR = Path(__file__).resolve().parents[3] / "report"

# What train.precision bf16 was measured to change (bench/README.md, bench/bench_bf16.py).
BF16_BOUND = ("Validation and test accuracies evaluated in bfloat16 (train.precision: bf16; "
              "training in float32). Measured on full-protocol runs of cnn_4, cnn_5, mlp_1 "
              "and mlp_2 (Adam, batch 50, full Fashion-MNIST split, 15 epochs, 1620 validation "
              "records of 6000 images each): "
              "the largest change bf16 made to a recorded validation accuracy was 0.0023 (14 "
              "images), to a test accuracy 0.0008 (8 of 10000 images) (bench/README.md). The "
              "scheduled learning-rate run chooses its switch epochs from validation accuracy, "
              "so there bf16 can also move a switch and with it the training.")


def protocol_lines(cfg, devices):
    """The methods section's protocol: scaling, threads and devices, what a record holds, the
    bf16 bound when validation and test ran in bf16, and the rules that name a run's fate."""
    scaling = cfg["data"]["scaling"]
    study4 = cfg.get("activations", {}).get("scalings", [scaling])
    own = [x for x in study4 if x != scaling]
    return [
        f"Input scaling: {SCALING_NAMES[scaling]} ({scaling})"
        + (f"; Study 4 runs its own: {', '.join(SCALING_NAMES[x] for x in study4)}"
           if own else "") + "; threads per training job: "
        f"{cfg['train']['threads']}; device: {', '.join(sorted(set(devices)))}.",
        "Training loss and accuracy at a record are the means over the steps since the "
        "previous record; a recorded gradient norm is that of the record's own step (one "
        "batch); validation accuracy is computed in eval mode on the whole split.",
    ] + ([BF16_BOUND] if cfg["train"].get("precision", "fp32") == "bf16" else []) + [
        f"{name.capitalize()}: {rule}." for name, rule in THRESHOLDS.items()]


@dataclass
class Question:
    number: int
    question: str
    answer: str


@dataclass
class Section:
    """One study's part of the report; `questions` are numbered from 1 and addressed in the HTML
    as `<study>-q<n>`."""
    study: str
    title: str
    intro: str
    figures: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    summary: str | None = None
    claims: list = field(default_factory=list)  # [(key, claim dict)], cited in the text
    anchored: set = field(default_factory=set)  # claims given their id (the first placement)

    def cite(self, claims, key, short=False):
        """Place the claim `claims[key]` (built by nnstudies.claims in the analysis step and
        read from the facts file) in a sentence: returns a mark the report renders as the
        claim's sentence with its evidence. Citing one claim twice (a question and the summary)
        places the same claim object."""
        claim = claims[key]
        tail = " short" if short else ""  # the claim's short form (a summary line)
        for i, (_, placed) in enumerate(self.claims):
            if placed is claim:
                return CLAIM_MARK.format(f"{i}{tail}")
        self.claims.append((key, claim))
        return CLAIM_MARK.format(f"{len(self.claims) - 1}{tail}")

    def ask(self, question, answer):
        self.questions.append(Question(len(self.questions) + 1, question, answer))

    def add_table(self, title, name, note=None):
        """Place the study's table `name` (a CSV its analysis wrote), shown as its module's
        SHOWN[name] declares; the report fills it in (`fill_tables`), so a section never reads
        a table."""
        self.tables.append({"title": title, "name": name, "note": note})

    def add_figure(self, path, caption, size="wide"):
        """A figure, addressed in the HTML as `<study>-fig-<name>` (the file is
        `<study>_<name>.png`, common.figure_path)."""
        name = Path(path).stem.removeprefix(f"{self.study}_")
        self.figures.append({"src": embed_png(path), "caption": caption, "size": size,
                             "id": f"{self.study}-fig-{name}"})


CLAIM_MARK = "\u27e6claim {}\u27e7"
CLAIM_RE = re.compile("\u27e6claim (\\d+)( short)?\u27e7")


def _number(x, scale=1):
    """An evidence number as shown (4 significant digits; times `scale`, 100 for a fraction
    the sentence writes in % or points) with its exact value beside it, so that a reader (and
    a test) can match it against the facts file."""
    if x is None or x != x:
        return '<span class="num">–</span>'
    shown = (f"{x:,}" if isinstance(x, int) else
             # a whole count stored as a float (11677.0) is shown whole, as the prose gives it
             f"{int(x):,}" if scale == 1 and float(x).is_integer() and abs(x) < 1e15 else
             f"{scale * x:.4g}")
    return f'<span class="num" data-value="{x!r}">{shown}</span>'


def _esc(text):
    """Text content escaped as jinja2 does it, quotes left as they are (not an attribute)."""
    return html.escape(str(text), quote=False)


def _known(x):
    """A number the facts file holds (null there, NaN once read back, means none)."""
    return isinstance(x, (int, float)) and x == x


def evidence_html(ev):
    """A claim's evidence: rule, values per arm, test and p (or the smallest attainable p),
    expectation and verdict for a mechanism, and the table the values come from."""
    # a rule's labelled values are measurements of different things (a count, a range, a
    # best and a last), not runs: one value each, no run count
    labelled = bool(ev.get("labelled"))
    # the values as the sentence writes them: a fraction in % or points is shown times 100
    scale, unit = (100, f" ({ev['shown_in']})") if ev.get("shown_in") else (1, "")
    rows = "".join(
        f"<tr><td>{_esc(a['arm'])}</td>"
        + ("" if labelled else
           f"<td>{_number(a['n'])}</td><td>{_number(a['mean'], scale)}</td>")
        + f"<td>{', '.join(_number(v, scale) for v in a['values'])}</td></tr>"
        for a in ev["arms"])
    parts = []
    if isinstance(ev.get("expected"), str):
        parts.append(f"<p><b>Expected:</b> {_esc(ev['expected'])} <b>Verdict:</b> "
                     f"{_esc(ev['verdict'])}</p>")
    parts.append(f"<p><b>Rule:</b> {_esc(ev['rule'])}</p>")
    if rows:
        head = (f"<th>measured</th><th>value{unit}</th>" if labelled else
                f"<th>arm</th><th>runs</th><th>mean{unit}</th><th>per run{unit}</th>")
        parts.append(f'<table class="evidence"><tr>{head}</tr>{rows}</table>')
    if isinstance(ev.get("test"), str):
        test = f"<p><b>Test:</b> {_esc(ev['test'])}"
        if _known(ev.get("rho")):
            test += f"; ρ = {_number(ev['rho'])}"
        if _known(ev.get("p")):
            test += f"; p = {_number(ev['p'])}"
        elif _known(ev.get("min_p")):
            test += f"; not run: the smallest p it could give is {_number(ev['min_p'])}"
        elif ev.get("kind") == "trend" or "Spearman" in ev["test"]:
            test += "; not run (too few points, or tied values only, for any test)"
        else:
            test += "; not run (fewer than two runs on a side)"
        parts.append(test + "</p>")
    parts.append(f"<p><b>Source:</b> <code>{_esc(ev['source'])}</code></p>")
    return "".join(parts)


def _sentence(claim, short):
    """The claim's sentence, or its short form, which always sits inside a summary line: an
    ordinary capitalised first word ("Validation") is lower-cased there, a name ("ReLU",
    "SGD", "NumPy") is not."""
    return claims.mid_sentence(claim.get("short", claim["text"])) if short else claim["text"]


def claim_html(study, key, claim, number, anchor, short=False):
    """A claim in place: its sentence (or its short form), a note number (shown in print) and
    its evidence in a <details> the reader opens without JavaScript."""
    ident = f' id="{study}-claim-{number}"' if anchor else ""
    form = ' data-form="short"' if short else ""
    return (f'<span class="claim"{ident} data-claim="{study}/{key}"{form}>'
            f'<span class="claim-text">{_esc(_sentence(claim, short))}</span>'
            # a word joiner: the note number never starts a line of its own
            f'<sup class="claim-note">\u2060<a href="#note-{number}">[{number}]</a></sup>'
            f'<details><summary>evidence</summary><span class="evidence">'
            f'{evidence_html(claim["evidence"])}</span></details></span>')


def with_claims(text, section, anchor=True):
    """Escape `text` and render each claim mark in it as the section's claim."""
    out, last = [], 0
    for m in CLAIM_RE.finditer(text or ""):
        out.append(_esc(text[last:m.start()]))
        key, claim = section.claims[int(m.group(1))]
        first = anchor and claim["number"] not in section.anchored  # one id per claim
        if first:
            section.anchored.add(claim["number"])
        out.append(claim_html(section.study, key, claim, claim["number"], first,
                              bool(m.group(2))))
        last = m.end()
    out.append(_esc((text or "")[last:]))
    return markupsafe.Markup("".join(out))


def plain(text, section):
    """The text with each claim mark replaced by the claim's sentence (for the console)."""
    return CLAIM_RE.sub(lambda m: _sentence(section.claims[int(m.group(1))][1],
                                            bool(m.group(2))), text or "")


def embed_png(path):
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode()


def table_html(df, decimals=4, classes="data"):
    """A DataFrame as an HTML table, floats to `decimals` significant digits, NaN as a dash."""
    shown = df.copy()
    for col in shown.columns:
        if shown[col].dtype.kind == "f":
            shown[col] = shown[col].map(lambda x: f"{x:.{decimals}g}" if x == x else "–")
    return shown.to_html(index=False, border=0, classes=classes, na_rep="–")


@dataclass(frozen=True)
class Shown:
    """How a report table shows a CSV: `columns` are (header, source) pairs, the source a CSV
    column (floats to `decimals` significant digits) or a function of a row (a formatted cell),
    None for every column as it is; `rows`, a function of the table, picks or groups the rows
    first; `text` left-aligns every column (cells of words rather than numbers)."""
    columns: tuple = None
    decimals: int = 4
    text: bool = False
    rows: object = None


def shown_html(df, shown):
    """The table `df` as `shown` declares it."""
    if shown.rows is not None:
        df = shown.rows(df)
    if shown.columns is not None:
        df = pd.DataFrame({header: (df[source] if isinstance(source, str) else
                                    [source(row) for row in df.itertuples(index=False)])
                           for header, source in shown.columns}, index=df.index)
    return table_html(df, shown.decimals, "data text" if shown.text else "data")


def fill_tables(section, declared, read):
    """Render each table a section placed: `declared` is its study's SHOWN, `read(name)` the
    CSV as a DataFrame."""
    for table in section.tables:
        table["html"] = shown_html(read(table["name"]), declared[table["name"]])


def number_claims(sections):
    """Number every placed claim through the report (the PDF's notes)."""
    n = 0
    for section in sections:
        for _, claim in section.claims:
            n += 1
            claim["number"] = n


NUMBER_PERCENT = re.compile(r"(?<=\d) %")  # a number's space before its "%" (render_html)


def render(context, html_path):
    Path(html_path).write_text(render_html(context))


def render_html(context):
    """The report's HTML page from its context (render writes it; make_pdf.py pages it)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(REPORT_DIR),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    number_claims(context["sections"])
    env.filters["claims"] = with_claims
    env.globals["evidence_html"] = evidence_html
    context = {**context, "style": (REPORT_DIR / "style.css").read_text(),
               "generated": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
               "config_yaml": yaml.safe_dump(context["config"], sort_keys=False,
                                             default_flow_style=None, width=100)}
    page = env.get_template("report.html.j2").render(**context)
    return NUMBER_PERCENT.sub("\u00a0%", page)  # "75.90 %" never breaks before its "%"
