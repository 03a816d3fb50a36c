"""Reading open-source text (Arabic, French, English) into draft incidents, offline.

`tokens` splits a text into words that keep their offsets in the original, so every
extracted value can point at the span it came from; `numbers` reads counts written in
digits or words; `dates` resolves absolute and relative dates against a publication
date; `mentions` finds places, states and armed groups; `extractor` assembles drafts;
`evaluation` scores drafts against a labelled set.
"""
