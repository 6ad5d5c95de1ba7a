"""Sections and questions -> one HTML file (figures embedded) and the same page as PDF."""
import base64
import datetime
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .lazy import lazy_import
from .stats import THRESHOLDS

jinja2 = lazy_import("jinja2")

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
    return [
        f"Input scaling: {cfg['data']['scaling']}; threads per training job: "
        f"{cfg['train']['threads']}; device: {', '.join(sorted(set(devices)))}.",
        "Training loss and accuracy at a record are the means over the steps since the "
        "previous record; validation accuracy is computed in eval mode on the whole split.",
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

    def ask(self, question, answer):
        self.questions.append(Question(len(self.questions) + 1, question, answer))

    def add_table(self, title, df, decimals=4, note=None, text=False):
        """A table; `text` left-aligns every column (for cells of words rather than numbers)."""
        self.tables.append({"title": title, "note": note,
                            "html": table_html(df, decimals, "data text" if text else "data")})

    def add_figure(self, path, caption, size="wide"):
        self.figures.append({"src": embed_png(path), "caption": caption, "size": size})


def embed_png(path):
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode()


def table_html(df, decimals=4, classes="data"):
    """A DataFrame as an HTML table, floats to `decimals` significant digits, NaN as a dash."""
    shown = df.copy()
    for col in shown.columns:
        if shown[col].dtype.kind == "f":
            shown[col] = shown[col].map(lambda x: f"{x:.{decimals}g}" if x == x else "–")
    return shown.to_html(index=False, border=0, classes=classes, na_rep="–")


def render(context, html_path, pdf_path):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(REPORT_DIR),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    context = {**context, "style": (REPORT_DIR / "style.css").read_text(),
               "generated": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
               "config_yaml": yaml.safe_dump(context["config"], sort_keys=False,
                                             default_flow_style=None, width=100)}
    html = env.get_template("report.html.j2").render(**context)
    Path(html_path).write_text(html)
    import weasyprint  # imported late: slow to import and only needed here
    weasyprint.HTML(string=html, base_url=str(REPORT_DIR)).write_pdf(pdf_path)
