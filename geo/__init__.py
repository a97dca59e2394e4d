"""Event Atlas: news events on an offline, filterable, shareable map."""

from geo import settings
from geo.catalog import Catalog, ListCatalog, type_counts_without_type_filter, type_options
from geo.errors import DataFileError, EventAtlasError, Problem, SettingError
from geo.escape import escape_markdown, escape_text, safe_url
from geo.export import to_csv, to_geojson, to_geojson_text
from geo.filters import EventFilter, apply_filter, count_by_type, countries_of, date_bounds
from geo.io.acled import export_acled_csv
from geo.io.importer import ImportResult, import_file
from geo.loader import load_events, parse_events_text
from geo.map.layer import build_map
from geo.model import Dataset, Event, Figure, Geometry, Place, Source
from geo.store import EventStore
from geo.table import events_table
from geo.urlstate import MapView, ViewState, parse_query, to_query
from geo.vocabulary import GEO_PRECISION_LABELS, VOCABULARY, EventType

__all__ = [
    "GEO_PRECISION_LABELS",
    "VOCABULARY",
    "Catalog",
    "DataFileError",
    "Dataset",
    "Event",
    "EventAtlasError",
    "EventFilter",
    "EventStore",
    "EventType",
    "Figure",
    "Geometry",
    "ImportResult",
    "ListCatalog",
    "MapView",
    "Place",
    "Problem",
    "SettingError",
    "Source",
    "ViewState",
    "apply_filter",
    "build_map",
    "count_by_type",
    "countries_of",
    "date_bounds",
    "escape_markdown",
    "escape_text",
    "events_table",
    "export_acled_csv",
    "import_file",
    "load_events",
    "parse_events_text",
    "parse_query",
    "safe_url",
    "settings",
    "to_csv",
    "to_geojson",
    "to_geojson_text",
    "to_query",
    "type_counts_without_type_filter",
    "type_options",
]
