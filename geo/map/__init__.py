"""Events to Leaflet: the base map, the event layer, cells of a large dataset, popups, legend."""
