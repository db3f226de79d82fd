"""Models of the children programmes."""
