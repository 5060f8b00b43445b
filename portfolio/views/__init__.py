"""Pages of the portfolio app, one module per page family."""
