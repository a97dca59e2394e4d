"""Rows in the layout of a real ACLED export, for tests that write their own files."""

# The layout of an ACLED export (as tests/fixtures/import/acled_sample.csv): 25 columns.
ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
    "actor1,assoc_actor_1,actor2,iso,region,country,admin1,admin2,location,latitude,longitude,"
    "geo_precision,source,source_scale,notes,fatalities,tags,timestamp\n"
)


def acled_row(event_id: str, notes: str = "Gunmen shot a farmer in Datu Piang.") -> str:
    return (
        f"{event_id},2020-12-31,2020,1,Political violence,Violence against civilians,Attack,"
        "Unidentified Armed Group (Philippines),,Civilians (Philippines),608,Southeast Asia,"
        "Philippines,Maguindanao,Datu Piang,Datu Piang,7.0186,124.4961,1,Mindanao Examiner,"
        f'Subnational,"{notes}",1,,1610412345\n'
    )
