-- The city's KPIs by year (全市): kpi_year_to_date's city rows at the last
-- month counted, beside kpi_district_year's district rows. Counts and
-- money are the districts' sums; a rate or an average divides the city's
-- sums; the target is the districts' sum when every district has one.
-- through_month is the year's last month counted (December, or the data
-- date's month this year): the period the figures are of.
with year_to_date as (
    select * from {{ ref('kpi_year_to_date') }}
),

final as (
    select
        year,
        through_month,
        metric,
        actual,
        actual_same_period_last_year,
        target,
        completion_rate,
        time_progress,
        time_progress_workdays,
        completion_benchmark,
        status,
        change_on_last_year
    from year_to_date
    where is_city and is_latest
)

select * from final
