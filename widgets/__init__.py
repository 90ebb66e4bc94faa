"""ipywidgets components of the workbench, Japanese labels, no storage code (they call casebook).

case_form  the case-analysis form (sections, timeline, ecomap, autosave, conflicts) — show_case_app
review     advisor comments, status moves, version history
ecomap     the ecomap editor; timeline: the support-timeline editor; merge: conflict diff and merge
common     guarded widgets, labelled fields, save status, debounce, page parameters (shared by all forms)
"""
