"""From comments to the next revised draft: new versions, amendments, comparisons, traceability."""
