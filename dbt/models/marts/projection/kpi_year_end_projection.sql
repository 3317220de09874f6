-- Where each district will end the year at its own pace (年末预测), for
-- every district, year and metric with a target. A count or an amount is
-- the year to date divided by the share of the year's total that had
-- arrived by the same month in the district's earlier complete years (its
-- own seasons: wage arrears peak before the Spring Festival); with no
-- such year, the city's share; with none at all, by time progress. A rate
-- or an average is a ratio, not a running total: its projection is the
-- year to date. A past year is complete: its projection is its actual.
{%- set ratio_kinds = "('rate', 'average')" %}

-- the districts' rows and the city's (kpi_city_year), the city with the
-- city's own seasons
with years as (
    select
        district_code,
        false as is_city,
        year,
        metric,
        actual,
        target,
        time_progress
    from {{ ref('kpi_district_year') }}
    union all
    select
        '{{ var("city_code") }}' as district_code,
        true as is_city,
        year,
        metric,
        actual,
        target,
        time_progress
    from {{ ref('kpi_city_year') }}
),

months as (
    select * from {{ ref('kpi_district_month_compared') }}
),

latest_months as (
    select * from {{ ref('kpi_year_to_date') }}
    where is_latest
),

window_ as (
    select * from {{ ref('int_reporting_window') }}
),

metrics as (
    select * from {{ ref('metrics') }}
),

-- the last month each year counts (kpi_year_to_date's latest month:
-- December, or the data date's month)
cutoffs as (
    select distinct
        latest.year,
        latest.through_month as cutoff_month,
        -- a year before this one counts as history when every month of it
        -- is inside the data
        {{ calendar_part('year', 'window_.first_month') }}
        + case
            when {{ calendar_part('month', 'window_.first_month') }} = 1
                then 0
            else 1
        end as first_complete_year
    from latest_months as latest
    cross join window_
),

monthly as (
    select
        district_code,
        metric,
        {{ calendar_part('year', 'month') }} as year,
        {{ calendar_part('month', 'month') }} as month_no,
        value
    from months
),

-- for each year projected, the earlier complete years' totals by the
-- cutoff month and in all
history as (
    select
        monthly.district_code,
        monthly.metric,
        cutoffs.year,
        count(distinct monthly.year) as history_years,
        sum(
            case
                when monthly.month_no <= cutoffs.cutoff_month then monthly.value
            end
        ) as by_cutoff,
        sum(monthly.value) as whole_year
    from monthly
    inner join cutoffs
        on
        monthly.year < cutoffs.year
        and monthly.year >= cutoffs.first_complete_year
    group by monthly.district_code, monthly.metric, cutoffs.year
),

own_share as (
    select
        district_code,
        metric,
        year,
        history_years,
        cast(by_cutoff as double precision) / nullif(whole_year, 0)
            as history_share
    from history
),

city_share as (
    select
        metric,
        year,
        cast(sum(by_cutoff) as double precision)
        / nullif(sum(whole_year), 0) as history_share
    from history
    group by metric, year
),

projected as (
    select
        years.district_code,
        years.is_city,
        years.year,
        years.metric,
        years.actual,
        years.target,
        years.time_progress,
        coalesce(own_share.history_years, 0) as history_years,
        case
            when metrics.kind in {{ ratio_kinds }} then 'ratio'
            when cutoffs.cutoff_month = 12 then 'complete'
            when own_share.history_share > 0 then 'own_history'
            when city_share.history_share > 0 then 'city_history'
            when years.time_progress > 0 then 'time_progress'
        end as projection_method,
        case
            when metrics.kind in {{ ratio_kinds }} or cutoffs.cutoff_month = 12
                then null
            when own_share.history_share > 0 then own_share.history_share
            when city_share.history_share > 0 then city_share.history_share
            else years.time_progress
        end as share_by_now
    from years
    inner join metrics on years.metric = metrics.metric
    inner join cutoffs on years.year = cutoffs.year
    left join own_share
        on
        years.district_code = own_share.district_code
        and years.metric = own_share.metric
        and years.year = own_share.year
    left join city_share
        on years.metric = city_share.metric and years.year = city_share.year
    where years.target is not null
),

final as (
    select
        district_code,
        is_city,
        year,
        metric,
        actual,
        target,
        projection_method,
        history_years,
        cast(share_by_now as double precision) as share_by_now,
        cast(case
            when projection_method in ('ratio', 'complete') then actual
            when share_by_now > 0
                then {{ rounded_ratio('actual', 'share_by_now') }}
        end as decimal(20, 4)) as projected_year_end,
        cast(
            case
                when projection_method in ('ratio', 'complete') then actual
                when share_by_now > 0 then actual / share_by_now
            end / nullif(target, 0)
            as double precision
        ) as projected_completion_rate
    from projected
)

select * from final
