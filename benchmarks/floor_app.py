"""The floor: the least a Streamlit page with a streamlit-folium map can cost (one marker).

Same local assets and offline basemap as Event Atlas; nothing else on the page.
"""

from __future__ import annotations

import folium
from streamlit_folium import st_folium

from geo.map.assets import StaticURLs
from geo.map.base import build_base_map
from geo.urlstate import MapView

the_map = build_base_map(MapView(49.0, 31.5, 6), StaticURLs("/app/static"), "offline")
folium.Marker([49.0, 31.5]).add_to(the_map)
st_folium(the_map, key="floor", height=620, returned_objects=[])
