"""Streamlit only: the page glue, its fragments and the map component. Nothing imports it."""
