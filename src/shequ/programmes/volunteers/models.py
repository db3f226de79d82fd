"""Models of the volunteers programmes."""
