"""Express surveys of residents and expert assessments (steps 4-5 of the method).

Method modules (no I/O): :mod:`.model` (questionnaires), :mod:`.responses` (validation),
:mod:`.summary` (per-settlement estimates), :mod:`.ahp` (pairwise weights), :mod:`.kendall`
(agreement), :mod:`.synthetic` (labelled synthetic responses). Readers and writers: :mod:`.readers`,
:mod:`.writers`, :mod:`.forms` (HTML, PDF, XLSForm) and :mod:`.storing` (the Store).
"""
