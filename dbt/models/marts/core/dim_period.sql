-- The periods Chinese statistics publish, for every year of the window:
-- each month (3月), the cumulative year to date (1-3月), each quarter, and
-- the combined 1-2月 that Spring Festival years call for.
with window_ as (
    select * from {{ ref('int_reporting_window') }}
),

ends as (
    select cast(month_starts.month_start as date) as end_month
    from window_
    cross join generate_series(
        cast(date_trunc('year', window_.first_month) as timestamp),
        cast(date_trunc('month', window_.data_date) as timestamp),
        interval '1 month'
    ) as month_starts (month_start)
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
        cast(end_month - interval '2 month' as date) as start_month,
        end_month
    from ends
    where {{ calendar_part('month', 'end_month') }} in (3, 6, 9, 12)
    union all
    select
        'jan_feb' as period_type,
        cast(date_trunc('year', end_month) as date) as start_month,
        end_month
    from ends
    where {{ calendar_part('month', 'end_month') }} = 2
),

dated as (
    select
        *,
        {{ calendar_part('year', 'end_month') }} as year,
        {{ calendar_part('quarter', 'end_month') }} as quarter,
        {{ calendar_part('month', 'end_month') }} as month_of_year,
        case {{ calendar_part('quarter', 'end_month') }}
            when 1 then '一'
            when 2 then '二'
            when 3 then '三'
            else '四'
        end as quarter_zh
    from periods
),

final as (
    select
        period_type
        || ':' || {{ format_date('start_month', '%Y-%m') }}
        || '..' || {{ format_date('end_month', '%Y-%m') }} as period_id,
        period_type,
        year,
        start_month,
        cast(end_month + interval '1 month' - interval '1 day' as date)
            as end_date,
        {{ format_date('end_month', '%Y年') }} || case period_type
            when 'month' then month_of_year || '月'
            when 'quarter' then quarter_zh || '季度'
            else '1-' || month_of_year || '月'
        end as label_zh,
        case period_type
            when 'month' then {{ format_date('end_month', '%b %Y') }}
            when 'quarter' then 'Q' || quarter || ' ' || year
            else 'Jan–' || {{ format_date('end_month', '%b %Y') }}
        end as label_en
    from dated
)

select * from final
