"""Pages without holes (issue 21): no page of the PDF is left more than 15 % empty because the
figure or table after it did not fit; measured on the laid-out pages (and, where pdftoppm is
installed, on the rendered PDF's pixels). Hand-made pages with the report's own style sheet."""
import base64
import io
import os
import shutil
import subprocess

import numpy as np
import pytest

from nnstudies import figures, pagefit
from nnstudies.report import REPORT_DIR

TEXT = ("A sentence of an answer that goes on for a while, so that a paragraph made of many of "
        "them fills a good part of the page, as the report's answers do. ")


def _png(height_in):
    fig, ax = figures.plt.subplots(figsize=(figures.PRINT_WIDTH_IN, height_in))
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=figures.DPI)
    figures.plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _figure(height_in, caption="A figure."):
    return (f'<figure class="wide"><img src="{_png(height_in)}" alt="">'
            f"<figcaption>{caption}</figcaption></figure>")


def _table(rows, title="A table"):
    body = "".join(f"<tr><td>row {i}</td><td>{i * 1.5}</td></tr>" for i in range(rows))
    return (f'<div class="table"><h3>{title}</h3><table class="data"><thead><tr><th>name</th>'
            f"<th>value</th></tr></thead><tbody>{body}</tbody></table></div>")


def _answers(n, sentences=6):
    items = "".join(f'<li id="s-q{i + 1}"><p class="q">Question {i + 1}?</p>'
                    f'<div class="a">{TEXT * sentences}</div></li>' for i in range(n))
    return f'<h3>Questions</h3><ol class="questions">{items}</ol>'


def _page(*sections):
    style = (REPORT_DIR / "style.css").read_text()
    body = "".join(f'<section id="s{i}"><h2>Section {i}</h2>{content}</section>'
                   for i, content in enumerate(sections))
    return f'<html><head><style>{style}</style></head><body>{body}</body></html>'


def _render(html):
    import weasyprint
    return weasyprint.HTML(string=html, base_url=str(REPORT_DIR)).render()


def _elements(page, tag):
    found = []

    def walk(box):
        element = getattr(box, "element", None)
        if element is not None and element.tag == tag and element not in found:
            found.append(element)
        for child in getattr(box, "children", ()):
            walk(child)
    walk(page._page_box)
    return found


def _numbers(document):
    """The printed numbers of the answers, in page order."""
    found = []

    def walk(box):
        if getattr(box, "element_tag", "") == "li::marker" and isinstance(
                getattr(box, "text", None), str):
            found.append(box.text)
        for child in getattr(box, "children", ()):
            walk(child)
    for page in document.pages:
        walk(page._page_box)
    return found


def _tags(document, page):
    found = []

    def walk(box):
        element = getattr(box, "element", None)
        if element is not None and element.tag in ("figure", "li", "div"):
            found.append((element.tag, element.get("id") or element.get("class")))
        for child in getattr(box, "children", ()):
            walk(child)
    walk(document.pages[page]._page_box)
    return list(dict.fromkeys(found))


def test_a_pushed_figure_moves_below_the_answers_that_fill_its_hole():
    html = _page(f"<p>{TEXT * 15}</p>" + _figure(4.8) + _answers(6))
    plain = _render(html)
    found = pagefit.holes(plain)
    assert [(h.page, h.kind) for h in found] == [(0, "figure")]  # the hole the issue saw
    assert found[0].fill < 1 - pagefit.MAX_HOLE
    document, left = pagefit.layout(html, str(REPORT_DIR))
    assert left == [] and pagefit.holes(document) == []
    assert pagefit.page_fill(document.pages[0])[0] >= 1 - pagefit.MAX_HOLE
    # the answers flowed into the hole; the figure follows them, the list split around it
    # with its numbering kept
    first = _tags(document, 0)
    assert ("li", "s-q1") in first and ("figure", "wide") not in first
    lists = list({id(e): e for page in document.pages for e in _elements(page, "ol")}.values())
    assert len(lists) == 2 and lists[1].get("start") == str(len(lists[0]) + 1)
    assert _numbers(document) == [f"{n}. " for n in range(1, 7)]  # as printed


def test_a_long_pushed_table_breaks_across_the_pages_a_short_one_moves():
    long_ = _page(f"<p>{TEXT * 15}</p>" + _table(40) + _answers(3))
    assert [h.kind for h in pagefit.holes(_render(long_))] == ["table"]
    document, left = pagefit.layout(long_, str(REPORT_DIR))
    assert left == [] and ("div", "table") in _tags(document, 0)  # begun on the first page
    short = _page(f"<p>{TEXT * 24}</p>" + _table(6) + _answers(3))
    found = pagefit.holes(_render(short))
    assert [h.kind for h in found] == ["table"]
    document, left = pagefit.layout(short, str(REPORT_DIR))
    assert left == []
    assert ("div", "table") not in _tags(document, 0)  # not split: 6 rows are too few


def test_the_end_of_a_section_may_be_short():
    """A section begins on a new page: the page before it may be short."""
    html = _page(f"<p>{TEXT * 10}</p>", _figure(4.8) + f"<p>{TEXT * 5}</p>")
    document = _render(html)
    assert pagefit.page_fill(document.pages[0])[0] < 0.5
    assert pagefit.holes(document) == []


def test_holes_agree_with_the_rendered_pdf(tmp_path):
    """The fill measured on the layout is what the PDF shows (pdftoppm, where installed)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm not installed")
    from PIL import Image
    html = _page(f"<p>{TEXT * 15}</p>" + _figure(4.8) + _answers(6))
    for name, document in (("plain", _render(html)),
                           ("mended", pagefit.layout(html, str(REPORT_DIR))[0])):
        pdf = tmp_path / f"{name}.pdf"
        document.write_pdf(pdf)
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf),
                        str(tmp_path / name)], check=True)
        pixels = np.asarray(Image.open(next(tmp_path.glob(f"{name}*.png"))).convert("L"))
        page = document.pages[0]._page_box
        scale = pixels.shape[0] / page.margin_height()
        top, bottom = page.content_box_y() * scale, (page.content_box_y() + page.height) * scale
        inked = np.flatnonzero((pixels < 235).any(axis=1))
        fill = (inked.max() - top) / (bottom - top)
        assert abs(fill - pagefit.page_fill(document.pages[0])[0]) < 0.05
        assert (fill >= 1 - pagefit.MAX_HOLE) == (name == "mended")


def test_figures_print_one_to_one():
    """A figure saved at PRINT_WIDTH_IN prints PRINT_WIDTH_IN wide (style.css reads the PNG
    at figures.DPI), so its 7-pt text prints at 7 pt; a small figure prints at half width."""
    html = _page(_figure(3.0) + _figure(3.0).replace('class="wide"', 'class="small"'))
    widths = []

    def walk(box):
        if getattr(box, "element_tag", None) == "img":
            widths.append(box.width / 96)
        for child in getattr(box, "children", ()):
            walk(child)
    walk(_render(html).pages[0]._page_box)
    assert widths[0] == pytest.approx(figures.PRINT_WIDTH_IN, abs=0.02)
    assert widths[1] <= figures.PRINT_WIDTH_IN * 0.5 and widths[1] >= figures.HALF_WIDTH_IN


def test_sections_laid_out_alone_make_the_pages_of_the_whole_and_keep_their_links():
    """layout() lays each section out alone (a section starts on a new page): the pages are
    those of the whole document laid out at once (a section's first page keeps its heading's
    top margin there: a page's fill differs by about 1 %), holes are mended section by
    section, and a link into another section still lands on its target in the PDF."""
    link = '<p><a href="#s-q2">the second answer of section 1</a></p>'
    for k in range(8):  # more text before the figure each time: holes come and go
        html = _page(link + TEXT * 4, TEXT * (5 * k) + _figure(5.0) + _answers(6))
        whole = _render(html)
        document, left = pagefit.layout(html, str(REPORT_DIR), passes=0)  # nothing mended
        assert len(document.pages) == len(whole.pages)
        by_page = {h.page: h for h in pagefit.holes(whole)}
        assert all(abs(h.fill - by_page[h.page].fill) < 0.02 for h in left if h.page in by_page)
        assert pagefit.layout(html, str(REPORT_DIR))[1] == []  # mended, section by section
    pdf = pagefit.layout(html, str(REPORT_DIR))[0].write_pdf(uncompressed_pdf=True)
    assert b"/Link" in pdf and b"/Dest" in pdf and b"(s-q2)" in pdf  # resolved by its name


def _printed(document):
    """Each page's text boxes and figures, where they stand: what a reader of the PDF sees."""
    def walk(box, found):
        text = getattr(box, "text", None)
        if text or getattr(box, "element_tag", None) == "img":
            found.append((text, round(box.position_x, 2), round(box.position_y, 2)))
        for child in getattr(box, "children", ()):
            walk(child, found)
        return found
    return [walk(page._page_box, []) for page in document.pages]


def test_two_processes_lay_out_the_same_pages():
    """workers=2 (the report_pdf job's two threads) mends sections in a forked process too and
    lays them out once more from its mended HTML: the same pages, holes and links as one
    process; a claim's evidence, hidden in print, is not laid out either way."""
    claim = ('<div class="a"><span class="claim"><span class="claim-text">A claim.</span>'
             '<details><summary>evidence</summary><span class="evidence">hidden in print'
             '</span></details></span></div>')  # a <p> would not hold a <details>
    sections = [claim + TEXT * (5 * k) + _figure(5.0) + _answers(4) + _table(40)
                for k in range(5)]
    html = _page('<p><a href="#s3">the fourth section</a></p>', *sections)
    one, left_one = pagefit.layout(html, str(REPORT_DIR), workers=1)
    two, left_two = pagefit.layout(html, str(REPORT_DIR), workers=2)
    assert _printed(two) == _printed(one) and len(one.pages) > 6
    assert [(h.page, h.kind) for h in left_two] == [(h.page, h.kind) for h in left_one]
    pdf = two.write_pdf(uncompressed_pdf=True)
    assert b"/Link" in pdf and b"(s3)" in pdf


@pytest.mark.parametrize("slow", ["this", "other"])
def test_two_processes_give_the_same_pages_whichever_finishes_first(monkeypatch, slow):
    """The same pages when the forked process is done long before this one (its parts wait
    in the pipe) and long after (this one waits for them)."""
    import time
    parent, mend_part = os.getpid(), pagefit._mend_part

    def slowed(*args, **kwargs):
        if (os.getpid() == parent) == (slow == "this"):
            time.sleep(0.3)
        return mend_part(*args, **kwargs)
    html = _page(*[TEXT * (3 * k + 1) + _figure(5.0) + _answers(3) for k in range(6)])
    one, left_one = pagefit.layout(html, str(REPORT_DIR), workers=1)
    monkeypatch.setattr(pagefit, "_mend_part", slowed)
    two, left_two = pagefit.layout(html, str(REPORT_DIR), workers=2)
    assert _printed(two) == _printed(one)
    assert [(h.page, h.kind) for h in left_two] == [(h.page, h.kind) for h in left_one]


def test_what_print_hides_is_not_laid_out():
    """A claim's <details> (its evidence, for a browser) is removed before layout: style.css
    hides it in print, so the pages are those of the whole report rendered as it is."""
    import weasyprint
    claim = ('<div class="a"><span class="claim"><span class="claim-text">A claim.</span>'
             '<details><summary>evidence</summary><span class="evidence">hidden</span>'
             '</details></span> More text.</div>')
    html = _page(claim * 20)
    source = weasyprint.HTML(string=html, base_url=str(REPORT_DIR))
    assert len(list(source.etree_element.iter("details"))) == 20
    pagefit._drop_unprinted(source.etree_element)
    assert list(source.etree_element.iter("details")) == []
    assert _printed(source.render()) == _printed(_render(html))


def test_a_failing_second_layout_process_is_said(monkeypatch):
    """The forked process's error ends the layout with its traceback, not a hang."""
    parent, mend_part = os.getpid(), pagefit._mend_part

    def broken_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            raise ValueError("a broken part")
        return mend_part(*args, **kwargs)
    html = _page(TEXT, TEXT * 3, TEXT * 9)
    monkeypatch.setattr(pagefit, "_mend_part", broken_in_the_child)
    with pytest.raises(RuntimeError, match="second process failed(.|\n)*a broken part"):
        pagefit.layout(html, str(REPORT_DIR), workers=2)


def test_a_failing_layout_leaves_no_second_process(monkeypatch):
    """When this process's own layout fails, the forked one is ended too (it would otherwise
    lay out every part left and wait on its pipe for ever)."""
    import multiprocessing
    parent, mend_part = os.getpid(), pagefit._mend_part

    def broken_in_the_parent(*args, **kwargs):
        if os.getpid() == parent:
            raise ValueError("a broken part")
        return mend_part(*args, **kwargs)
    monkeypatch.setattr(pagefit, "_mend_part", broken_in_the_parent)
    with pytest.raises(ValueError, match="a broken part"):
        pagefit.layout(_page(TEXT, TEXT * 3, TEXT * 9), str(REPORT_DIR), workers=2)
    assert multiprocessing.active_children() == []
