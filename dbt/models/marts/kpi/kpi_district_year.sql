-- Each district's KPIs by year: kpi_year_to_date's district rows at the
-- last month counted (December, or the data date's month this year). The
-- KPI rules themselves (year to date, the same period last year, ratios
-- of sums, stocks, campaign-year certifications, targets, completion and
-- rank) are applied there, once, for the districts and the city alike.
with year_to_date as (
    select * from {{ ref('kpi_year_to_date') }}
),

final as (
    select
        area_code as district_code,
        year,
        metric,
        actual,
        actual_same_period_last_year,
        target,
        completion_rate,
        time_progress,
        time_progress_workdays,
        rank,
        completion_benchmark,
        status,
        change_on_last_year
    from year_to_date
    where not is_city and is_latest
)

select * from final
