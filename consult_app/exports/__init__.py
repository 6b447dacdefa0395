"""Reports and compilations and background export jobs."""
