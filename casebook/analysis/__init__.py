"""Cross-case analysis for advisors and the council: what recurs across many cases.

Modules (each importing only those before it): `corpus` (cases as Docs: SudachiPy words, household
type), `gate` (the privacy gate on everything that leaves), `population` (ward residents as data,
newer ones imported), `matrix` (theme × ward × year, counts and rates per 10,000; trends), `points`
(advisors' key points by category and theme), `words` (characteristic words per theme, G²),
`similar` (similar cases the user may read, TF-IDF + cosine on numpy), `reading` (cases to read
first), `report` (everything the report shows), `trainees` (each trainee's record and its Excel),
`run` (`workbench analyse`: the notebook through papermill, the HTML through casebook.render).

Importing this package loads neither SudachiPy nor numpy; the modules do, when used.
"""
