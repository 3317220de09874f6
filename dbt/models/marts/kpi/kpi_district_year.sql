{%- set ratio_metrics = "('mediation_rate', 'new_employment_form_share', "
    ~ "'avg_days_to_close', 'avg_workdays_to_close')" -%}

with months as (
    select * from {{ ref('kpi_district_month') }}
),

window_ as (
    select * from {{ ref('int_reporting_window') }}
),

progress as (
    select * from {{ ref('int_years_progressed') }}
),

targets as (
    select * from {{ ref('stg_landing__targets') }}
),

certifications as (
    select * from {{ ref('fct_certifications') }}
),

-- The last month counted in each year: December for past years, the data
-- date's month for the current one; the same months of the year before are
-- the same period last year (同期).
cutoffs as (
    select
        progress.year,
        case
            when progress.year = year(window_.data_date)
                then month(window_.data_date)
            else 12
        end as cutoff_month,
        case
            when progress.year = year(window_.data_date)
                then window_.data_date
        end as cutoff_date
    from progress
    cross join window_
),

sums as (
    select
        months.district_code,
        cutoffs.year,
        year(months.month) = cutoffs.year as is_this_year,
        cast(sum(months.legal_aid_cases) as decimal(20, 4)) as legal_aid_cases,
        cast(sum(months.legal_aid_workers) as decimal(20, 4))
            as legal_aid_workers,
        cast(sum(months.legal_aid_closed) as decimal(20, 4))
            as legal_aid_closed,
        cast(sum(months.legal_aid_mediated) as decimal(20, 4))
            as legal_aid_mediated,
        cast(sum(months.legal_aid_recovered_yuan) as decimal(20, 4))
            as legal_aid_recovered_yuan,
        cast(sum(months.wage_cases) as decimal(20, 4)) as wage_cases,
        cast(sum(months.wage_workers) as decimal(20, 4)) as wage_workers,
        cast(sum(months.wages_recovered_yuan) as decimal(20, 4))
            as wages_recovered_yuan,
        cast(sum(months.legal_aid_collective_cases) as decimal(20, 4))
            as legal_aid_collective_cases,
        -- ratios are ratios of sums over the same months, never averages
        -- of monthly ratios: each has this one definition
        cast(
            sum(months.legal_aid_mediated)
            / nullif(sum(months.legal_aid_closed), 0)
            as decimal(20, 4)
        ) as mediation_rate,
        cast(
            sum(months.legal_aid_new_form_workers)
            / nullif(sum(months.legal_aid_workers), 0)
            as decimal(20, 4)
        ) as new_employment_form_share,
        cast(
            sum(months.legal_aid_days_to_close)
            / nullif(sum(months.legal_aid_closed_dated), 0)
            as decimal(20, 4)
        ) as avg_days_to_close,
        cast(
            sum(months.legal_aid_workdays_to_close)
            / nullif(sum(months.legal_aid_closed_dated), 0)
            as decimal(20, 4)
        ) as avg_workdays_to_close,
        -- stocks are read at the last month counted, not summed
        cast(
            arg_max(months.certified_in_force, months.month) as decimal(20, 4)
        ) as certified_in_force,
        cast(
            arg_max(months.certified_workforce, months.month) as decimal(20, 4)
        ) as certified_workforce
    from months
    inner join cutoffs
        on year(months.month) in (cutoffs.year, cutoffs.year - 1)
        and month(months.month) <= cutoffs.cutoff_month
    group by all
),

-- Certifications count in their campaign year; this year's up to the data
-- date, last year's up to the same day a year earlier.
certified as (
    select
        certifications.district_code,
        cutoffs.year,
        certifications.campaign_year = cutoffs.year as is_this_year,
        cast(count(*) as decimal(20, 4)) as certified_enterprises
    from certifications
    inner join cutoffs
        on certifications.campaign_year in (cutoffs.year, cutoffs.year - 1)
    where
        certifications.status = '达标'
        and (
            cutoffs.cutoff_date is null
            or certifications.certified_date <= case
                when certifications.campaign_year = cutoffs.year
                    then cutoffs.cutoff_date
                else cutoffs.cutoff_date - interval 1 year
            end
        )
    group by all
),

long as (
    unpivot sums
    -- sqlfluff's duckdb grammar expects an unpivot's columns unindented
    -- noqa: disable=LT02
    on
        legal_aid_cases, legal_aid_workers, legal_aid_closed,
        legal_aid_mediated, legal_aid_recovered_yuan, wage_cases,
        wage_workers, wages_recovered_yuan, mediation_rate,
        legal_aid_collective_cases, new_employment_form_share,
        avg_days_to_close, avg_workdays_to_close, certified_in_force,
        certified_workforce
    into name metric value amount
    -- noqa: enable=LT02
    union all
    select
        district_code,
        year,
        is_this_year,
        'certified_enterprises' as metric,
        certified_enterprises as amount
    from certified
),

districts as (
    select district_code from {{ ref('dim_district') }}
    where is_district
),

-- every metric the metrics file defines, so one without a single row in any
-- year shows 0 (or, for a ratio, null) rather than disappearing
metrics as (
    select metric from {{ ref('metrics') }}
),

first_year as (
    select min(year) as year from progress
),

grid as (
    select
        districts.district_code,
        progress.year,
        metrics.metric
    from districts
    cross join progress
    cross join metrics
),

compared as (
    select
        grid.district_code,
        grid.year,
        grid.metric,
        coalesce(
            this_year.amount,
            case when grid.metric not in {{ ratio_metrics }} then 0 end
        ) as actual,
        coalesce(
            last_year.amount,
            case
                when grid.metric not in {{ ratio_metrics }}
                    and grid.year > first_year.year
                    then 0
            end
        ) as actual_same_period_last_year,
        targets.target,
        progress.time_progress,
        progress.time_progress_workdays
    from grid
    cross join first_year
    inner join progress on grid.year = progress.year
    left join long as this_year
        on grid.district_code = this_year.district_code
        and grid.year = this_year.year
        and grid.metric = this_year.metric
        and this_year.is_this_year
    left join long as last_year
        on grid.district_code = last_year.district_code
        and grid.year = last_year.year
        and grid.metric = last_year.metric
        and not last_year.is_this_year
    left join targets
        on grid.district_code = targets.district_code
        and grid.year = targets.year
        and grid.metric = targets.metric
),

with_completion as (
    select
        *,
        actual / nullif(target, 0) as completion_rate,
        -- districts rank on completion when every district has a target,
        -- otherwise on the actual figure
        count(nullif(target, 0)) over (partition by year, metric)
        = count(*) over (partition by year, metric) as ranks_on_completion
    from compared
),

final as (
    select
        district_code,
        year,
        metric,
        actual,
        actual_same_period_last_year,
        target,
        cast(completion_rate as double) as completion_rate,
        cast(time_progress as double) as time_progress,
        cast(time_progress_workdays as double) as time_progress_workdays,
        cast(rank() over (
            partition by year, metric
            order by
                case
                    when ranks_on_completion then completion_rate
                end desc nulls last,
                actual desc nulls last
        ) as integer) as rank
    from with_completion
)

select * from final
