-- For past years, kpi_district_year's actual equals the sum of its months.
with years as (
    select district_code, year, actual
    from {{ ref('kpi_district_year') }}
    where metric = 'legal_aid_recovered_yuan'
),

months as (
    select
        district_code,
        year(month) as year,
        sum(legal_aid_recovered_yuan) as total,
    from {{ ref('kpi_district_month') }}
    group by all
),

window_ as (
    select year(data_date) as current_year
    from {{ ref('int_reporting_window') }}
)

select years.*
from years
inner join months using (district_code, year)
cross join window_
where years.year < window_.current_year and years.actual != months.total
