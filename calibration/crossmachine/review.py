"""What looking at the pairs decided (read by label.py).

Every base pair and twin was looked at on the sheets of ``label.py sheets``
(A | B | amplified difference at 1:1, layout tiles marked, and 4x crops of
the two largest differences).  A base pair listed here is ``borderline``
whatever its layout check says, with the reason seen; a base pair not listed
is ``same`` unless the layout check finds a reflow.
"""

LOOKED_BASIS = "looked at 1:1 and 4x"

#: base pair id -> what the eye saw that makes it borderline.
BORDERLINE: dict[str, str] = {
    # Bilevel glyphs: within 2 px, but at 1:1 the text is visibly jagged and its stems change
    # weight (full hinting on 1-bit outlines); a rendering difference a reviewer notices, so not
    # scored either way.  The other ten aa-off pairs reflow anyway.
    "settings-lato/aa-off/same": "bilevel glyphs are visibly jagged at 1:1 (stems change weight)",
    "settings-inter/aa-off/same": "bilevel glyphs are visibly jagged at 1:1 (stems change weight)",
}
