"""netinv."""
