"""Models of the eldercare programmes."""
