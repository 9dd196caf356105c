"""Express surveys of residents and expert assessments (steps 4-5 of the method).

Method modules (no I/O): :mod:`.model` (questionnaires), :mod:`.responses` (checking exports),
:mod:`.summary` (per-settlement estimates), :mod:`.ahp` (pairwise weights), :mod:`.kendall`
(agreement), :mod:`.experts` (form answers → AHP / Kendall inputs, weights table), :mod:`.synthetic`
(labelled SYNTHETIC exports for tests), :mod:`.forms.layout`. Readers and writers: :mod:`.readers`,
:mod:`.forms` (HTML, PDF, XLSForm) and :mod:`.storing` (the Store). See ``docs/surveys.md``.
"""
