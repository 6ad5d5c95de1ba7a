"""Render the report: jinja2 HTML with figures embedded, and the same page as PDF (weasyprint)."""
import base64
import datetime
from pathlib import Path

import jinja2
import yaml

REPORT_DIR = Path(__file__).resolve().parents[3] / "report"


def embed_png(path):
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode()


def figure(path, caption):
    return {"src": embed_png(path), "caption": caption}


def table_html(df, decimals=4):
    """A DataFrame as an HTML table, floats to `decimals` significant digits."""
    shown = df.copy()
    for col in shown.columns:
        if shown[col].dtype.kind == "f":
            shown[col] = shown[col].map(lambda x: f"{x:.{decimals}g}" if x == x else "–")
    return shown.to_html(index=False, border=0, classes="data")


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
