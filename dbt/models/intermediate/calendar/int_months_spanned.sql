-- One row per month of the reporting window, from the first month with data
-- to the data date's month: the month grid of every monthly mart.
with window_ as (
    select * from {{ ref('int_reporting_window') }}
),

final as (
    select
        cast(month_starts.month_start as date) as month,
        cast(
            month_starts.month_start + interval '1 month' - interval '1 day'
            as date
        ) as month_end
    from window_
    cross join generate_series(
        cast(window_.first_month as timestamp),
        cast(date_trunc('month', window_.data_date) as timestamp),
        interval '1 month'
    ) as month_starts (month_start)
)

select * from final
