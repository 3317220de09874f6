-- One row per year: the share of the year elapsed at the data date, in
-- calendar days and in working days (1 for past years).
with dates as (
    select * from {{ ref('int_dates_classified') }}
),

window_ as (
    select * from {{ ref('int_reporting_window') }}
),

final as (
    select
        dates.year,
        count(*) filter (where dates.date_day <= window_.data_date)
        / count(*) as time_progress,
        case
            when bool_and(dates.has_holiday_calendar)
                then count(*) filter (
                    where dates.is_workday
                    and dates.date_day <= window_.data_date
                ) / count(*) filter (where dates.is_workday)
            else count(*) filter (where dates.date_day <= window_.data_date)
            / count(*)
        end as time_progress_workdays,
    from dates
    cross join window_
    group by dates.year
)

select * from final
