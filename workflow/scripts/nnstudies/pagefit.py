"""The PDF's pages without holes: no page left more than MAX_HOLE empty because the figure or
table that follows did not fit in what was left of it (REPORT.md, "Figures are for looking at").

A figure or a table does not break across pages (style.css), so one that does not fit in the
rest of a page moves to the next and leaves a hole. `write_pdf` lays the report out part by
part (each section alone: `layout`), finds such holes (`holes`) and mends each in the part's
tree before laying the part out again, at most PASSES times:

* a pushed table breaks across the pages (its header row repeats) when the hole holds its
  title, header and MIN_ROWS rows and MIN_ROWS rows are left for the next page;
* else the pushed figure or table, with the figures and tables right after it, moves below
  the text that follows them in its section (the next paragraphs or answers, as much as
  fills the hole), as a float does in a printed book; a list of answers is split around it,
  numbering kept.

The HTML file is not changed: a browser scrolls, it has no pages.
"""
import logging
import multiprocessing
import traceback
from dataclasses import dataclass
from html import escape
from xml.etree import ElementTree

import weasyprint  # this module is imported only to write the PDF (report.render)
from weasyprint.formatting_structure import boxes
from weasyprint.text.fonts import FontConfiguration

from .outputs import write_bytes

MAX_HOLE = 0.15   # the largest share of a page a pushed figure or table may leave empty
PASSES = 6
MIN_ROWS = 3      # rows of a split table on either page


@dataclass
class Hole:
    page: int          # index of the page with the hole (0-based)
    fill: float        # share of its content height that is used
    space: float       # empty height at its bottom, CSS px
    element: object    # the figure or div.table that went to the next page
    kind: str          # "figure" or "table"


def _classes(element):
    return (element.get("class") or "").split()


def _kind(element):
    """'figure' or 'table' for a block that cannot break across pages, else None."""
    if element is None:
        return None
    if element.tag == "figure":
        return "figure"
    if element.tag == "div" and "table" in _classes(element):
        return "table"
    return None


def _flow_children(box):
    return [c for c in getattr(box, "children", ())
            if isinstance(c, (boxes.BlockLevelBox, boxes.LineBox))]


def _bottom(box):
    """The lowest point the box's content reaches on its page (CSS px)."""
    kids = _flow_children(box)
    if kids and not isinstance(box, boxes.LineBox):
        return max(_bottom(c) for c in kids)
    return box.position_y + box.margin_height()


def _elements(box, found):
    element = getattr(box, "element", None)
    if element is not None:
        found.add(id(element))
    for child in getattr(box, "children", ()):
        _elements(child, found)
    return found


def _first_rigid(page_box):
    """The figure or table a page begins with (through the boxes that continue from the
    previous page: html, body, section), or None when it begins with anything else."""
    box = page_box
    while True:
        kids = _flow_children(box)
        if not kids:
            return None
        box = kids[0]
        if isinstance(box, boxes.LineBox):  # a line of small figures side by side
            first = next(iter(box.children), None)
            return first if _kind(getattr(first, "element", None)) else None
        if _kind(getattr(box, "element", None)):
            return box


def page_fill(page):
    """Share of the page's content height its content uses."""
    box = page._page_box
    top, height = box.content_box_y(), box.height
    return (_bottom(box) - top) / height, top + height - _bottom(box)


def holes(document, max_hole=MAX_HOLE):
    """Pages followed by a pushed figure or table and left more than `max_hole` empty: the
    next page begins with a figure or table of the same stretch of content (not a new
    section), which does not continue from this page. A page that ends a section may be
    short; so may the last page."""
    found = []
    pages = document.pages
    for i in range(len(pages) - 1):
        fill, space = page_fill(pages[i])
        if fill >= 1 - max_hole:
            continue
        first = _first_rigid(pages[i + 1]._page_box)
        if first is None or id(first.element) in _elements(pages[i]._page_box, set()):
            continue
        found.append(Hole(i, fill, space, first.element, _kind(first.element)))
    return found


def _heights(document):
    """Laid-out height of every element (summed over its pages), outermost box each."""
    heights = {}

    def walk(box, parent_element):
        element = getattr(box, "element", None)
        if element is not None and element is not parent_element:
            heights[id(element)] = heights.get(id(element), 0) + box.margin_height()
        for child in getattr(box, "children", ()):
            walk(child, element)
    for page in document.pages:
        walk(page._page_box, None)
    return heights


def _parents(root):
    return {id(child): parent for parent in root.iter() for child in parent}


def _allow_break(element):
    element.set("style", (element.get("style") or "") + ";break-inside:auto")


def _splits_well(table, space, heights):
    """Whether the table, broken at the end of a page with `space` left, leaves MIN_ROWS rows
    (and its title and header) on that page and MIN_ROWS on the next."""
    rows = list(table.iter("tr"))
    if len(rows) < 1 + 2 * MIN_ROWS:
        return False
    used = sum(heights.get(id(child), 0) for child in table if child.tag != "table")
    used += heights.get(id(rows[0]), 0)
    fit = 0
    for row in rows[1:]:
        used += heights.get(id(row), 0)
        if used > space:
            break
        fit += 1
    return fit >= MIN_ROWS and len(rows) - 1 - fit >= MIN_ROWS


def _float_down(root, hole, heights):
    """Move the pushed figure or table, with the figures and tables right after it, below as
    much of the text that follows them in its section as fills the hole. False when no text
    follows."""
    parents = _parents(root)
    parent = parents[id(hole.element)]
    siblings = list(parent)
    at = siblings.index(hole.element)
    group = [hole.element]
    for sibling in siblings[at + 1:]:
        if not _kind(sibling):
            break
        group.append(sibling)
    rest = siblings[at + len(group):]
    after, split_at, filled = None, None, 0.0
    for sibling in rest:
        if _kind(sibling):
            break  # figures and tables keep their order
        if sibling.tag == "ol" and "questions" in _classes(sibling):
            for k, item in enumerate(sibling):
                after, split_at = sibling, k + 1
                filled += heights.get(id(item), 0)
                if filled >= hole.space:
                    break
        else:
            after, split_at = sibling, None
            filled += heights.get(id(sibling), 0)
        if filled >= hole.space and sibling.tag != "h3":
            break
    if after is None:
        return False
    for element in group:
        parent.remove(element)
    position = list(parent).index(after) + 1
    if split_at is not None and split_at < len(after):
        tail = type(after)("ol", dict(after.attrib))  # the answers after the figure
        start = int(after.get("start", "1")) + split_at
        tail.set("start", str(start))  # weasyprint numbers by the counter, not the attribute
        tail.set("style", f"counter-reset: list-item {start - 1}")
        for item in list(after)[split_at:]:
            after.remove(item)
            tail.append(item)
        parent.insert(position, tail)
    for k, element in enumerate(group):
        parent.insert(position + k, element)
    return True


def _section(parents, element):
    while element is not None and element.tag != "section":
        element = parents.get(id(element))
    return element


def mend(root, found, heights):
    """Mend the first hole of each section in the document tree (a section starts on a new
    page, style.css: what moves in one does not move the pages of another); returns how many
    were mended."""
    parents, seen, first = _parents(root), set(), []
    for hole in found:
        section = _section(parents, hole.element)
        if id(section) not in seen:
            seen.add(id(section))
            first.append(hole)
    done = 0
    for hole in first:
        if hole.kind == "table" and _splits_well(hole.element, hole.space, heights):
            _allow_break(hole.element)
            done += 1
        elif _float_down(root, hole, heights):
            done += 1
    return done


def parts(body):
    """The body's children cut where each section starts: [what comes before the first
    section, first section, ...]. A section starts on a new page (style.css) and mending moves
    content only within its section, so each part can be laid out alone."""
    out = [[]]
    for child in body:
        if child.tag == "section" and out[-1]:
            out.append([])
        out[-1].append(child)
    return out


def _alone(root, part):
    """An HTML page of the document's head and the elements of `part` alone."""
    def attributes(element):
        return "".join(f' {k}="{escape(v, quote=True)}"' for k, v in element.attrib.items())

    body = root.find("body")
    return (f"<!DOCTYPE html><html{attributes(root)}>{_html(root.find('head'))}"
            f"<body{attributes(body)}>{''.join(_html(e) for e in part)}</body></html>")


def _html(element):
    return ElementTree.tostring(element, encoding="unicode", method="html")


def _drop_unprinted(root):
    """Remove what style.css hides in print, so that it costs no style computation: each
    claim's <details> (its evidence for a browser; the PDF prints it in the section's claim
    notes). They held 37 % of the report's elements; no link points into them."""
    for claim in root.iter():
        if "claim" in _classes(claim):
            for details in [c for c in claim if c.tag == "details"]:
                claim.remove(details)


def _mend_part(source, fonts, max_hole, passes):
    """Lay out one part and mend its holes, at most `passes` times: (document, holes left)."""
    document = source.render(font_config=fonts)
    found = holes(document, max_hole)
    for _ in range(passes):
        if not found or not mend(source.etree_element, found, _heights(document)):
            break
        document = source.render(font_config=fonts)
        found = holes(document, max_hole)
    return document, found


def _layout_two(sources, sizes, base_url, fonts, max_hole, passes):
    """[(document, holes left)] of every part, mended in two processes: each takes the largest
    part not yet taken (`sizes`: its elements; a large section needs most of the time and
    the most passes); the forked one sends its parts back as mended HTML, which this one lays
    out once more (a document does not pickle)."""
    context = multiprocessing.get_context("fork")  # the child shares the parsed sources
    order = sorted(range(len(sources)), key=lambda i: -sizes[i])
    taken = context.Value("i", 0)

    def claim():
        with taken.get_lock():
            if taken.value == len(order):
                return None
            taken.value += 1
            return order[taken.value - 1]

    def child(pipe):
        try:
            done = []
            while (i := claim()) is not None:
                source = weasyprint.HTML(string=sources[i], base_url=base_url)
                _mend_part(source, fonts, max_hole, passes)
                done.append((i, "<!DOCTYPE html>" + _html(source.etree_element)))
            pipe.send(done)  # once, at the end: a large send waits for the reader
        except BaseException:  # said in the parent's error, which ends the job
            pipe.send(traceback.format_exc())

    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=child, args=(send,), daemon=True)
    worker.start()
    try:
        laid_out = [None] * len(sources)
        while (i := claim()) is not None:
            laid_out[i] = _mend_part(weasyprint.HTML(string=sources[i], base_url=base_url),
                                     fonts, max_hole, passes)
        while not receive.poll(1):
            if not worker.is_alive() and not receive.poll(0):
                raise RuntimeError(f"the PDF layout's second process ended (exit code "
                                   f"{worker.exitcode}) before it had laid out its parts")
        message = receive.recv()
        if isinstance(message, str):
            raise RuntimeError(f"the PDF layout's second process failed:\n{message}")
        for i, mended in message:
            document = weasyprint.HTML(string=mended, base_url=base_url).render(
                font_config=fonts)
            laid_out[i] = document, holes(document, max_hole)
        return laid_out
    finally:  # also when this process failed: the other one must not wait on its pipe
        worker.terminate()
        worker.join()


def layout(html, base_url, max_hole=MAX_HOLE, passes=PASSES, workers=1):
    """The laid-out document with its holes mended (as far as `passes` allow), and the holes
    left. Each part (`parts`) is laid out alone and again only while it has holes to mend: a
    section's pages do not depend on the others', and laying out the whole report once per
    pass took 4 times its time. The parts' pages, in order, make the document (one font
    configuration for all, so the PDF embeds every font a part used; links between parts
    resolve by anchor name when the PDF is written).

    workers=2: a forked process mends parts too (`_layout_two`); the pages are the same."""
    fonts = FontConfiguration()
    root = weasyprint.HTML(string=html, base_url=base_url).etree_element
    _drop_unprinted(root)
    cut = parts(root.find("body"))
    sources = [_alone(root, part) for part in cut]
    # two processes where the system can fork (not Windows): else one, the same pages
    if workers > 1 and len(sources) > 1 and "fork" in multiprocessing.get_all_start_methods():
        sizes = [sum(1 for e in part for _ in e.iter()) for part in cut]
        laid_out = _layout_two(sources, sizes, base_url, fonts, max_hole, passes)
    else:
        laid_out = [_mend_part(weasyprint.HTML(string=text, base_url=base_url), fonts, max_hole,
                               passes) for text in sources]
    documents, left = [], []
    for document, found in laid_out:
        before = sum(len(d.pages) for d in documents)
        left += [Hole(h.page + before, h.fill, h.space, h.element, h.kind) for h in found]
        documents.append(document)
    return documents[0].copy([p for d in documents for p in d.pages]), left


def write_pdf(html, base_url, pdf_path, max_hole=MAX_HOLE, workers=1):
    """The report's PDF, laid out without holes where they can be mended (in `workers`
    processes, 1 or 2: see layout); returns the holes left (none, as a rule)."""
    document, found = layout(html, base_url, max_hole, workers=workers)
    write_bytes(pdf_path, document.write_pdf())  # whole or not at all
    for hole in found:  # said in the report's log, so that a reader of the log can look
        logging.warning("PDF page %d is %.0f %% empty: the %s after it did not fit and could "
                        "not be moved", hole.page + 1, 100 * (1 - hole.fill), hole.kind)
    return found
