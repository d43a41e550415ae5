"""The web app: the staff desk under /desk/ (and, later, a person's chat at /)."""
