"""Modal screens and small inputs: help, settings, teaching, the bridge, the palette."""
