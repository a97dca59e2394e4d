"""Events in and out of files: format readers and what they detect.

`importer` is the entry point (`import_file`, and `table_shape` for the page's mapping step); it
dispatches to one reader per family (`acled`, `gdelt`, `ucdp`, `table`, and `records` and
`geojson` through `jsonfile`), which share `core` (a file's context and rows) and `cells` (one
cell to one field), and the detection of columns, dates, countries and types (`columns`,
`dates`, `countries`, `taxonomies`); `report` groups problems by cause.
"""
