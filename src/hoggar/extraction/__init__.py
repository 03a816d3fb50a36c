"""Reading open-source text (Arabic, French, English) into draft incidents, offline.

`tokens` splits a text into words that keep their offsets in the original, so every
extracted value can point at the span it came from; `numbers` reads counts written in
digits or words; `dates` resolves absolute and relative dates against a publication
date (`date_words`, `date_scan`, `date_relative`, `date_calendar`); `mentions` finds
places, states and armed groups; `sentences` and `counts` read what each sentence holds;
`subtypes` and `events` make events of sentences; `fields` and `drafting` make each
event a draft (`drafts`); `extractor` runs the whole; `evaluation` scores drafts against
a labelled set. Every word the rules look for is in data/*.json (`lexicon` loads them).
"""
