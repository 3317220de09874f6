with dates as (
    select * from {{ ref('int_dates_classified') }}
),

final as (
    select
        date_day,
        year,
        {{ calendar_part('quarter', 'date_day') }} as quarter,
        {{ calendar_part('month', 'date_day') }} as month_of_year,
        cast(date_trunc('month', date_day) as date) as month,
        {{ calendar_part('isodow', 'date_day') }} as day_of_week,
        is_workday,
        holiday_name_zh,
        has_holiday_calendar
    from dates
)

select * from final
