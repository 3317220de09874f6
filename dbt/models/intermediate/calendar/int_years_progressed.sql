-- One row per year: the share of the year elapsed at the data date, in
-- calendar days and in working days (1 for past years).
with dates as (
    select * from {{ ref('int_dates_classified') }}
),

window_ as (
    select * from {{ ref('int_reporting_window') }}
),

counted as (
    select
        dates.year,
        bool_and(dates.has_holiday_calendar) as has_holiday_calendar,
        count(*) as days_in_year,
        count(*) filter (
            where dates.date_day <= window_.data_date
        ) as days_elapsed,
        count(*) filter (where dates.is_workday) as workdays_in_year,
        count(*) filter (
            where dates.is_workday and dates.date_day <= window_.data_date
        ) as workdays_elapsed
    from dates
    cross join window_
    group by dates.year
),

final as (
    select
        year,
        days_elapsed / days_in_year as time_progress,
        -- a year the holiday calendar lacks falls back to calendar days
        case
            when has_holiday_calendar then workdays_elapsed / workdays_in_year
            else days_elapsed / days_in_year
        end as time_progress_workdays
    from counted
)

select * from final
