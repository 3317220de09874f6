-- The periods Chinese statistics publish, for every year of the window:
-- each month (3月), the cumulative year to date (1-3月), each quarter, and
-- the combined 1-2月 that Spring Festival years call for.
with window_ as (
    select * from {{ ref('int_reporting_window') }}
),

ends as (
    select cast(month_starts.range as date) as end_month
    from window_
    cross join range(
        cast(date_trunc('year', window_.first_month) as date),
        cast(date_trunc('month', window_.data_date) as date)
        + interval 1 month,
        interval 1 month
    ) as month_starts
),

periods as (
    select
        'month' as period_type,
        end_month as start_month,
        end_month
    from ends
    union all
    select
        'cumulative' as period_type,
        cast(date_trunc('year', end_month) as date) as start_month,
        end_month
    from ends
    union all
    select
        'quarter' as period_type,
        cast(end_month - interval 2 month as date) as start_month,
        end_month
    from ends
    where month(end_month) in (3, 6, 9, 12)
    union all
    select
        'jan_feb' as period_type,
        cast(date_trunc('year', end_month) as date) as start_month,
        end_month
    from ends
    where month(end_month) = 2
),

final as (
    select
        period_type
        || ':' || strftime(start_month, '%Y-%m')
        || '..' || strftime(end_month, '%Y-%m') as period_id,
        period_type,
        year(end_month) as year,
        start_month,
        cast(end_month + interval 1 month - interval 1 day as date)
            as end_date,
        strftime(end_month, '%Y年') || case period_type
            when 'month' then month(end_month) || '月'
            when 'quarter'
                then ['一', '二', '三', '四'][quarter(end_month)] || '季度'
            else '1-' || month(end_month) || '月'
        end as label_zh,
        case period_type
            when 'month' then strftime(end_month, '%b %Y')
            when 'quarter'
                then 'Q' || quarter(end_month) || ' ' || year(end_month)
            else 'Jan–' || strftime(end_month, '%b %Y')
        end as label_en
    from periods
)

select * from final
