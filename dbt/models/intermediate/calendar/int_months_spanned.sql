-- One row per month of the reporting window, from the first month with data
-- to the data date's month: the month grid of every monthly mart.
with window_ as (
    select * from {{ ref('int_reporting_window') }}
),

final as (
    select
        cast(month_starts.range as date) as month,
        cast(
            month_starts.range + interval 1 month - interval 1 day as date
        ) as month_end
    from window_
    cross join range(
        window_.first_month,
        cast(date_trunc('month', window_.data_date) as date)
        + interval 1 month,
        interval 1 month
    ) as month_starts
)

select * from final
