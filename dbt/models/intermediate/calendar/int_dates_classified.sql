-- One row per day of every year from the first data year to the data date's
-- year, marked working day or not from the shipped holiday calendar
-- (data/reference/cn_holidays.csv). Years the calendar lacks fall back to
-- Monday-to-Friday and say so in has_holiday_calendar.
with window_ as (
    select * from {{ ref('int_reporting_window') }}
),

holidays as (
    select * from {{ ref('cn_holidays') }}
),

calendar_years as (
    select distinct {{ calendar_part('year', 'holidays.date') }} as year
    from holidays
),

days as (
    select cast(day_starts.day_start as date) as date_day
    from window_
    cross join generate_series(
        cast(date_trunc('year', window_.first_month) as timestamp),
        cast(date_trunc('year', window_.data_date) as timestamp)
        + interval '1 year' - interval '1 day',
        interval '1 day'
    ) as day_starts (day_start)
),

final as (
    select
        days.date_day,
        {{ calendar_part('year', 'days.date_day') }} as year,
        calendar_years.year is not null as has_holiday_calendar,
        holidays.name_zh as holiday_name_zh,
        case
            when holidays.kind = 'workday' then true
            when holidays.kind = 'holiday' then false
            else {{ calendar_part('isodow', 'days.date_day') }} <= 5
        end as is_workday
    from days
    left join holidays on days.date_day = holidays.date
    left join calendar_years
        on {{ calendar_part('year', 'days.date_day') }} = calendar_years.year
)

select * from final
