"""Feature requests: votes, product status, duplicates and merging, the request board and its export."""
