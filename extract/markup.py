"""The one HTML parser of extraction: a decoded page to an lxml tree."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

# lxml refuses a str that declares an encoding; the page is decoded by now
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)


def _parser() -> lxml.html.HTMLParser:
    # Without huge_tree libxml2 stops at its size limits (a pasted data: image of a few MB,
    # nesting deeper than 256) and silently drops the rest of the page: the tables after it.
    parser = lxml.html.HTMLParser(huge_tree=True)
    # lxml.html picks each element's class in Python (form, input, select… get their own),
    # once for every element any walk or XPath touches. Nothing here reads forms: every
    # element is a plain HtmlElement, picked in C.
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity,
    ))
    return parser


PARSER = _parser()


def without_xml_declaration(html: str) -> str:
    return XML_DECLARATION.sub("", html, count=1)


def parse_document(html: str) -> lxml.html.HtmlElement:
    """The tree of a page (its XML declaration taken off first: ``without_xml_declaration``).

    Raises ``lxml.etree.ParserError`` or ``ValueError`` when lxml cannot read it.
    """
    return lxml.html.document_fromstring(html, parser=PARSER)
