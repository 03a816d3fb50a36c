"""Code that more than one migration runs, frozen as of the revision in each module's name.

A migration must do what it did when it was written, whatever becomes of the live
code: nothing here imports `hoggar` outside this package, and no module here ever
changes. A later revision that needs other SQL or logic carries its own copy.
"""
