"""Reports: profiles and rankings composed by :mod:`territoria.report.service`, written as HTML, PDF or XLSX
(:mod:`territoria.report.render`), with Plotly charts and maps (:mod:`~territoria.report.charts`,
:mod:`~territoria.report.geomap`)."""
