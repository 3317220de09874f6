-- kpi_district_month has one row for every district and every month of the
-- reporting window: zeros, never gaps. A row returned is a miscount.
with months as (
    select count(*) as row_count from {{ ref('kpi_district_month') }}
),

districts as (
    select count(*) as district_count from {{ ref('dim_district') }}
    where is_district
),

expected as (
    select
        districts.district_count
        * ({{ months_between(
            'window_.first_month', 'window_.data_date'
        ) }} + 1)
            as row_count
    from {{ ref('int_reporting_window') }} as window_
    cross join districts
)

select
    months.row_count,
    expected.row_count as expected_row_count
from months
cross join expected
where months.row_count != expected.row_count
