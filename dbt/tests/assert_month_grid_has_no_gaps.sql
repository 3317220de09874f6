-- One row for every district and every month of the reporting window.
with grid as (
    select count(*) as row_count from {{ ref('kpi_district_month') }}
),

expected as (
    select
        16 * (
            date_diff('month', first_month, data_date) + 1
        ) as row_count,
    from {{ ref('int_reporting_window') }}
)

select *
from grid, expected
where grid.row_count != expected.row_count
