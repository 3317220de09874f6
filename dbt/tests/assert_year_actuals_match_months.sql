-- kpi_district_year's actual for each additive measure equals the sum of
-- that district's months in kpi_district_month: the whole year for past
-- years, the months to the data date for the current one (the month grid
-- ends there). A row returned is a district, year and measure that differ.
with years as (
    select * from {{ ref('kpi_district_year') }}
),

months as (
    select * from {{ ref('kpi_district_month') }}
),

summed as (
    select
        district_code,
        {{ calendar_part('year', 'month') }} as year,
        unnest(array[
            'legal_aid_cases', 'legal_aid_workers', 'legal_aid_recovered_yuan',
            'wage_cases', 'wage_workers', 'wages_recovered_yuan'
        ]) as metric,
        unnest(array[
            cast(sum(legal_aid_cases) as decimal(38, 4)),
            cast(sum(legal_aid_workers) as decimal(38, 4)),
            cast(sum(legal_aid_recovered_yuan) as decimal(38, 4)),
            cast(sum(wage_cases) as decimal(38, 4)),
            cast(sum(wage_workers) as decimal(38, 4)),
            cast(sum(wages_recovered_yuan) as decimal(38, 4))
        ]) as total
    from months
    group by district_code, {{ calendar_part('year', 'month') }}
)

select
    summed.district_code,
    summed.year,
    summed.metric,
    years.actual,
    summed.total as sum_of_months
from summed
left join years
    on summed.district_code = years.district_code
    and summed.year = years.year
    and summed.metric = years.metric
where years.actual is distinct from summed.total
