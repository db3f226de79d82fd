"""Models of the homecare programmes."""
