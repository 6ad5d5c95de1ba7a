"""The appendix of a rendered report, "What each assignment asked", read back as a browser does:
every link it holds must land on an element of the same page."""
from html.parser import HTMLParser

from nnstudies.appendix import SEEDS


class AppendixParser(HTMLParser):
    """Every id in the page; the appendix's links (href="#...") and its seed headings."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.seeds, self.rows = set(), [], [], 0
        self.depth = None  # nesting depth inside <section id="appendix">, None outside

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if self.depth is None:
            if tag == "section" and attrs.get("id") == "appendix":
                self.depth = 0
            return
        if tag == "section":
            self.depth += 1
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.links.append(attrs["href"][1:])
        if tag == "h3" and (attrs.get("id") or "").startswith("appendix-"):
            self.seeds.append(attrs["id"].removeprefix("appendix-"))
        if tag == "tr":
            self.rows += 1

    def handle_endtag(self, tag):
        if self.depth is not None and tag == "section":
            self.depth = None if self.depth == 0 else self.depth - 1


def check_appendix_links(html, seeds=tuple(SEEDS)):
    """Assert the report has the appendix with a table for each of `seeds`, and that every link
    in it resolves to an element id of the page. Returns the parser (links, ids, seeds)."""
    parser = AppendixParser()
    parser.feed(html)
    parser.close()
    assert "appendix" in parser.ids, "the report has no appendix (section id 'appendix')"
    assert sorted(parser.seeds) == sorted(seeds), f"appendix seeds {parser.seeds}, not {seeds}"
    dead = [link for link in parser.links if link not in parser.ids]
    assert not dead, f"appendix links that land on no element: {dead}"
    return parser
