"""Patron's server-rendered pages. Views parse input, call selectors, render templates."""
