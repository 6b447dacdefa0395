"""Reports and compilations (docx, pdf, html, xlsx, csv) and background export jobs."""
